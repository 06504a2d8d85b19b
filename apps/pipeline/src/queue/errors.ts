import { PipewellError, type PipewellErrorOptions, PipewellOptionsError } from '@pipewell/core';

/**
 * A queue call refused before anything is stored: a bad name or setting, an unknown topic or
 * subscription, data that is not JSON, a message failing its topic's schema. `option` names the
 * input. Permanent: a handler that throws it has its message dead-lettered, not retried.
 */
export class QueueInputError extends PipewellOptionsError {
  static override readonly marker: string = '@pipewell/pipeline.QueueInputError';
  override readonly name: string = 'QueueInputError';
  /** Always true: read by `isPermanentError`. */
  readonly permanent = true as const;
}

/** The queue was closed: reopen it. */
export class QueueClosedError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.QueueClosedError';
  override readonly name: string = 'QueueClosedError';
}

/**
 * The reason a handler's signal aborts when it runs past the subscription's ack deadline: the
 * message is delivered again, and whatever the handler returns later is ignored.
 */
export class LeaseExpiredError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.LeaseExpiredError';
  override readonly name: string = 'LeaseExpiredError';
  /** Always true: a later attempt may finish in time. */
  readonly transient = true as const;

  /** Create the error for `messageId` on `subscription` after `ackDeadlineMs`. */
  constructor(
    subscription: string,
    messageId: string,
    ackDeadlineMs: number,
    options?: PipewellErrorOptions,
  ) {
    super(
      `message ${messageId} on ${subscription} was not acked within the ack deadline (${ackDeadlineMs} ms); it will be delivered again`,
      options,
    );
  }
}
