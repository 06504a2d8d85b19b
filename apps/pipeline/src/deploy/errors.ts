import { PipewellError } from '@pipewell/core';

/** A deploy plan that cannot be built or applied; the message names the option or resource. */
export class DeployError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.DeployError';
  override readonly name: string = 'DeployError';
}
