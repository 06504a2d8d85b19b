import { CircuitOpenError, createCircuitBreaker } from '@pipewell/circuit-breaker';
import { type Clock, systemClock } from '@pipewell/core';
import { createRetryBudget, createRetryPolicy, RetryError } from '@pipewell/retry';
import { type BoxScore, type Fault, startFlakyProvider } from './provider.js';

/** An HTTP error that keeps the status and headers, so retry can read 429/503 and Retry-After. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly headers: Headers;
  constructor(url: string, response: Response) {
    super(`GET ${url} answered ${response.status}`);
    this.status = response.status;
    this.headers = response.headers;
  }
}

export type GameOutcome =
  | {
      readonly gameId: number;
      readonly status: 'loaded';
      readonly attempts: number;
      readonly score: BoxScore;
    }
  | {
      readonly gameId: number;
      readonly status: 'failed';
      readonly attempts: number;
      readonly error: string;
    };

/** The odds part: a whole-service outage met by retry around a circuit breaker. */
export interface OutageResult {
  readonly lines: ReadonlyArray<{ readonly gameId: number; readonly pointsLine: number }>;
  /** Odds requests that reached the provider. */
  readonly providerRequests: number;
  /** Calls the open breaker refused without touching the provider. */
  readonly refusedByBreaker: number;
  /** The breaker's transitions, in order. */
  readonly breakerEvents: readonly string[];
}

export interface DemoResult {
  readonly games: readonly GameOutcome[];
  readonly requests: number;
  readonly outage: OutageResult;
  readonly elapsedMs: number;
}

export interface DemoOptions {
  /** The clock for backoff waits. @default systemClock */
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
}

/** The faults the demo provider injects: busy, throttled, dropped sockets and one lost game. */
export const demoFaults: ReadonlyMap<number, readonly Fault[]> = new Map<number, readonly Fault[]>([
  [1, [503]],
  [2, ['drop', 503]],
  [4, [429]],
  [5, [503, 503]],
  [7, ['missing']],
  [8, ['drop']],
]);

export const demoGameIds: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** How long the odds service is down at the start of the odds part. */
export const outageMs = 400;
export const oddsGameIds: readonly number[] = [1, 2, 3, 4];

async function getJson<T>(url: string, signal: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal });
  if (!response.ok) {
    await response.arrayBuffer();
    throw new HttpError(url, response);
  }
  return ((await response.json()) as { data: T }).data;
}

/**
 * Fetch a night of box scores from a flaky provider on loopback with one retry policy and a
 * shared retry budget. Every transient fault is retried with jittered backoff (and Retry-After);
 * the lost game fails at once with its 404 instead of burning retries.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const clock = options.clock ?? systemClock;
  let outageUntil = Number.POSITIVE_INFINITY;
  const provider = await startFlakyProvider(demoFaults, () => clock.now() < outageUntil);
  const started = clock.now();
  try {
    const policy = createRetryPolicy({
      clock,
      maxAttempts: 4,
      baseDelayMs: 50,
      maxDelayMs: 400,
      budget: createRetryBudget({ maxTokens: 10 }),
    });
    const games = await Promise.all(
      demoGameIds.map(async (gameId): Promise<GameOutcome> => {
        let attempts = 0;
        const url = `${provider.url}/v1/box_scores/${gameId}`;
        try {
          const score = await policy.execute(({ attempt, signal }) => {
            attempts = attempt;
            return getJson<BoxScore>(url, signal);
          }, options.signal);
          return { gameId, status: 'loaded', attempts, score };
        } catch (error) {
          const message = RetryError.isInstance(error) ? error.message : (error as Error).message;
          return { gameId, status: 'failed', attempts, error: message };
        }
      }),
    );
    const requests = [...provider.requests.values()].reduce((sum, n) => sum + n, 0);

    outageUntil = clock.now() + outageMs;
    const outage = await fetchOddsThroughOutage(provider.url, clock, options.signal);
    return {
      games,
      requests,
      outage: { ...outage, providerRequests: provider.oddsRequests() },
      elapsedMs: clock.now() - started,
    };
  } finally {
    await provider.close();
  }
}

/**
 * Fetch odds one game at a time while the odds service is down: the breaker opens after three
 * failures and refuses calls without touching the provider; retry, seeing CircuitOpenError's
 * retryAfterMs, waits for the half-open probe instead of hammering; the probe succeeds once the
 * service is back and the breaker closes.
 */
async function fetchOddsThroughOutage(
  baseUrl: string,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<Omit<OutageResult, 'providerRequests'>> {
  const breaker = createCircuitBreaker({
    name: 'odds',
    clock,
    failureThreshold: 3,
    openTimeoutMs: 500,
    env: {},
  });
  const breakerEvents: string[] = [];
  breaker.on('open', () => breakerEvents.push('open'));
  breaker.on('halfOpen', () => breakerEvents.push('half-open'));
  breaker.on('close', () => breakerEvents.push('closed'));
  let refusedByBreaker = 0;
  const policy = createRetryPolicy({
    clock,
    maxAttempts: 8,
    baseDelayMs: 20,
    maxDelayMs: 100,
    onRetry: ({ error }) => {
      if (CircuitOpenError.isInstance(error)) refusedByBreaker++;
    },
  });
  try {
    const lines: Array<{ gameId: number; pointsLine: number }> = [];
    for (const gameId of oddsGameIds) {
      const odds = await policy.execute(
        ({ signal: attemptSignal }) =>
          breaker.execute(
            ({ signal: callSignal }) =>
              getJson<{ player_points_line: number }>(`${baseUrl}/v1/odds/${gameId}`, callSignal),
            attemptSignal,
          ),
        signal,
      );
      lines.push({ gameId, pointsLine: odds.player_points_line });
    }
    return { lines, refusedByBreaker, breakerEvents };
  } finally {
    await breaker.close();
  }
}
