import {
  type BreakerStateStore,
  type CircuitBreaker,
  createCircuitBreaker,
} from '@pipewell/circuit-breaker';
import { type Clock, type Env, type Logger, silentLogger, systemClock } from '@pipewell/core';
import {
  createRetryPolicy,
  isPermanentError,
  type RetryPolicy,
  throwIfNotOk,
} from '@pipewell/retry';
import { SourceParseError } from '../sources/errors.js';
import type { SourceConfig, SourceName } from './source-config.js';

/** Options of {@link createSourceHttp}. */
export interface SourceHttpOptions {
  readonly config: SourceConfig;
  /** Waits, attempt timeouts and breaker periods run on it. @default systemClock */
  readonly clock?: Clock;
  /** Where the breakers keep their state; shared between processes on a fleet. @default each breaker's memory */
  readonly breakerStore?: BreakerStateStore;
  /** Calls per request, counting the first. @default 4 */
  readonly maxAttempts?: number;
  /** First retry delay before jitter; later ones double. @default 1000 */
  readonly baseDelayMs?: number;
  /** Largest backoff delay before jitter. @default 30000 */
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` honoured; a longer one gives up at once. @default 120000 */
  readonly maxRetryAfterMs?: number;
  /** One attempt's limit, body included. @default 30000 */
  readonly attemptTimeoutMs?: number;
  /** Failures in a row that open a source's breaker. @default 5 */
  readonly breakerFailureThreshold?: number;
  /** How long an open breaker refuses calls. @default 300000 */
  readonly breakerOpenMs?: number;
  /** Jitter's random source. @default Math.random */
  readonly random?: () => number;
  /** Where `CIRCUIT_BREAKER_*` overrides are read. @default process.env */
  readonly env?: Env;
  /** Retries and breaker transitions are logged here. @default silentLogger */
  readonly logger?: Logger;
}

/** A JSON response: its text as received and its parsed value. */
export interface SourceResponse {
  /** The body, unchanged: what the scraper stores. */
  readonly text: string;
  readonly json: unknown;
}

/** A request to one source. */
export interface SourceRequest {
  /** The path after the source's base URL, such as `/v1/stats`. */
  readonly path: string;
  /** Query parameters; an array repeats the name (`dates[]=a&dates[]=b`). */
  readonly query?: Readonly<Record<string, string | number | readonly string[]>>;
  readonly signal?: AbortSignal;
}

/** Fetches JSON from the providers with retries, timeouts and a breaker per source. */
export interface SourceHttp {
  /** GET `request.path` on `source`: the body and its JSON, or the error that ended the retries. */
  getJson(source: SourceName, request: SourceRequest): Promise<SourceResponse>;
  /** The breaker guarding `source`. */
  breaker(source: SourceName): CircuitBreaker;
  /** Stop the breakers' timers. */
  close(): Promise<void>;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function urlOf(config: SourceConfig, source: SourceName, request: SourceRequest): URL {
  const url = new URL(config[source].baseUrl.replace(/\/+$/, '') + request.path);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) url.searchParams.append(name, String(one));
  }
  if (source === 'oddsApi') url.searchParams.set('apiKey', config.oddsApi.apiKey);
  return url;
}

/**
 * Create the scrapers' HTTP client. Each request is retried by one policy (transient errors
 * only: network errors, timeouts, 408, 429 after its `Retry-After`, 5xx; never another 4xx), and
 * each attempt runs inside its source's circuit breaker, so a dead provider opens the breaker and
 * later requests fail at once without reaching it. A body that is not JSON is a permanent
 * {@link SourceParseError}. Keys never appear in errors: the URL is not kept on them.
 *
 * @example
 * ```ts
 * const http = createSourceHttp({ config, clock });
 * const { text, json } = await http.getJson('balldontlie', { path: '/v1/stats', query: { 'dates[]': ['2026-01-24'] } });
 * ```
 */
export function createSourceHttp(options: SourceHttpOptions): SourceHttp {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const policy: RetryPolicy = createRetryPolicy({
    maxAttempts: options.maxAttempts ?? 4,
    baseDelayMs: options.baseDelayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 30_000,
    maxElapsedMs: 15 * 60_000,
    clock,
    ...(options.random === undefined ? {} : { random: options.random }),
    onRetry: ({ attempt, error, delayMs }) =>
      logger.warn(
        { attempt, delayMs, status: statusOf(error), err: error },
        'source request retried',
      ),
  });
  const breakers = new Map<SourceName, CircuitBreaker>();
  const breaker = (source: SourceName): CircuitBreaker => {
    let found = breakers.get(source);
    if (found === undefined) {
      found = createCircuitBreaker({
        name: `source-${source}`,
        clock,
        failureThreshold: options.breakerFailureThreshold ?? 5,
        openTimeoutMs: options.breakerOpenMs ?? 300_000,
        // A refusal (4xx, bad JSON) or a rate limit means the provider is up.
        isFailure: (error) => !isPermanentError(error) && statusOf(error) !== 429,
        logger,
        ...(options.breakerStore === undefined ? {} : { store: options.breakerStore }),
        ...(options.env === undefined ? {} : { env: options.env }),
      });
      found.on('open', (event) => logger.error({ ...event }, 'source breaker opened'));
      breakers.set(source, found);
    }
    return found;
  };

  const attempt = async (
    source: SourceName,
    request: SourceRequest,
    signal: AbortSignal,
  ): Promise<SourceResponse> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (source === 'balldontlie') headers.authorization = options.config.balldontlie.apiKey;
    const response = await fetch(urlOf(options.config, source, request), { headers, signal }).then(
      (res) => throwIfNotOk(res, { clock }),
    );
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new SourceParseError(
        source,
        request.path,
        [{ path: '', message: `malformed JSON (${text.length} characters)` }],
        { cause: error },
      );
    }
    return { text, json };
  };

  return {
    getJson: (source, request) =>
      policy.execute(
        // The breaker gets the caller's signal, not the attempt's: it ignores a call whose signal
        // aborted, and an attempt that timed out must count against a hanging provider.
        ({ signal }) =>
          breaker(source).execute(() => attempt(source, request, signal), request.signal),
        request.signal,
      ),
    breaker,
    async close() {
      await Promise.all([...breakers.values()].map((b) => b.close()));
      breakers.clear();
    },
  };
}
