import { type Env, readEnv } from '@pipewell/core';
import type { Jitter } from './backoff.js';
import { jitterNames } from './backoff.js';
import { RetryOptionsError } from './errors.js';

/** The names of the built-in presets. */
export type RetryPresetName =
  | 'bigquery'
  | 'pubsubPublish'
  | 'firestore'
  | 'slackWebhook'
  | 'scraper';

/** The options a preset sets, each of which an environment variable can override. */
export interface RetryPresetValues {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitter: Jitter;
  readonly maxElapsedMs?: number;
  readonly maxRetryAfterMs?: number;
  readonly attemptTimeoutMs?: number;
}

/** Where a resolved preset value came from. */
export type RetryPresetSource = 'preset' | 'env';

/** A preset after environment overrides: the values and, for each, where it came from. */
export interface ResolvedRetryPreset {
  readonly name: RetryPresetName;
  readonly values: RetryPresetValues;
  readonly sources: Readonly<Partial<Record<keyof RetryPresetValues, RetryPresetSource>>>;
  /** The environment variable each value was (or would be) read from. */
  readonly envNames: Readonly<Record<keyof RetryPresetValues, string>>;
}

/**
 * Retry settings tuned per service, from the original pipeline and the Google clients' own
 * retry settings. Every preset bounds the whole call with `maxElapsedMs`, so no wait (a
 * `Retry-After` hint's included) stalls a caller past it. Use one with
 * `createRetryPolicy({ preset: 'bigquery' })`.
 *
 * | preset | attempts | delays | maxElapsedMs | maxRetryAfterMs |
 * |---|---|---|---|---|
 * | `bigquery` | 3 | 1 s to 15 s | 10 min | 1 min (default) |
 * | `pubsubPublish` | 5 | 100 ms to 5 s | 2 min | 1 min (default) |
 * | `firestore` | 5 | 250 ms to 10 s | 1 min | 1 min (default) |
 * | `slackWebhook` | 3 | 2 s to 8 s | 2 min | 1 min (default) |
 * | `scraper` | 5 | 60 s to 30 min | 1 h | 30 min |
 *
 * @example
 * ```ts
 * retryPresets.bigquery.maxElapsedMs; // 600000
 * ```
 */
export const retryPresets: Readonly<Record<RetryPresetName, RetryPresetValues>> = Object.freeze({
  bigquery: Object.freeze({
    maxAttempts: 3,
    baseDelayMs: 1_000,
    maxDelayMs: 15_000,
    jitter: 'full',
    // The BigQuery client's own retry deadline: queries are long, and time in attempts counts.
    maxElapsedMs: 600_000,
  }),
  pubsubPublish: Object.freeze({
    maxAttempts: 5,
    baseDelayMs: 100,
    maxDelayMs: 5_000,
    jitter: 'full',
    // Room for a retry after an attempt that ran into the client's 60 s publish deadline.
    maxElapsedMs: 120_000,
  }),
  firestore: Object.freeze({
    maxAttempts: 5,
    baseDelayMs: 250,
    maxDelayMs: 10_000,
    jitter: 'full',
    maxElapsedMs: 60_000,
  }),
  slackWebhook: Object.freeze({
    maxAttempts: 3,
    baseDelayMs: 2_000,
    maxDelayMs: 8_000,
    jitter: 'full',
    // An alert that is late beats one that is lost, and a durable outbox takes over after this.
    maxElapsedMs: 120_000,
  }),
  scraper: Object.freeze({
    maxAttempts: 5,
    baseDelayMs: 60_000,
    maxDelayMs: 1_800_000,
    jitter: 'full',
    // A scraper runs in the background, and a provider's rate limit is worth waiting out.
    maxElapsedMs: 3_600_000,
    maxRetryAfterMs: 1_800_000,
  }),
});

const envSuffixes: Readonly<Record<keyof RetryPresetValues, string>> = {
  maxAttempts: 'MAX_ATTEMPTS',
  baseDelayMs: 'BASE_DELAY_MS',
  maxDelayMs: 'MAX_DELAY_MS',
  jitter: 'JITTER',
  maxElapsedMs: 'MAX_ELAPSED_MS',
  maxRetryAfterMs: 'MAX_RETRY_AFTER_MS',
  attemptTimeoutMs: 'ATTEMPT_TIMEOUT_MS',
};

function screamingSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function parseEnvNumber(variable: string, raw: string, integer: boolean): number {
  const text = raw.trim();
  const value = text === '' ? Number.NaN : Number(text);
  if (
    !Number.isFinite(value) ||
    value < 0 ||
    (integer && (!Number.isInteger(value) || value < 1))
  ) {
    throw new RetryOptionsError(
      variable,
      `environment variable ${variable} must be ${integer ? 'a whole number >= 1' : 'a number of milliseconds >= 0'} (got ${JSON.stringify(raw)})`,
    );
  }
  return value;
}

/**
 * Resolve a preset with its environment overrides, `PIPEWELL_RETRY_<PRESET>_<OPTION>` (for
 * example `PIPEWELL_RETRY_PUBSUB_PUBLISH_MAX_ATTEMPTS=8`), and say where each value came from.
 * Invalid values throw {@link RetryOptionsError} naming the variable.
 *
 * @example
 * ```ts
 * const { values, sources } = resolveRetryPreset('bigquery', { PIPEWELL_RETRY_BIGQUERY_MAX_ATTEMPTS: '5' });
 * // values.maxAttempts === 5, sources.maxAttempts === 'env'
 * ```
 */
export function resolveRetryPreset(
  name: RetryPresetName,
  env: Env = readEnv(),
): ResolvedRetryPreset {
  const preset = Object.hasOwn(retryPresets, name) ? retryPresets[name] : undefined;
  if (preset === undefined) {
    throw new RetryOptionsError(
      'preset',
      `unknown preset ${JSON.stringify(name)}; expected one of ${Object.keys(retryPresets).join(', ')}`,
    );
  }
  const prefix = `PIPEWELL_RETRY_${screamingSnake(name)}_`;
  const envNames = Object.fromEntries(
    Object.entries(envSuffixes).map(([key, suffix]) => [key, prefix + suffix]),
  ) as Record<keyof RetryPresetValues, string>;
  const values: { -readonly [K in keyof RetryPresetValues]: RetryPresetValues[K] } = { ...preset };
  const sources: Partial<Record<keyof RetryPresetValues, RetryPresetSource>> = {};
  for (const key of Object.keys(preset) as (keyof RetryPresetValues)[]) sources[key] = 'preset';

  for (const key of Object.keys(envSuffixes) as (keyof RetryPresetValues)[]) {
    const variable = envNames[key];
    const raw = env[variable];
    if (raw === undefined) continue;
    if (key === 'jitter') {
      const jitter = raw.trim() as Jitter;
      if (!jitterNames.includes(jitter)) {
        throw new RetryOptionsError(
          variable,
          `environment variable ${variable} must be one of ${jitterNames.join(', ')} (got ${JSON.stringify(raw)})`,
        );
      }
      values.jitter = jitter;
    } else {
      values[key] = parseEnvNumber(variable, raw, key === 'maxAttempts');
    }
    sources[key] = 'env';
  }
  return { name, values, sources, envNames };
}
