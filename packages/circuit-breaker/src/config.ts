import { type Env, readEnv } from '@pipewell/core';
import { z } from 'zod';
import { BreakerConfigError } from './errors.js';

/**
 * The zod kind of each setting. `isolatedDeclarations` needs the schema's type spelled out; the
 * compiler checks this against the schema below, so the two cannot drift, and every other type,
 * key list and variable name in this file is derived from the schema.
 */
type BreakerSettingsShape = {
  /** How failures are counted. @default 'consecutive' */
  policy: z.ZodDefault<
    z.ZodEnum<{ consecutive: 'consecutive'; countWindow: 'countWindow'; timeWindow: 'timeWindow' }>
  >;
  /** consecutive: failures in a row that open the breaker; countWindow: failures among the last `windowSize` calls. @default 5 */
  failureThreshold: z.ZodDefault<z.ZodNumber>;
  /** countWindow: how many recent calls are counted. @default 10 */
  windowSize: z.ZodDefault<z.ZodNumber>;
  /** timeWindow: how far back calls are counted. @default 60000 */
  windowMs: z.ZodDefault<z.ZodNumber>;
  /** timeWindow: the failing share of calls, in (0, 1], that opens the breaker. @default 0.5 */
  failureRateThreshold: z.ZodDefault<z.ZodNumber>;
  /** timeWindow: calls needed in the window before the rate counts. @default 10 */
  minimumCalls: z.ZodDefault<z.ZodNumber>;
  /** Calls that take longer than this count as failures (their result is still returned). */
  slowCallMs: z.ZodOptional<z.ZodNumber>;
  /** How long the breaker stays open before a half-open probe. @default 300000 (5 min) */
  openTimeoutMs: z.ZodDefault<z.ZodNumber>;
  /** Trial calls allowed in half-open, across every instance sharing the store. @default 1 */
  halfOpenMaxCalls: z.ZodDefault<z.ZodNumber>;
  /** Successful trial calls that close the breaker. @default halfOpenMaxCalls */
  successThreshold: z.ZodOptional<z.ZodNumber>;
  /**
   * `'instance'`: each instance counts its own failures. `'fleet'`: failures in a row are counted
   * across every instance sharing the store (one store write per counted failure); needs the
   * `consecutive` policy and `minInstances: 1`. @default 'instance'
   */
  failureScope: z.ZodDefault<z.ZodEnum<{ instance: 'instance'; fleet: 'fleet' }>>;
  /** Distinct instances that must trip before the breaker opens fleet-wide. @default 1 */
  minInstances: z.ZodDefault<z.ZodNumber>;
  /** How often a breaker with a shared store reads the fleet state. @default 10000 */
  syncIntervalMs: z.ZodDefault<z.ZodNumber>;
  /** How long one instance holds the half-open probe before another may take it. @default 60000 */
  probeLeaseMs: z.ZodDefault<z.ZodNumber>;
};

/** The one source of the breaker's settings: names, types, bounds, defaults, descriptions. */
const settings = {
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
  slowCallMs: z.number().positive().optional().describe('Calls slower than this count as failures'),
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
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
// Fails to compile when the spelled-out kinds above and the schema differ in a key or a kind.
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check, never used
type ShapeMatchesSchema = Assert<Same<typeof settings, BreakerSettingsShape>>;

const breakerConfigSchema: z.ZodObject<BreakerSettingsShape, z.core.$strict> = z
  .object(settings)
  .strict();

/**
 * Breaker settings that can come from code or the environment; all optional. The input type of
 * the package's settings schema: see the README's settings table for each one's meaning.
 */
export type BreakerConfigInput = Readonly<z.input<typeof breakerConfigSchema>>;

/**
 * Breaker settings after defaults and environment overrides: the schema's output, with
 * `successThreshold` resolved (to `halfOpenMaxCalls` when unset).
 */
export type BreakerConfig = Readonly<z.output<typeof breakerConfigSchema>> & {
  readonly successThreshold: number;
};

/** The failure-counting policies a breaker can use. */
export type BreakerPolicy = BreakerConfig['policy'];

/**
 * Where failures are counted: by each instance on its own, or across the fleet in the shared
 * store (so instances that each see fewer failures than the threshold trip together).
 */
export type BreakerFailureScope = BreakerConfig['failureScope'];

type Key = keyof BreakerSettingsShape;

/** Every setting's name, in the schema's order. */
const keys = Object.keys(breakerConfigSchema.shape) as Key[];

/** Where one resolved setting came from. */
export interface BreakerConfigSource {
  /** `'built-in'` default, a value set in code (`'defaults'`), or the environment. */
  readonly from: 'built-in' | 'defaults' | 'env';
  /** The environment variable it was read from, when `from` is `'env'`. */
  readonly variable?: string;
}

/** A resolved config and where each setting came from. */
export interface ResolvedBreakerConfig {
  readonly config: BreakerConfig;
  readonly sources: Readonly<Record<keyof BreakerConfig, BreakerConfigSource>>;
}

/**
 * Options for {@link breakerConfigFromEnv}: the breaker's name, its settings set in code (as for
 * `createCircuitBreaker`), and where to read the environment.
 */
export type BreakerConfigFromEnvOptions = BreakerConfigInput & {
  /** The breaker's name, as in `CIRCUIT_BREAKER_<NAME>_*` variables. */
  readonly name: string;
  /**
   * Where `CIRCUIT_BREAKER_*` overrides are read; pass `{}` to ignore the environment.
   * @default process.env
   */
  readonly env?: Env;
};

/**
 * The variable suffixes the original system used, where they differ from the setting's own name
 * (`halfOpenMaxCalls` -> `HALF_OPEN_MAX_CALLS`), and the one setting read in another unit.
 */
const envExceptions: {
  readonly [K in Key]?: { readonly suffix: string; readonly scale?: number };
} = {
  failureThreshold: { suffix: 'THRESHOLD' },
  failureRateThreshold: { suffix: 'FAILURE_RATE' },
  openTimeoutMs: { suffix: 'TIMEOUT_MINUTES', scale: 60_000 },
};

type EnvParser = (raw: string, variable: string) => number | string;

function numberFrom(kind: 'whole' | 'number', scale: number): EnvParser {
  return (raw, variable) => {
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

/** How a setting's variable is read, from the setting's type in the schema. */
function envParser(key: Key): EnvParser {
  // Every setting has a default or is optional: the type to parse is the one inside.
  const inner: z.ZodType = breakerConfigSchema.shape[key].unwrap();
  if (inner instanceof z.ZodNumber) {
    return numberFrom(
      inner.format === 'safeint' ? 'whole' : 'number',
      envExceptions[key]?.scale ?? 1,
    );
  }
  return (raw) => raw.trim();
}

const envRules: ReadonlyArray<{ key: Key; suffix: string; parse: EnvParser }> = keys.map((key) => ({
  key,
  suffix: envExceptions[key]?.suffix ?? envName(key),
  parse: envParser(key),
}));

/** `bigquery-loads` -> `BIGQUERY_LOADS`: the breaker name as it appears in variable names. */
export function envName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/**
 * The variables a breaker named `name` reads, most specific first, for each setting.
 *
 * @example
 * ```ts
 * breakerEnvVariables('bigquery').failureThreshold;
 * // ['CIRCUIT_BREAKER_BIGQUERY_THRESHOLD', 'CIRCUIT_BREAKER_THRESHOLD']
 * ```
 */
export function breakerEnvVariables(
  name: string,
): Readonly<Record<keyof BreakerConfig, readonly [string, string]>> {
  const prefix = envName(name);
  return Object.fromEntries(
    envRules.map(({ key, suffix }) => [
      key,
      [`CIRCUIT_BREAKER_${prefix}_${suffix}`, `CIRCUIT_BREAKER_${suffix}`],
    ]),
  ) as unknown as Record<Key, readonly [string, string]>;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/**
 * Resolve a breaker's settings the way `createCircuitBreaker` does: built-in defaults, then the
 * settings set in code, then the environment (`CIRCUIT_BREAKER_<SETTING>` for every breaker,
 * `CIRCUIT_BREAKER_<NAME>_<SETTING>` for this one), and say where each value came from. Invalid
 * values throw {@link BreakerConfigError} naming the variable or option.
 *
 * @example
 * ```ts
 * // CIRCUIT_BREAKER_THRESHOLD=3 CIRCUIT_BREAKER_BIGQUERY_TIMEOUT_MINUTES=10
 * const { config, sources } = breakerConfigFromEnv({ name: 'bigquery', halfOpenMaxCalls: 2 });
 * // config.failureThreshold === 3 (sources: env, CIRCUIT_BREAKER_THRESHOLD)
 * // config.openTimeoutMs === 600_000 (sources: env, CIRCUIT_BREAKER_BIGQUERY_TIMEOUT_MINUTES)
 * ```
 */
export function breakerConfigFromEnv(options: BreakerConfigFromEnvOptions): ResolvedBreakerConfig;
/**
 * The positional form of {@link breakerConfigFromEnv}.
 * @deprecated Pass one options object, `breakerConfigFromEnv({ name, env, ...settings })`; the
 *   positional form is removed in the next minor release.
 */
export function breakerConfigFromEnv(
  name: string,
  defaults?: BreakerConfigInput,
  env?: Env,
): ResolvedBreakerConfig;
export function breakerConfigFromEnv(
  first: BreakerConfigFromEnvOptions | string,
  positionalDefaults?: BreakerConfigInput,
  positionalEnv?: Env,
): ResolvedBreakerConfig {
  if (typeof first === 'string') {
    if (positionalDefaults !== undefined && !isObject(positionalDefaults)) {
      throw new BreakerConfigError('defaults', 'breaker settings must be an object');
    }
    return resolve(first, positionalDefaults ?? {}, positionalEnv);
  }
  if (!isObject(first)) {
    throw new BreakerConfigError(
      'options',
      'breakerConfigFromEnv needs an options object with a name',
    );
  }
  const { name, env, ...settings } = first;
  return resolve(name, settings, env);
}

function resolve(
  name: unknown,
  settings: BreakerConfigInput,
  env: Env | undefined,
): ResolvedBreakerConfig {
  if (typeof name !== 'string' || envName(name) === '') {
    throw new BreakerConfigError(
      'name',
      `a breaker needs a name with letters or digits (got ${describeValue(name)})`,
    );
  }
  if (env !== undefined && !isObject(env)) {
    throw new BreakerConfigError('env', 'option "env" must be an object of variables');
  }
  const source: Env = env ?? readEnv();
  const variables = breakerEnvVariables(name);
  const merged: Record<string, unknown> = { ...settings };
  const sources = {} as Record<Key, BreakerConfigSource>;
  for (const { key, parse } of envRules) {
    sources[key] = {
      from: (settings as Record<string, unknown>)[key] === undefined ? 'built-in' : 'defaults',
    };
    for (const variable of variables[key]) {
      const raw = source[variable];
      if (raw === undefined) continue;
      merged[key] = parse(raw, variable);
      sources[key] = { from: 'env', variable };
      break;
    }
  }

  const parsed = breakerConfigSchema.safeParse(merged);
  if (!parsed.success) {
    // A failed parse has at least one issue; the first names the option or variable.
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    if (issue.code === 'unrecognized_keys') {
      const unknown = issue.keys[0] as string;
      throw new BreakerConfigError(unknown, `unknown breaker option ${JSON.stringify(unknown)}`);
    }
    // Every other issue is about one setting of the schema.
    const key = issue.path[0] as Key;
    const { variable } = sources[key];
    const where = variable !== undefined ? `environment variable ${variable}` : `option "${key}"`;
    throw new BreakerConfigError(
      variable ?? key,
      `${where} is invalid: ${issue.message} (got ${describeValue(merged[key])})`,
    );
  }
  const value = parsed.data;
  const successThreshold = value.successThreshold ?? value.halfOpenMaxCalls;
  if (successThreshold > value.halfOpenMaxCalls) {
    const option = sources.successThreshold.variable ?? 'successThreshold';
    throw new BreakerConfigError(
      option,
      `${option}: successThreshold (${successThreshold}) cannot exceed halfOpenMaxCalls (${value.halfOpenMaxCalls}): the breaker could never close`,
    );
  }
  if (value.policy === 'countWindow' && value.failureThreshold > value.windowSize) {
    const option = sources.failureThreshold.variable ?? 'failureThreshold';
    throw new BreakerConfigError(
      option,
      `${option}: failureThreshold (${value.failureThreshold}) cannot exceed windowSize (${value.windowSize}) with the countWindow policy: the breaker could never open`,
    );
  }
  if (value.failureScope === 'fleet' && value.policy !== 'consecutive') {
    const option = sources.failureScope.variable ?? 'failureScope';
    throw new BreakerConfigError(
      option,
      `${option}: failureScope "fleet" counts failures in a row across the fleet and needs the consecutive policy (policy is ${JSON.stringify(value.policy)})`,
    );
  }
  if (value.failureScope === 'fleet' && value.minInstances > 1) {
    const option = sources.failureScope.variable ?? 'failureScope';
    throw new BreakerConfigError(
      option,
      `${option}: failureScope "fleet" already counts every instance's failures; minInstances must be 1 (got ${value.minInstances})`,
    );
  }
  if (sources.successThreshold.from === 'built-in') {
    sources.successThreshold = {
      from: sources.halfOpenMaxCalls.from,
      ...(sources.halfOpenMaxCalls.variable ? { variable: sources.halfOpenMaxCalls.variable } : {}),
    };
  }
  return { config: { ...value, successThreshold }, sources };
}
