import { PipewellError, type PipewellErrorOptions, PipewellOptionsError } from '@pipewell/core';

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

/**
 * A stored document the state store cannot read: in Firestore, one written by something else
 * into a state collection (no `json` field, an unknown layout `v`, JSON that does not parse).
 * `path` is the document's path, `problem` what is wrong with it.
 */
export class StateDocumentError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.StateDocumentError';
  override readonly name: string = 'StateDocumentError';
  /** The document's path, `collection/id`. */
  readonly path: string;
  /** What is wrong with it. */
  readonly problem: string;

  constructor(path: string, problem: string, options?: PipewellErrorOptions) {
    super(`state document ${path} is not a state store document: ${problem}`, options);
    this.path = path;
    this.problem = problem;
  }
}
