import { PipewellError, PipewellOptionsError } from '@pipewell/core';

/**
 * A call the state store refuses before touching anything: a collection or id Firestore would
 * refuse too, a document that is not a JSON object, a bad `limit` or `expireAt`. `option` names
 * the input. Permanent: the same call can never succeed.
 */
export class StateInputError extends PipewellOptionsError {
  static override readonly marker: string = '@pipewell/pipeline.StateInputError';
  override readonly name: string = 'StateInputError';
  /** Always true: read by `isPermanentError`. */
  readonly permanent = true as const;
}

/** The state store was closed: reopen it. */
export class StateStoreClosedError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.StateStoreClosedError';
  override readonly name: string = 'StateStoreClosedError';
}
