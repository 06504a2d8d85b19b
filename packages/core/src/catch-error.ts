/**
 * An error class {@link catchError} checks against: a pipewell error class is matched with its
 * cross-copy `isInstance`, any other with `instanceof`.
 */
export type ErrorClass<E> = abstract new (
  // never[] accepts any constructor signature: each error class takes its own arguments.
  ...args: never[]
) => E;

function nameOf(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value);
  return `${typeof value} ${String(value)}`;
}

function matches(error: unknown, kind: ErrorClass<unknown>): boolean {
  const isInstance = (kind as { isInstance?: unknown }).isInstance;
  if (typeof isInstance === 'function' && typeof (kind as { marker?: unknown }).marker === 'string')
    return (isInstance as (this: unknown, error: unknown) => boolean).call(kind, error);
  return error instanceof kind;
}

function check<E>(thrown: unknown, kind: ErrorClass<E> | undefined): E {
  if (kind !== undefined && !matches(thrown, kind)) {
    const wanted = (kind as { name?: unknown }).name;
    throw new Error(`catchError: expected a ${String(wanted)}, but got ${nameOf(thrown)}`, {
      cause: thrown,
    });
  }
  return thrown as E;
}

const nothingThrown = (): Error =>
  new Error('catchError: expected an error, but nothing was thrown (the call returned normally)');

/**
 * Run `fn` (or await `promise`) and return what it threw, typed: the assertion a test needs
 * before it looks at an error's fields. Throws, failing the test clearly, when nothing was thrown
 * or when `kind` is given and the error is of another kind. A pipewell error class is matched
 * with its `isInstance`, so an error from another installed copy of the package counts.
 *
 * @example
 * ```ts
 * const error = await catchError(retry(failing, { clock, maxAttempts: 2 }), RetryError);
 * expect(error.attempts).toBe(2);
 *
 * const bad = await catchError(() => startHeartbeat({ ...key, store, intervalMs: 0 }), HeartbeatOptionsError);
 * expect(bad.option).toBe('intervalMs');
 * ```
 */
export async function catchError<E = unknown>(
  fnOrPromise: PromiseLike<unknown> | (() => unknown),
  kind?: ErrorClass<E>,
): Promise<E> {
  let outcome: unknown;
  try {
    outcome = typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise;
    await outcome;
  } catch (thrown) {
    return check(thrown, kind);
  }
  throw nothingThrown();
}
