import { PipewellError } from '@pipewell/core';

/** An outbox could not do its job: a lock it could not take, a document it cannot read. */
export class AlertOutboxError extends PipewellError {
  static override readonly marker = '@pipewell/alerts.AlertOutboxError';
  override readonly name = 'AlertOutboxError';

  /** Create an error; the message gets the package prefix. */
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(`@pipewell/alerts: ${message}`, options);
  }
}
