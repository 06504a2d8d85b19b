import { PipewellError } from '@pipewell/core';

/**
 * A message the orchestration can never handle (an unknown processor, a phase without
 * processors): permanent, so the queue dead-letters it at once.
 */
export class OrchestrationError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.OrchestrationError';
  override readonly name: string = 'OrchestrationError';
  /** Always true: read by `isPermanentError`. */
  readonly permanent = true as const;
}
