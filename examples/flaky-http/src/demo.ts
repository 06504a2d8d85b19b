import {
  type Clock,
  createRetryBudget,
  createRetryPolicy,
  RetryError,
  systemClock,
} from '@pipewell/retry';
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

export interface DemoResult {
  readonly games: readonly GameOutcome[];
  readonly requests: number;
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

/**
 * Fetch a night of box scores from a flaky provider on loopback with one retry policy and a
 * shared retry budget. Every transient fault is retried with jittered backoff (and Retry-After);
 * the lost game fails at once with its 404 instead of burning retries.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const clock = options.clock ?? systemClock;
  const provider = await startFlakyProvider(demoFaults);
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
          const score = await policy.execute(async ({ attempt, signal }) => {
            attempts = attempt;
            const response = await fetch(url, { signal });
            if (!response.ok) {
              await response.arrayBuffer();
              throw new HttpError(url, response);
            }
            return ((await response.json()) as { data: BoxScore }).data;
          }, options.signal);
          return { gameId, status: 'loaded', attempts, score };
        } catch (error) {
          const message = RetryError.isInstance(error) ? error.message : (error as Error).message;
          return { gameId, status: 'failed', attempts, error: message };
        }
      }),
    );
    const requests = [...provider.requests.values()].reduce((sum, n) => sum + n, 0);
    return { games, requests, elapsedMs: clock.now() - started };
  } finally {
    await provider.close();
  }
}
