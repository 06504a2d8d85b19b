/** Options for the {@link PipewellError} constructor: what `Error` takes. */
export interface PipewellErrorOptions {
  /** The error that led to this one; becomes `error.cause`. */
  readonly cause?: unknown;
}

/**
 * A class that extends {@link PipewellError}: what `isInstance` is called on.
 * @typeParam T - the instances it makes
 */
export type PipewellErrorClass<T extends PipewellError = PipewellError> =
  // never[] accepts any constructor signature: each error class takes its own arguments.
  (abstract new (...args: never[]) => T) & { readonly marker: string };

/** Constructors whose prototypes carry their markers already. */
const marked = new WeakSet<object>();

function ownMarker(target: unknown): string {
  if (typeof target !== 'function') {
    throw new TypeError(
      '@pipewell/core: isInstance was called without its class; call it on the class, as in RetryError.isInstance(error), or wrap it: (e) => RetryError.isInstance(e)',
    );
  }
  if (!Object.hasOwn(target, 'marker')) {
    const name = (target as { name?: unknown }).name;
    throw new TypeError(
      `@pipewell/core: ${String(name)} extends PipewellError without its own static marker ('@pipewell/<package>.<ClassName>')`,
    );
  }
  return (target as unknown as { marker: string }).marker;
}

/**
 * Put the marker of `target` and of each class above it on its prototype, once per class. A
 * marker on the prototype, not on each instance, keeps constructing an error as cheap as before.
 */
function markClassChain(target: object): void {
  for (
    let current = target;
    current !== Error && !marked.has(current);
    current = Object.getPrototypeOf(current) as object
  ) {
    const prototype = (current as { prototype: object }).prototype;
    Object.defineProperty(prototype, Symbol.for(ownMarker(current)), { value: true });
    marked.add(current);
  }
}

/**
 * The base of every error a pipewell package throws: an `Error` with a `name`, an optional
 * `cause`, and a static `isInstance` that holds across two installed copies of a package (two
 * services' bundles, a hoisting accident), where `instanceof` fails.
 *
 * `isInstance` looks for a `Symbol.for(marker)` property, set on the prototype of each class the
 * first time it is constructed. A subclass is a few lines: its own `static marker`
 * (`'@pipewell/<package>.<ClassName>'`), its `name`, its fields. It cannot forget the marker:
 * constructing it, or calling its `isInstance`, throws a `TypeError` saying the marker is missing,
 * so the first test that touches the class fails.
 *
 * @example
 * ```ts
 * export class QuotaError extends PipewellError {
 *   static override readonly marker = '@pipewell/example.QuotaError';
 *   override readonly name = 'QuotaError';
 * }
 *
 * try {
 *   await load();
 * } catch (error) {
 *   if (QuotaError.isInstance(error)) logger.warn({ err: error }, error.message);
 *   if (PipewellError.isInstance(error)) logger.warn({ err: error }, 'a pipewell error');
 * }
 * ```
 */
export class PipewellError extends Error {
  /**
   * The name of this class's `Symbol.for` marker, `'@pipewell/<package>.<ClassName>'`. Every
   * subclass declares its own; the string must never change, since copies of a package installed
   * side by side recognise each other's errors by it.
   */
  static readonly marker: string = '@pipewell/core.PipewellError';

  /** The class name, such as `'RetryError'`: set by each subclass. */
  override readonly name: string = 'PipewellError';

  /**
   * Create an error; `options.cause` becomes `cause`.
   * @throws TypeError when the class (or one between it and `PipewellError`) has no own `marker`
   */
  constructor(message: string, options?: PipewellErrorOptions) {
    super(message, options);
    if (!marked.has(new.target)) markClassChain(new.target);
  }

  /**
   * True when `error` is an instance of the class this is called on (or of a subclass), even one
   * made by another installed copy of the package: `RetryError.isInstance(error)` narrows `error`
   * to `RetryError`, and `PipewellError.isInstance(error)` is true for every pipewell error.
   * Call it on the class: passed on its own as a callback (`errors.filter(RetryError.isInstance)`)
   * it cannot tell which class it belongs to; wrap it instead (`(e) => RetryError.isInstance(e)`).
   * @throws TypeError when called on a class without its own `marker`, or without a class
   */
  static isInstance<T extends PipewellError>(
    this: PipewellErrorClass<T>,
    error: unknown,
  ): error is T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass it was called on, whose marker is wanted
    return PipewellError.hasMarker(error, ownMarker(this));
  }

  /**
   * True when `error` carries the marker named `marker` (a `Symbol.for(marker)` property set to
   * `true`, usually inherited from a prototype). The check behind every `isInstance`.
   */
  static hasMarker(error: unknown, marker: string): boolean {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[Symbol.for(marker)] === true
    );
  }
}

/**
 * The base of every options error: thrown, at creation, when an option, an environment variable
 * or an input is wrong. `option` names it, in every package: `'intervalMs'`,
 * `'CIRCUIT_BREAKER_BIGQUERY_THRESHOLD'`, `'processors.box_scores.upstreams.schedule.kind'`.
 *
 * @example
 * ```ts
 * try {
 *   startHeartbeat({ ...key, store, intervalMs: 0 });
 * } catch (error) {
 *   if (PipewellOptionsError.isInstance(error)) console.error(`fix ${error.option}: ${error.message}`);
 * }
 * ```
 */
export class PipewellOptionsError extends PipewellError {
  static override readonly marker: string = '@pipewell/core.PipewellOptionsError';
  override readonly name: string = 'PipewellOptionsError';
  /** The option, environment variable or input that is wrong, such as `"intervalMs"`. */
  readonly option: string;

  /** Create an error naming `option`; the message says what was expected and what was given. */
  constructor(option: string, message: string, options?: PipewellErrorOptions) {
    super(message, options);
    this.option = option;
  }
}
