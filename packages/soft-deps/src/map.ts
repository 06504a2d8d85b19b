import { PipewellOptionsError } from '@pipewell/core';
import { z } from 'zod';

/** Counts a coverage function reports for one upstream and data date. */
export interface Coverage {
  /** Records the upstream should have (games scheduled, players expected). */
  readonly expected: number;
  /** Records it has. */
  readonly actual: number;
}

/**
 * What a coverage function is told besides the data date. `C` is the type of the caller's
 * `context`, the value a run passes through (`guard.run({ ..., context })`) so coverage functions
 * built once can reach the run's resources, such as its warehouse.
 */
export interface CoverageContext<C = undefined> {
  readonly processorName: string;
  readonly upstream: string;
  readonly signal: AbortSignal | undefined;
  /** The run's `context`, as given to `guard.run`, `guard.check` or `evaluateDependencies`. */
  readonly context: C;
}

/**
 * Measure one upstream's coverage for a data date (a COUNT query, a file listing). `C` is the
 * type of the run's `context` it receives in its second argument.
 */
export type CoverageFunction<C = undefined> = (
  dataDate: string,
  context: CoverageContext<C>,
) => Coverage | Promise<Coverage>;

/** `hard`: must be complete; `soft`: may proceed at or above the threshold. */
export type DependencyKind = 'hard' | 'soft';

/**
 * What an upstream whose coverage function expects 0 records does: `block` (coverage cannot be
 * measured, so the processor is blocked) or `proceed` (nothing is expected, so nothing is
 * missing: the upstream counts as complete and the reason says why).
 */
export type WhenNoneExpected = 'proceed' | 'block';

const coverageRef = z.union([
  z.string().min(1).describe('The name of a coverage source registered in code'),
  z
    .custom<CoverageFunction>((value) => typeof value === 'function')
    .describe('A coverage function'),
]);

const upstreamSchema = z
  .object({
    kind: z
      .enum(['hard', 'soft'])
      .default('soft')
      .describe('hard: needs 100%; soft: proceeds at the threshold'),
    threshold: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe("This upstream's own soft threshold (0-1]"),
    coverage: coverageRef,
    description: z.string().optional().describe('What the upstream is, for people reading reasons'),
    whenNoneExpected: z
      .enum(['proceed', 'block'])
      .default('block')
      .describe('When its coverage expects 0 records: block, or proceed as complete'),
  })
  .strict();

const processorSchema = z
  .object({
    upstreams: z.record(z.string().min(1), upstreamSchema).default({}),
    threshold: z.number().gt(0).max(1).optional().describe("This processor's soft threshold (0-1]"),
    degradationBudget: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('The largest share of records a run may process degraded before it is blocked'),
  })
  .strict();

const mapSchema = z
  .object({
    threshold: z.number().gt(0).max(1).default(0.8).describe('The default soft threshold (0-1]'),
    degradationBudget: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('The default degradation budget [0-1]'),
    processors: z.record(z.string().min(1), processorSchema),
  })
  .strict();

/** One upstream in a dependency map config; `C` is the type of the run's `context`. */
export interface UpstreamConfig<C = undefined> {
  /** @default 'soft' */
  readonly kind?: DependencyKind | undefined;
  /**
   * This upstream's soft threshold, in (0, 1]. It wins over every other level.
   * @default the processor's, else the call's, else the map's
   */
  readonly threshold?: number | undefined;
  /** A coverage function, or (in JSON) the name of one registered with `sources`. */
  readonly coverage: string | CoverageFunction<C>;
  readonly description?: string | undefined;
  /**
   * When the coverage function expects 0 records: `'block'` blocks the processor (coverage
   * cannot be measured: an empty schedule may be a failed scrape); `'proceed'` counts the
   * upstream as complete (nothing expected, nothing missing), for upstreams where 0 is a normal
   * day, such as no player having history on opening day.
   * @default 'block'
   */
  readonly whenNoneExpected?: WhenNoneExpected | undefined;
}

/** One processor in a dependency map config; `C` is the type of the run's `context`. */
export interface ProcessorConfig<C = undefined> {
  /** @default {} */
  readonly upstreams?: Readonly<Record<string, UpstreamConfig<C>>> | undefined;
  /**
   * The soft threshold for this processor's upstreams, in (0, 1]: an upstream's own threshold
   * wins over it, and it wins over a per-call threshold.
   * @default the call's, else the map's
   */
  readonly threshold?: number | undefined;
  /** The largest share of records a run may process degraded, in [0, 1]. @default the map's */
  readonly degradationBudget?: number | undefined;
}

/**
 * A dependency map as written in a JSON or TS config. `C` is the type of the `context` its
 * coverage functions receive from each run (`undefined`, the default, when they need none).
 */
export interface DependencyMapConfig<C = undefined> {
  /** The soft threshold when no upstream, processor or call sets one, in (0, 1]. @default 0.8 */
  readonly threshold?: number | undefined;
  readonly degradationBudget?: number | undefined;
  readonly processors: Readonly<Record<string, ProcessorConfig<C>>>;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check that the types match the schema
type ConfigMatchesSchema = Assert<Same<DependencyMapConfig, z.input<typeof mapSchema>>>;

/**
 * A resolved upstream: its coverage function found, its threshold settled. How a map holds its
 * upstreams, free to change between releases (not exported).
 */
export interface ResolvedUpstream<C = undefined> {
  readonly name: string;
  readonly kind: DependencyKind;
  /**
   * The soft threshold the map settles on (1 for hard upstreams): its own, else the processor's,
   * else the map's. A per-call threshold can still replace the map's; see {@link ResolvedUpstream.ownThreshold}.
   */
  readonly threshold: number;
  /** The threshold set on this upstream itself, which no other level overrides, or undefined. */
  readonly ownThreshold: number | undefined;
  /** Undefined when the config names a source that was not registered (evaluation then blocks). */
  readonly coverage: CoverageFunction<C> | undefined;
  readonly source: string | undefined;
  readonly description: string | undefined;
  readonly whenNoneExpected: WhenNoneExpected;
}

/** A resolved processor, as a map holds it (not exported). */
export interface ResolvedProcessor<C = undefined> {
  readonly name: string;
  readonly upstreams: readonly ResolvedUpstream<C>[];
  /** The processor's own soft threshold, which wins over a per-call one, or undefined. */
  readonly threshold: number | undefined;
  readonly degradationBudget: number | undefined;
}

/**
 * A validated dependency map. Create one with {@link createDependencyMap}. `C` is the type of the
 * `context` every run must pass to its coverage functions (`undefined`: none needed).
 */
export interface DependencyMap<C = undefined> {
  readonly threshold: number;
  readonly processors: ReadonlyMap<string, ResolvedProcessor<C>>;
  /** Problems that block the affected processors at evaluation (such as an unregistered source). */
  readonly problems: readonly string[];
}

/**
 * Thrown for a dependency map that does not fit the schema; `option` is where, as a path in the
 * config (`''` when the text as a whole is not JSON). A {@link PipewellOptionsError}, like every
 * pipewell options error.
 */
export class DependencyMapError extends PipewellOptionsError {
  static override readonly marker = '@pipewell/soft-deps.DependencyMapError';
  override readonly name = 'DependencyMapError';

  /** Create an error for the config at `path`, such as `processors.box_scores.upstreams.gamebook.kind`. */
  constructor(path: string, message: string) {
    super(
      path,
      `@pipewell/soft-deps: dependency map ${path === '' ? '' : `at ${path}: `}${message}`,
    );
  }

  /**
   * Where in the config: the same as `option`.
   * @deprecated Read `option`, the name every pipewell options error uses; `path` is removed in
   *   the next minor release.
   */
  get path(): string {
    return this.option;
  }
}

/** Options for {@link createDependencyMap}; `C` is the type of the run's `context`. */
export interface DependencyMapOptions<C = undefined> {
  /** Coverage functions by name, for configs (JSON) that name them. */
  readonly sources?: Readonly<Record<string, CoverageFunction<C>>>;
}

/**
 * Validate a dependency map config (from TS, or parsed JSON) and resolve its coverage sources.
 * A config that does not fit the schema throws {@link DependencyMapError} naming the path; a
 * source that is not registered is listed in `problems` and blocks its processor at evaluation.
 *
 * `C` types the `context` coverage functions receive: a map built once (at module level) can
 * reach each run's resources through it; every run then passes one (`guard.run({ ..., context })`).
 *
 * @example
 * ```ts
 * const map = createDependencyMap(
 *   {
 *     processors: {
 *       player_game_summary: {
 *         upstreams: {
 *           gamebook: { kind: 'hard', coverage: 'gamebook_rows' },
 *           odds_props: { kind: 'soft', coverage: 'odds_rows' },
 *         },
 *       },
 *     },
 *   },
 *   { sources: { gamebook_rows: countGamebookRows, odds_rows: countOddsRows } },
 * );
 * ```
 */
export function createDependencyMap<C = undefined>(
  config: DependencyMapConfig<C>,
  options: DependencyMapOptions<C> = {},
): DependencyMap<C> {
  // The schema checks that coverage is a function; its parameter type is the caller's `C`.
  const parsed = mapSchema.safeParse(config as DependencyMapConfig);
  if (!parsed.success) {
    // A failed parse has at least one issue; the first is reported.
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const path = issue.path.map(String).join('.');
    const unknownKeys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new DependencyMapError(path, `${issue.message}${unknownKeys}`);
  }
  const sources = (options.sources ?? {}) as Readonly<Record<string, CoverageFunction>>;
  const problems: string[] = [];
  const processors = new Map<string, ResolvedProcessor>();
  for (const [name, processor] of Object.entries(parsed.data.processors)) {
    const upstreams: ResolvedUpstream[] = [];
    for (const [upstreamName, upstream] of Object.entries(processor.upstreams)) {
      const source = typeof upstream.coverage === 'string' ? upstream.coverage : undefined;
      const coverage =
        typeof upstream.coverage === 'function'
          ? upstream.coverage
          : Object.hasOwn(sources, upstream.coverage)
            ? sources[upstream.coverage]
            : undefined;
      if (coverage === undefined) {
        problems.push(
          `${name}: upstream ${upstreamName} names coverage source "${source}", which is not registered`,
        );
      }
      upstreams.push({
        name: upstreamName,
        kind: upstream.kind,
        threshold:
          upstream.kind === 'hard'
            ? 1
            : (upstream.threshold ?? processor.threshold ?? parsed.data.threshold),
        ownThreshold: upstream.threshold,
        coverage,
        source,
        description: upstream.description,
        whenNoneExpected: upstream.whenNoneExpected,
      });
    }
    processors.set(name, {
      name,
      upstreams,
      threshold: processor.threshold,
      degradationBudget: processor.degradationBudget ?? parsed.data.degradationBudget,
    });
  }
  // Every coverage function came from `config` or `sources`, both typed with `C`.
  const map: DependencyMap = { threshold: parsed.data.threshold, processors, problems };
  return map as DependencyMap<C>;
}

/**
 * Parse a dependency map from JSON text, then {@link createDependencyMap}. Bad JSON throws
 * {@link DependencyMapError} too.
 */
export function parseDependencyMap<C = undefined>(
  json: string,
  options: DependencyMapOptions<C> = {},
): DependencyMap<C> {
  let config: unknown;
  try {
    config = JSON.parse(json);
  } catch (error) {
    throw new DependencyMapError('', `is not valid JSON (${(error as Error).message})`);
  }
  return createDependencyMap(config as DependencyMapConfig<C>, options);
}
