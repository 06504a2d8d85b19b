import { type Clock, PipewellError, systemClock } from '@pipewell/core';
import { RetryOptionsError } from './errors.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * The parts of a fetch `Response` that {@link throwIfNotOk} and {@link HttpError.fromResponse}
 * read. The global `Response` of Node and browsers fits it.
 */
export interface ResponseLike {
  /** True for a 2xx status. */
  readonly ok: boolean;
  /** The HTTP status code. */
  readonly status: number;
  /** The status line's text, such as `"Service Unavailable"` (empty over HTTP/2). */
  readonly statusText: string;
  /** The response headers; only `Retry-After` is read. */
  readonly headers: {
    /** The header's value, or `null` when the response has none. */
    get(name: string): string | null;
  };
  /** The body stream, read up to {@link HttpErrorOptions.maxBodyBytes} and then cancelled. */
  readonly body: ReadableStream<Uint8Array> | null;
  /** Whether the body was already read, in which case it is left alone. */
  readonly bodyUsed: boolean;
}

/** Options for {@link throwIfNotOk} and {@link HttpError.fromResponse}. */
export interface HttpErrorOptions {
  /**
   * How many bytes of the body to keep on the error. The rest is not downloaded: the body is
   * cancelled, which frees the connection.
   * @default 2048
   */
  readonly maxBodyBytes?: number;
  /**
   * The longest time to spend reading the start of the body. A server that sends its headers and
   * then stalls ends the read here; the error keeps what arrived.
   * @default 5000
   */
  readonly bodyTimeoutMs?: number;
  /**
   * The clock for `bodyTimeoutMs` and for turning a `Retry-After` HTTP date into milliseconds.
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** The fields of an {@link HttpError}. */
export interface HttpErrorDetails {
  /** The HTTP status code. */
  readonly status: number;
  /** The status line's text. @default '' */
  readonly statusText?: string | undefined;
  /** The raw `Retry-After` header, if the response had one. */
  readonly retryAfter?: string | undefined;
  /** The wait `Retry-After` asks for, in milliseconds, if it could be read. */
  readonly retryAfterMs?: number | undefined;
  /** The start of the body. @default '' */
  readonly body?: string | undefined;
  /** Whether `body` is only the start of a longer body. @default false */
  readonly bodyTruncated?: boolean | undefined;
}

const DEFAULT_MAX_BODY_BYTES = 2048;
const DEFAULT_BODY_TIMEOUT_MS = 5_000;

/**
 * A non-OK HTTP response as an error: `status`, the `Retry-After` hint, and the start of the
 * body. {@link isTransientError} counts 408, 429, 500, 502, 503 and 504 as transient (so
 * `retry` tries again, no sooner than `retryAfterMs`), and `isPermanentError` counts other 4xx
 * as permanent. The message is `HTTP <status> <statusText>` only: the body stays in
 * {@link HttpError.body}, so text in it can neither change how the error is classified nor
 * flood a log line. The request URL is not kept, since URLs often carry secrets.
 *
 * @example
 * ```ts
 * const response = await fetch(url);
 * if (!response.ok) throw await HttpError.fromResponse(response);
 * ```
 */
export class HttpError extends PipewellError {
  static override readonly marker = '@pipewell/retry.HttpError';
  override readonly name = 'HttpError';
  /** The HTTP status code. */
  readonly status: number;
  /** The status line's text, such as `"Service Unavailable"` (empty over HTTP/2). */
  readonly statusText: string;
  /** The raw `Retry-After` header, or `undefined` when the response had none. */
  readonly retryAfter: string | undefined;
  /**
   * The wait `Retry-After` asks for, in milliseconds from when the error was made; `undefined`
   * without a readable header. `retry` waits at least this long before the next attempt.
   */
  readonly retryAfterMs: number | undefined;
  /** The start of the body, decoded as UTF-8: at most `maxBodyBytes` bytes of it. */
  readonly body: string;
  /** True when the body was longer than `maxBodyBytes`, or its read was cut short. */
  readonly bodyTruncated: boolean;

  constructor(details: HttpErrorDetails) {
    const statusText = details.statusText ?? '';
    super(`HTTP ${details.status}${statusText === '' ? '' : ` ${statusText}`}`);
    this.status = details.status;
    this.statusText = statusText;
    this.retryAfter = details.retryAfter;
    this.retryAfterMs = details.retryAfterMs;
    this.body = details.body ?? '';
    this.bodyTruncated = details.bodyTruncated ?? false;
  }

  /**
   * Make an `HttpError` from a response: read the start of its body (then cancel the rest, so
   * the connection is freed and a huge or endless body is not downloaded) and its `Retry-After`.
   * Never rejects because of the body: a read that fails or stalls keeps what arrived.
   *
   * @example
   * ```ts
   * const response = await fetch(url, { signal });
   * if (response.status === 409) return undefined;
   * if (!response.ok) throw await HttpError.fromResponse(response, { maxBodyBytes: 512 });
   * ```
   */
  static async fromResponse(
    response: ResponseLike,
    options: HttpErrorOptions = {},
  ): Promise<HttpError> {
    checkResponse(response);
    const maxBodyBytes = checkNumber(
      'maxBodyBytes',
      options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      true,
    );
    const bodyTimeoutMs = checkNumber(
      'bodyTimeoutMs',
      options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
      false,
    );
    const clock = options.clock ?? systemClock;
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    const retryAfterMs = parseRetryAfter(retryAfter, clock.now());
    const { text, truncated } = await readStart(response, maxBodyBytes, bodyTimeoutMs, clock);
    return new HttpError({
      status: response.status,
      statusText: response.statusText,
      retryAfter,
      retryAfterMs,
      body: text,
      bodyTruncated: truncated,
    });
  }
}

function checkResponse(response: unknown): asserts response is ResponseLike {
  const candidate = response as Partial<ResponseLike> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.ok !== 'boolean' ||
    typeof candidate.status !== 'number' ||
    typeof candidate.headers?.get !== 'function'
  ) {
    throw new RetryOptionsError(
      'response',
      `"response" must be a fetch Response (got ${candidate === null ? 'null' : typeof candidate})`,
    );
  }
}

function checkNumber(name: string, value: unknown, allowZero: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0) ||
    (name === 'maxBodyBytes' && !Number.isInteger(value))
  ) {
    const expected =
      name === 'maxBodyBytes'
        ? 'a whole number of bytes >= 0'
        : 'a finite number of milliseconds > 0';
    throw new RetryOptionsError(
      name,
      `option "${name}" must be ${expected} (got ${typeof value === 'string' ? JSON.stringify(value) : String(value)})`,
    );
  }
  return value;
}

const timedOut: unique symbol = Symbol('timedOut');

/** Read at most `maxBytes` of the body, then cancel the stream so the connection is released. */
async function readStart(
  response: ResponseLike,
  maxBytes: number,
  timeoutMs: number,
  clock: Clock,
): Promise<{ text: string; truncated: boolean }> {
  const { body } = response;
  if (body === null || response.bodyUsed) return { text: '', truncated: false };
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = body.getReader();
  } catch {
    // Locked by someone else: leave it to them.
    return { text: '', truncated: false };
  }
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;
  let truncated = false;
  let timer: { clear(): void } | undefined;
  const deadline = new Promise<typeof timedOut>((resolve) => {
    timer = clock.setTimeout(() => resolve(timedOut), timeoutMs).unref();
  });
  try {
    while (received < maxBytes) {
      const chunk = await Promise.race([reader.read(), deadline]);
      if (chunk === timedOut) {
        truncated = true;
        break;
      }
      if (chunk.done) break;
      const room = maxBytes - received;
      const bytes = chunk.value.byteLength > room ? chunk.value.subarray(0, room) : chunk.value;
      received += bytes.byteLength;
      text += decoder.decode(bytes, { stream: true });
      if (bytes !== chunk.value) truncated = true;
    }
    if (received >= maxBytes && !truncated) {
      // Exactly at the limit: only another read can tell whether more follows.
      const next = await Promise.race([reader.read(), deadline]);
      truncated = next === timedOut || !next.done;
    }
  } catch {
    // The connection broke mid-body (or the request's signal aborted): keep what arrived.
    truncated = true;
  } finally {
    timer?.clear();
    // Cancelling an ended stream is harmless; cancelling a live one closes the connection.
    reader.cancel().catch(() => {});
  }
  // A cut-off body may end inside a multi-byte character: drop that rather than show U+FFFD.
  if (!truncated) text += decoder.decode();
  return { text, truncated };
}

/**
 * Pass an OK response through; turn any other into a rejected {@link HttpError} (status,
 * `Retry-After`, the start of the body, the rest of the body cancelled). Made for
 * `fetch(...).then(throwIfNotOk)`, so `retry` sees an error it can classify and a hint it honours.
 *
 * @example
 * ```ts
 * const scores = await retry(({ signal }) =>
 *   fetch(url, { signal }).then(throwIfNotOk).then((res) => res.json()),
 * );
 * ```
 */
export async function throwIfNotOk<R extends ResponseLike>(
  response: R,
  options?: HttpErrorOptions,
): Promise<R> {
  if (response?.ok === true) return response;
  throw await HttpError.fromResponse(response, options);
}
