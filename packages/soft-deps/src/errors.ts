const guardOptionsMarker = Symbol.for('@pipewell/soft-deps.DependencyGuardOptionsError');

/**
 * Thrown by `createDependencyGuard` when an option is wrong, at creation, so a bad
 * threshold fails the deploy instead of skipping every run; `option` names the culprit.
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
export class DependencyGuardOptionsError extends TypeError {
  override readonly name = 'DependencyGuardOptionsError';
  /** The option that is wrong, such as `"threshold"`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`@pipewell/soft-deps: ${message}`);
    this.option = option;
  }

  /** True for any `DependencyGuardOptionsError`, even from another installed copy of this package. */
  static isInstance(error: unknown): error is DependencyGuardOptionsError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[guardOptionsMarker] === true
    );
  }
}
Object.defineProperty(DependencyGuardOptionsError.prototype, guardOptionsMarker, { value: true });
