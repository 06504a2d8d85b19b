import { calendarDateProblem } from '@pipewell/core';
import type { DependencyKind, DependencyMap, ResolvedUpstream } from './map.js';

/** What a processor may do: run, run with some soft inputs incomplete, or not run. */
export type Decision = 'proceed' | 'degraded' | 'blocked';

/**
 * One upstream's verdict: `complete` (100%, or 0 records expected from an upstream with
 * `whenNoneExpected: 'proceed'`, its `coverage` then null), `partial` (a soft upstream at or above
 * its threshold), `insufficient` (below what its kind needs), `error` (coverage could not be
 * measured).
 */
export type UpstreamStatus = 'complete' | 'partial' | 'insufficient' | 'error';

/** One upstream's measured coverage and verdict. */
export interface UpstreamResult {
  readonly name: string;
  readonly kind: DependencyKind;
  /** The coverage it needs (1 for hard upstreams). */
  readonly threshold: number;
  readonly expected: number | null;
  readonly actual: number | null;
  /**
   * actual / expected, capped at 1; null when it could not be measured (an error, or 0 records
   * expected).
   */
  readonly coverage: number | null;
  readonly status: UpstreamStatus;
  readonly reason: string;
}

/** The outcome of {@link evaluateDependencies}. */
export interface DependencyDecision {
  readonly processorName: string;
  readonly dataDate: string;
  readonly decision: Decision;
  /** The lowest upstream coverage (the weakest link), or null when none was measured. */
  readonly coverage: number | null;
  readonly perUpstream: readonly UpstreamResult[];
  /** Why, in words: the first line states the decision. */
  readonly reasons: readonly string[];
}

/** Options for {@link evaluateDependencies}; `C` is the type of the run's `context`. */
export interface EvaluateOptions<C = undefined> {
  /**
   * The soft threshold for this call, in (0, 1]: it replaces the map's default, while an
   * upstream's own threshold and then the processor's still win over it.
   * @default the map's (0.8)
   */
  readonly threshold?: number;
  /**
   * The largest share of records this run may process degraded, in [0, 1]: unlike `threshold`,
   * it wins over the processor's and the map's.
   * @default the processor's, else the map's, else none
   */
  readonly degradationBudget?: number;
  /** Treat every upstream as hard: the original all-or-nothing check. @default false */
  readonly strict?: boolean;
  /** Aborts the coverage functions; evaluation then rejects with the reason. */
  readonly signal?: AbortSignal;
  /**
   * The caller's value passed to every coverage function as `context` (the run's warehouse,
   * say), typed by the map. Required when the map's `C` does not admit `undefined`.
   * @default undefined
   */
  readonly context?: C;
}

/**
 * The trailing options parameter of {@link evaluateDependencies}: optional when the map needs no
 * context (`C` admits `undefined`), required with its `context` otherwise.
 */
export type EvaluateOptionsArgument<C> = undefined extends C
  ? [options?: EvaluateOptions<C>]
  : [options: EvaluateOptions<C> & { readonly context: C }];

const rank: Readonly<Record<Decision, number>> = { proceed: 0, degraded: 1, blocked: 2 };

/** Order decisions from best to worst: proceed < degraded < blocked. */
export function compareDecisions(a: Decision, b: Decision): number {
  return rank[a] - rank[b];
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** A result with counts: every `partial` one (0 < actual < expected). */
type Measured = UpstreamResult & { readonly expected: number; readonly actual: number };

/**
 * The share of an upstream's records that are missing, divided once from the counts: 15 of 100
 * missing is exactly the double 0.15, where `1 - 0.85` is 0.15000000000000002 and would put a run
 * whose shortfall equals its budget over it.
 */
function shortfall({ expected, actual }: Measured): number {
  return (expected - actual) / expected;
}

function isCount(value: unknown): value is number {
  // Number.isFinite is false for anything that is not a number: no coercion.
  return Number.isFinite(value) && (value as number) >= 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function measure<C>(
  upstream: ResolvedUpstream<C>,
  threshold: number,
  processorName: string,
  dataDate: string,
  signal: AbortSignal | undefined,
  context: C,
): Promise<UpstreamResult> {
  const base = { name: upstream.name, kind: upstream.kind, threshold };
  const error = (reason: string): UpstreamResult => ({
    ...base,
    expected: null,
    actual: null,
    coverage: null,
    status: 'error',
    reason: `${upstream.name}: ${reason}`,
  });
  if (upstream.coverage === undefined) {
    return error(`no coverage source named "${upstream.source}" is registered`);
  }
  let counts: unknown;
  try {
    counts = await upstream.coverage(dataDate, {
      processorName,
      upstream: upstream.name,
      signal,
      context,
    });
  } catch (thrown) {
    if (signal?.aborted) throw signal.reason;
    return error(`coverage check failed: ${messageOf(thrown)}`);
  }
  const { expected, actual } = (counts ?? {}) as { expected?: unknown; actual?: unknown };
  if (!isCount(expected) || !isCount(actual)) {
    return error(
      `coverage check returned invalid counts (expected ${String(expected)}, actual ${String(actual)}); both must be numbers >= 0`,
    );
  }
  if (expected === 0 && upstream.whenNoneExpected === 'proceed') {
    const over = actual > 0 ? `; ${actual} present all the same` : '';
    return {
      ...base,
      expected,
      actual,
      coverage: null,
      status: 'complete',
      reason: `${upstream.name}: expected 0 records for ${dataDate}, nothing missing (whenNoneExpected: 'proceed')${over}`,
    };
  }
  if (expected === 0) {
    return {
      ...error(
        `expected 0 records for ${dataDate}: coverage cannot be measured (is the schedule loaded?)`,
      ),
      expected,
      actual,
    };
  }
  const coverage = Math.min(1, actual / expected);
  const measured = `${actual} of ${expected} (${percent(coverage)})`;
  const over = actual > expected ? `; ${actual - expected} more than expected` : '';
  if (coverage >= 1) {
    return {
      ...base,
      expected,
      actual,
      coverage,
      status: 'complete',
      reason: `${upstream.name}: complete, ${measured}${over}`,
    };
  }
  // Coverage is below 1 here, and hard (or strict) upstreams need 1: only a soft one can pass.
  if (coverage >= threshold) {
    return {
      ...base,
      expected,
      actual,
      coverage,
      status: 'partial',
      reason: `${upstream.name}: soft, ${measured}, at or above its ${percent(threshold)} threshold`,
    };
  }
  return {
    ...base,
    expected,
    actual,
    coverage,
    status: 'insufficient',
    reason:
      threshold >= 1
        ? `${upstream.name}: ${upstream.kind === 'hard' ? 'hard' : 'required'}, ${measured}, needs 100%`
        : `${upstream.name}: soft, ${measured}, below its ${percent(threshold)} threshold`,
  };
}

function blocked(processorName: string, dataDate: string, reason: string): DependencyDecision {
  return {
    processorName,
    dataDate,
    decision: 'blocked',
    coverage: null,
    perUpstream: [],
    reasons: [`blocked: ${reason}`],
  };
}

/**
 * Decide whether `processorName` may run for `dataDate` from its upstreams' coverage:
 * - `blocked` when a hard upstream is below 100%, a soft one below its threshold, or a coverage
 *   check fails (throws, returns negative or non-numeric counts, or expects 0 records from an
 *   upstream whose `whenNoneExpected` is `'block'`, the default);
 * - `degraded` when every upstream passes but some soft one is below 100%, unless the share of
 *   records that would be degraded passes the degradation budget (then `blocked`);
 * - `proceed` when every upstream is complete; an upstream with `whenNoneExpected: 'proceed'`
 *   that expects 0 records counts as complete, and the reasons name it.
 *
 * A soft upstream's threshold is its own, else its processor's, else `options.threshold`, else
 * the map's. A shortfall exactly equal to the degradation budget is within it.
 *
 * Bad input never throws: an unknown processor, an impossible data date (`2026-02-30`), for
 * example, is a `blocked` decision with a reason. Only an abort through `options.signal` rejects.
 *
 * `options.context` reaches every coverage function as `context`: required, and typed, when the
 * map's coverage functions need one (a {@link DependencyMap} whose `C` does not admit undefined).
 *
 * @example
 * ```ts
 * const { decision, reasons } = await evaluateDependencies(map, 'player_game_summary', '2026-01-24');
 * if (decision === 'blocked') await alerts.send({ title: 'player_game_summary blocked', lines: reasons });
 * ```
 */
export async function evaluateDependencies<C = undefined>(
  map: DependencyMap<C>,
  processorName: string,
  dataDate: string,
  ...[given]: EvaluateOptionsArgument<C>
): Promise<DependencyDecision> {
  // Without options, a map that needs a context was called from untyped code: it gets undefined.
  const options: EvaluateOptions<C> = given ?? {};
  options.signal?.throwIfAborted();
  const processor = map?.processors?.get(processorName);
  if (processor === undefined) {
    return blocked(
      String(processorName),
      dataDate,
      `unknown processor "${String(processorName)}": it is not in the dependency map`,
    );
  }
  const dateProblem = calendarDateProblem('dataDate', dataDate);
  if (dateProblem !== undefined) return blocked(processorName, String(dataDate), dateProblem);
  const override = options.threshold;
  if (override !== undefined && !(override > 0 && override <= 1)) {
    return blocked(
      processorName,
      dataDate,
      `the threshold must be in (0, 1] (got ${String(override)})`,
    );
  }
  const budget = options.degradationBudget ?? processor.degradationBudget;
  if (budget !== undefined && !(budget >= 0 && budget <= 1)) {
    return blocked(
      processorName,
      dataDate,
      `the degradation budget must be in [0, 1] (got ${String(budget)})`,
    );
  }

  const perUpstream = await Promise.all(
    processor.upstreams.map((upstream) => {
      // The README's precedence: the upstream's own, the processor's, the call's, the map's.
      const threshold =
        options.strict || upstream.kind === 'hard'
          ? 1
          : (upstream.ownThreshold ?? processor.threshold ?? override ?? map.threshold);
      return measure(
        upstream,
        threshold,
        processorName,
        dataDate,
        options.signal,
        options.context as C,
      );
    }),
  );

  const measured = perUpstream
    .map((result) => result.coverage)
    .filter((c): c is number => c !== null);
  const coverage = measured.length === 0 ? null : Math.min(...measured);
  const failing = perUpstream.filter(
    (result) => result.status === 'insufficient' || result.status === 'error',
  );
  const partial = perUpstream.filter((result): result is Measured => result.status === 'partial');

  let decision: Decision;
  const reasons: string[] = [];
  if (perUpstream.length === 0) {
    decision = 'proceed';
    reasons.push('proceed: no upstream dependencies');
  } else if (failing.length > 0) {
    decision = 'blocked';
    reasons.push(
      `blocked: ${failing.length} of ${perUpstream.length} upstreams not ready`,
      ...failing.map((r) => r.reason),
    );
  } else if (partial.length > 0) {
    // Records lacking some soft input: at least as many as the least covered upstream misses.
    const degradedShare = Math.max(...partial.map(shortfall));
    if (budget !== undefined && degradedShare > budget) {
      decision = 'blocked';
      reasons.push(
        `blocked: about ${percent(degradedShare)} of records would be degraded, over the run's degradation budget of ${percent(budget)}`,
        ...partial.map((r) => r.reason),
      );
    } else {
      decision = 'degraded';
      reasons.push(
        `degraded: ${partial.length} soft upstream(s) incomplete`,
        ...partial.map((r) => r.reason),
      );
    }
  } else {
    decision = 'proceed';
    // Complete with nothing expected: say so, as this is the one proceed that measured nothing.
    const noneExpected = perUpstream.filter((result) => result.expected === 0);
    reasons.push(
      noneExpected.length === 0
        ? `proceed: all ${perUpstream.length} upstreams complete`
        : `proceed: all ${perUpstream.length} upstreams complete, ${noneExpected.length} of them with 0 records expected (whenNoneExpected: 'proceed')`,
      ...noneExpected.map((r) => r.reason),
    );
  }
  return { processorName, dataDate, decision, coverage, perUpstream, reasons };
}
