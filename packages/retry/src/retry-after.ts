type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

function headerValue(headers: unknown): unknown {
  if (!isBag(headers)) return undefined;
  if (typeof headers.get === 'function') {
    // A fetch Headers object (case-insensitive by itself).
    return (headers.get as (name: string) => unknown).call(headers, 'retry-after') ?? undefined;
  }
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === 'retry-after') return headers[key];
  }
  return undefined;
}

/**
 * Parse an HTTP `Retry-After` value (delay-seconds or an HTTP-date) into milliseconds from
 * `nowMs`. Returns `undefined` for anything unparseable; a date in the past gives 0.
 *
 * @example
 * ```ts
 * parseRetryAfter('120', Date.now()); // 120000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.now());
 * ```
 */
export function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP-dates start with a day name; anything else (such as "-5") is not a valid Retry-After.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The server's requested wait carried by `error`, in milliseconds: a numeric `retryAfterMs`
 * field, or a `Retry-After` header on `error.headers` or `error.response.headers` (plain object or
 * fetch `Headers`). Follows `cause` a few levels. `undefined` when there is no hint.
 *
 * @example
 * ```ts
 * retryAfterMsOf(Object.assign(new Error('slow down'), { retryAfterMs: 2000 }), Date.now()); // 2000
 * ```
 */
export function retryAfterMsOf(error: unknown, nowMs: number): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isBag(current); depth++) {
    const direct = current.retryAfterMs;
    if (typeof direct === 'number' && Number.isFinite(direct) && direct >= 0) return direct;
    const fromHeaders =
      headerValue(current.headers) ??
      (isBag(current.response) ? headerValue(current.response.headers) : undefined);
    const parsed = parseRetryAfter(fromHeaders, nowMs);
    if (parsed !== undefined) return parsed;
    current = current.cause;
  }
  return undefined;
}
