import { type Env, readEnv } from '@pipewell/core';
import { z } from 'zod';
import { BreakerConfigError } from './errors.js';

/** The failure-counting policies a breaker can use. */
export type BreakerPolicy = 'consecutive' | 'countWindow' | 'timeWindow';

/**
 * Where failures are counted: by each instance on its own, or across the fleet in the shared
 * store (so instances that each see fewer failures than the threshold trip together).
 */
export type BreakerFailureScope = 'instance' | 'fleet';

/** The schema settings are validated with; {@link BreakerConfigInput} mirrors its input type. */
const breakerConfigSchema = z
  .object({
    policy: z
      .enum(['consecutive', 'countWindow', 'timeWindow'])
      .default('consecutive')
      .describe(
        'How failures are counted: in a row, N of the last M calls, or a failure rate over time',
      ),
    failureThreshold: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe(
        'consecutive: failures in a row that open the breaker; countWindow: failures among the last windowSize calls',
      ),
    windowSize: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('countWindow: how many recent calls are counted'),
    windowMs: z
      .number()
      .positive()
      .default(60_000)
      .describe('timeWindow: how far back calls are counted'),
    failureRateThreshold: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('timeWindow: the failing share of calls (0-1] that opens the breaker'),
    minimumCalls: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('timeWindow: calls needed in the window before the rate counts'),
    slowCallMs: z
      .number()
      .positive()
      .optional()
      .describe('Calls slower than this count as failures'),
    openTimeoutMs: z
      .number()
      .positive()
      .default(300_000)
      .describe('How long the breaker stays open before a half-open probe'),
    halfOpenMaxCalls: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('Trial calls allowed in half-open, across every instance sharing the store'),
    successThreshold: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Successful trial calls that close the breaker (default: halfOpenMaxCalls)'),
    failureScope: z
      .enum(['instance', 'fleet'])
      .default('instance')
      .describe(
        'instance: each instance counts its own failures; fleet: consecutive failures are counted across the fleet in the store',
      ),
    minInstances: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('Distinct instances that must trip before the breaker opens fleet-wide'),
    syncIntervalMs: z
      .number()
      .positive()
      .default(10_000)
      .describe('How often a breaker with a shared store reads the fleet state'),
    probeLeaseMs: z
      .number()
      .positive()
      .default(60_000)
      .describe('How long one instance holds the half-open probe before another may take it'),
  })
  .strict();

/**
 * Breaker settings that can come from code or the environment; all optional. (A type test keeps
 * this equal to the zod schema's input type, which is not exposed so zod stays internal.)
 */
export interface BreakerConfigInput {
  /** How failures are counted. @default 'consecutive' */
  readonly policy?: BreakerPolicy | undefined;
  /** consecutive: failures in a row that open the breaker; countWindow: failures among the last `windowSize` calls. @default 5 */
  readonly failureThreshold?: number | undefined;
  /** countWindow: how many recent calls are counted. @default 10 */
  readonly windowSize?: number | undefined;
  /** timeWindow: how far back calls are counted. @default 60000 */
  readonly windowMs?: number | undefined;
  /** timeWindow: the failing share of calls, in (0, 1], that opens the breaker. @default 0.5 */
  readonly failureRateThreshold?: number | undefined;
  /** timeWindow: calls needed in the window before the rate counts. @default 10 */
  readonly minimumCalls?: number | undefined;
  /** Calls that take longer than this count as failures (their result is still returned). */
  readonly slowCallMs?: number | undefined;
  /** How long the breaker stays open before a half-open probe. @default 300000 (5 min) */
  readonly openTimeoutMs?: number | undefined;
  /** Trial calls allowed in half-open, across every instance sharing the store. @default 1 */
  readonly halfOpenMaxCalls?: number | undefined;
  /** Successful trial calls that close the breaker. @default halfOpenMaxCalls */
  readonly successThreshold?: number | undefined;
  /**
   * `'instance'`: each instance counts its own failures. `'fleet'`: failures in a row are counted
   * across every instance sharing the store (one store write per counted failure), so a fleet
   * whose instances each see fewer than `failureThreshold` failures still trips; needs the
   * `consecutive` policy and `minInstances: 1`. @default 'instance'
   */
  readonly failureScope?: BreakerFailureScope | undefined;
  /** Distinct instances that must trip before the breaker opens fleet-wide. @default 1 */
  readonly minInstances?: number | undefined;
  /** How often a breaker with a shared store reads the fleet state. @default 10000 */
  readonly syncIntervalMs?: number | undefined;
  /** How long one instance holds the half-open probe before another may take it. @default 60000 */
  readonly probeLeaseMs?: number | undefined;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
// Fails to compile if the hand-written input type drifts from the schema.
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check, never used
type BreakerConfigInputMatchesSchema = Assert<
  Same<Required<BreakerConfigInput>, Required<z.input<typeof breakerConfigSchema>>>
>;

/** Breaker settings after defaults and environment overrides. */
export interface BreakerConfig {
  readonly policy: BreakerPolicy;
  readonly failureThreshold: number;
  readonly windowSize: number;
  readonly windowMs: number;
  readonly failureRateThreshold: number;
  readonly minimumCalls: number;
  readonly slowCallMs: number | undefined;
  readonly openTimeoutMs: number;
  readonly halfOpenMaxCalls: number;
  readonly successThreshold: number;
  readonly failureScope: BreakerFailureScope;
  readonly minInstances: number;
  readonly syncIntervalMs: number;
  readonly probeLeaseMs: number;
}

/** Where one resolved setting came from. */
export interface BreakerConfigSource {
  /** `'built-in'` default, the `defaults` passed in code, or the environment. */
  readonly from: 'built-in' | 'defaults' | 'env';
  /** The environment variable it was read from, when `from` is `'env'`. */
  readonly variable?: string;
}

/** A resolved config and where each setting came from. */
export interface ResolvedBreakerConfig {
  readonly config: BreakerConfig;
  readonly sources: Readonly<Record<keyof BreakerConfig, BreakerConfigSource>>;
}

type Key = keyof BreakerConfig;

interface EnvSetting {
  readonly suffix: string;
  readonly parse: (raw: string, variable: string) => number | string;
}

function numberFrom(kind: 'whole' | 'number', scale = 1) {
  return (raw: string, variable: string): number => {
    const text = raw.trim();
    const value = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value) || (kind === 'whole' && !Number.isInteger(value))) {
      throw new BreakerConfigError(
        variable,
        `environment variable ${variable} must be ${kind === 'whole' ? 'a whole number' : 'a number'} (got ${JSON.stringify(raw)})`,
      );
    }
    return value * scale;
  };
}

/** Each setting's environment suffix, named as in the original system where it had one. */
const envSettings: Readonly<Record<Key, EnvSetting>> = {
  policy: { suffix: 'POLICY', parse: (raw) => raw.trim() },
  failureThreshold: { suffix: 'THRESHOLD', parse: numberFrom('whole') },
  windowSize: { suffix: 'WINDOW_SIZE', parse: numberFrom('whole') },
  windowMs: { suffix: 'WINDOW_MS', parse: numberFrom('number') },
  failureRateThreshold: { suffix: 'FAILURE_RATE', parse: numberFrom('number') },
  minimumCalls: { suffix: 'MINIMUM_CALLS', parse: numberFrom('whole') },
  slowCallMs: { suffix: 'SLOW_CALL_MS', parse: numberFrom('number') },
  openTimeoutMs: { suffix: 'TIMEOUT_MINUTES', parse: numberFrom('number', 60_000) },
  halfOpenMaxCalls: { suffix: 'HALF_OPEN_MAX_CALLS', parse: numberFrom('whole') },
  successThreshold: { suffix: 'SUCCESS_THRESHOLD', parse: numberFrom('whole') },
  failureScope: { suffix: 'FAILURE_SCOPE', parse: (raw) => raw.trim() },
  minInstances: { suffix: 'MIN_INSTANCES', parse: numberFrom('whole') },
  syncIntervalMs: { suffix: 'SYNC_INTERVAL_MS', parse: numberFrom('number') },
  probeLeaseMs: { suffix: 'PROBE_LEASE_MS', parse: numberFrom('number') },
};

const keys = Object.keys(envSettings) as Key[];

/** `bigquery-loads` -> `BIGQUERY_LOADS`: the breaker name as it appears in variable names. */
export function envName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** The variables a breaker named `name` reads, most specific first, for each setting. */
export function breakerEnvVariables(
  name: string,
): Readonly<Record<keyof BreakerConfig, readonly [string, string]>> {
  const prefix = envName(name);
  return Object.fromEntries(
    keys.map((key) => {
      const { suffix } = envSettings[key];
      return [key, [`CIRCUIT_BREAKER_${prefix}_${suffix}`, `CIRCUIT_BREAKER_${suffix}`]];
    }),
  ) as unknown as Record<Key, readonly [string, string]>;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Resolve a breaker's settings: built-in defaults, then `defaults` from code, then the
 * environment (`CIRCUIT_BREAKER_<SETTING>` for every breaker, `CIRCUIT_BREAKER_<NAME>_<SETTING>`
 * for this one), and say where each value came from. Invalid values throw
 * {@link BreakerConfigError} naming the variable or option.
 *
 * @example
 * ```ts
 * // CIRCUIT_BREAKER_THRESHOLD=3 CIRCUIT_BREAKER_BIGQUERY_TIMEOUT_MINUTES=10
 * const { config, sources } = breakerConfigFromEnv('bigquery', { halfOpenMaxCalls: 2 });
 * // config.failureThreshold === 3 (sources: env, CIRCUIT_BREAKER_THRESHOLD)
 * // config.openTimeoutMs === 600_000 (sources: env, CIRCUIT_BREAKER_BIGQUERY_TIMEOUT_MINUTES)
 * ```
 */
export function breakerConfigFromEnv(
  name: string,
  defaults: BreakerConfigInput = {},
  env: Env = readEnv(),
): ResolvedBreakerConfig {
  if (typeof name !== 'string' || envName(name) === '') {
    throw new BreakerConfigError(
      'name',
      `a breaker needs a name with letters or digits (got ${describeValue(name)})`,
    );
  }
  if (typeof defaults !== 'object' || defaults === null) {
    throw new BreakerConfigError('defaults', 'breaker settings must be an object');
  }
  const variables = breakerEnvVariables(name);
  const merged: Record<string, unknown> = { ...defaults };
  const sources = {} as Record<Key, BreakerConfigSource>;
  for (const key of keys) {
    sources[key] = {
      from: (defaults as Record<string, unknown>)[key] === undefined ? 'built-in' : 'defaults',
    };
    for (const variable of variables[key]) {
      const raw = env[variable];
      if (raw === undefined) continue;
      merged[key] = envSettings[key].parse(raw, variable);
      sources[key] = { from: 'env', variable };
      break;
    }
  }

  const parsed = breakerConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    if (issue?.code === 'unrecognized_keys') {
      const unknown = (issue as { keys?: string[] }).keys?.[0] ?? key;
      throw new BreakerConfigError(unknown, `unknown breaker option ${JSON.stringify(unknown)}`);
    }
    const source = sources[key as Key];
    const where =
      source?.variable !== undefined
        ? `environment variable ${source.variable}`
        : `option "${key}"`;
    throw new BreakerConfigError(
      source?.variable ?? key,
      `${where} is invalid: ${issue?.message ?? 'bad value'} (got ${describeValue(merged[key])})`,
    );
  }
  const value = parsed.data;
  const successThreshold = value.successThreshold ?? value.halfOpenMaxCalls;
  if (successThreshold > value.halfOpenMaxCalls) {
    const source = sources.successThreshold.variable ?? 'successThreshold';
    throw new BreakerConfigError(
      source,
      `${source}: successThreshold (${successThreshold}) cannot exceed halfOpenMaxCalls (${value.halfOpenMaxCalls}): the breaker could never close`,
    );
  }
  if (value.policy === 'countWindow' && value.failureThreshold > value.windowSize) {
    const source = sources.failureThreshold.variable ?? 'failureThreshold';
    throw new BreakerConfigError(
      source,
      `${source}: failureThreshold (${value.failureThreshold}) cannot exceed windowSize (${value.windowSize}) with the countWindow policy: the breaker could never open`,
    );
  }
  if (value.failureScope === 'fleet' && value.policy !== 'consecutive') {
    const source = sources.failureScope.variable ?? 'failureScope';
    throw new BreakerConfigError(
      source,
      `${source}: failureScope "fleet" counts failures in a row across the fleet and needs the consecutive policy (policy is ${JSON.stringify(value.policy)})`,
    );
  }
  if (value.failureScope === 'fleet' && value.minInstances > 1) {
    const source = sources.failureScope.variable ?? 'failureScope';
    throw new BreakerConfigError(
      source,
      `${source}: failureScope "fleet" already counts every instance's failures; minInstances must be 1 (got ${value.minInstances})`,
    );
  }
  if (sources.successThreshold.from === 'built-in' && value.successThreshold === undefined) {
    sources.successThreshold = {
      from: sources.halfOpenMaxCalls.from,
      ...(sources.halfOpenMaxCalls.variable ? { variable: sources.halfOpenMaxCalls.variable } : {}),
    };
  }
  return {
    config: {
      policy: value.policy,
      failureThreshold: value.failureThreshold,
      windowSize: value.windowSize,
      windowMs: value.windowMs,
      failureRateThreshold: value.failureRateThreshold,
      minimumCalls: value.minimumCalls,
      slowCallMs: value.slowCallMs,
      openTimeoutMs: value.openTimeoutMs,
      halfOpenMaxCalls: value.halfOpenMaxCalls,
      successThreshold,
      failureScope: value.failureScope,
      minInstances: value.minInstances,
      syncIntervalMs: value.syncIntervalMs,
      probeLeaseMs: value.probeLeaseMs,
    },
    sources,
  };
}
