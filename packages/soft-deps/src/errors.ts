import { PipewellOptionsError } from '@pipewell/core';

/**
 * Thrown by `createDependencyGuard` and `withSoftDependencies` when an option is wrong, at
 * creation, so a bad threshold fails the deploy instead of skipping every run; `option` names the
 * culprit. A {@link PipewellOptionsError}, like every pipewell options error.
 *
 * @example
 * ```ts
 * try {
 *   createDependencyGuard({ map, threshold: 80 });
 * } catch (error) {
 *   if (DependencyGuardOptionsError.isInstance(error)) console.error(error.option); // 'threshold'
 * }
 * ```
 */
export class DependencyGuardOptionsError extends PipewellOptionsError {
  static override readonly marker = '@pipewell/soft-deps.DependencyGuardOptionsError';
  override readonly name = 'DependencyGuardOptionsError';

  /** Create an error naming `option`; the message gets the package prefix. */
  constructor(option: string, message: string) {
    super(option, `@pipewell/soft-deps: ${message}`);
  }
}
