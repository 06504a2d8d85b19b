import { RetryOptionsError } from './errors.js';

/** Options for {@link createRetryBudget}. */
export interface RetryBudgetOptions {
  /**
   * Tokens the bucket holds when full (and at the start).
   * @default 10
   */
  readonly maxTokens?: number;
  /**
   * Tokens one retry spends. A retry is refused when fewer are left.
   * @default 1
   */
  readonly retryCost?: number;
  /**
   * Tokens every successful call puts back (capped at `maxTokens`). With the defaults, ten
   * successes pay for one retry: retries stay under about 10% of traffic once the bucket is empty.
   * @default 0.1
   */
  readonly successRefill?: number;
}

/**
 * A token bucket shared by any number of retry policies: retries spend tokens, successes earn
 * them back. When an outage makes everything fail, the bucket empties and callers stop retrying
 * (giving up with reason `'budgetExhausted'`), so a fleet does not multiply the load on a service
 * that is already down. First attempts are never refused. Modelled on gRPC retry throttling and
 * the AWS SDK retry quota.
 */
export interface RetryBudget {
  /** Tokens available now. */
  readonly tokens: number;
  /** Tokens when full. */
  readonly maxTokens: number;
  /** Spend the cost of one retry. Returns false, spending nothing, when too few tokens are left. */
  tryAcquire(): boolean;
  /** Record a successful call: earns `successRefill` tokens. */
  recordSuccess(): void;
  /** Fill the bucket back up. */
  reset(): void;
}

function checkBudgetOption(name: string, value: number, allowZero: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RetryOptionsError(
      name,
      `createRetryBudget option "${name}" must be a finite number ${allowZero ? '>= 0' : '> 0'} (got ${String(value)})`,
    );
  }
  return value;
}

/**
 * Create a {@link RetryBudget} to pass as the `budget` option of several policies.
 *
 * @example
 * ```ts
 * const warehouseBudget = createRetryBudget({ maxTokens: 20 });
 * const load = createRetryPolicy({ preset: 'bigquery', budget: warehouseBudget });
 * const query = createRetryPolicy({ preset: 'bigquery', budget: warehouseBudget });
 * ```
 */
export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const maxTokens = checkBudgetOption('maxTokens', options.maxTokens ?? 10, false);
  const retryCost = checkBudgetOption('retryCost', options.retryCost ?? 1, true);
  const successRefill = checkBudgetOption('successRefill', options.successRefill ?? 0.1, true);
  let tokens = maxTokens;
  return {
    get tokens() {
      return tokens;
    },
    maxTokens,
    tryAcquire() {
      // A small epsilon keeps 10 refills of 0.1 worth one whole retry despite float rounding.
      if (tokens + 1e-9 < retryCost) return false;
      tokens = Math.max(0, tokens - retryCost);
      return true;
    },
    recordSuccess() {
      tokens = Math.min(maxTokens, tokens + successRefill);
    },
    reset() {
      tokens = maxTokens;
    },
  };
}
