import { PipewellError } from '@pipewell/core';

/** An entry point set up wrongly: no handlers, a handler named twice, a missing app port. */
export class EntryError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.EntryError';
  override readonly name: string = 'EntryError';
}
