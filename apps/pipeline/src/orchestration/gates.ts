import { ident, sql, typed } from '@pipewell/clients/sql';
import { createDependencyMap, evaluateDependencies } from '@pipewell/soft-deps';
import type { Phase } from '../runtime/index.js';
import type { AnyTable, Warehouse } from '../warehouse/index.js';
import type { GateCheck, GateDecision, GateFunction } from './types.js';

/** Counts something in the warehouse for a date (rows of an output, games covered). */
export type WarehouseCount = (dataDate: string, warehouse: Warehouse) => Promise<number>;

/**
 * A {@link WarehouseCount} of the rows of `table` whose DATE column `dateColumn` is the date
 * `dayOf(dataDate)` (the pipeline date itself by default).
 *
 * @example
 * ```ts
 * const cacheRows = countRowsOn(playerDailyCache, 'cache_date');
 * ```
 */
export function countRowsOn(
  table: AnyTable,
  dateColumn: string,
  dayOf: (dataDate: string) => string = (dataDate) => dataDate,
): WarehouseCount {
  return async (dataDate, warehouse) => {
    const rows = await warehouse.query<{ n: number | bigint }>(
      sql`SELECT COUNT(*) AS n FROM ${ident(table.name)} WHERE ${ident(dateColumn)} = ${typed(dayOf(dataDate), 'DATE')}`,
    );
    return Number(rows[0]?.n ?? 0);
  };
}

/** An output of a phase a gate looks at: its name and how to count its rows for the date. */
export interface GateOutput {
  readonly name: string;
  readonly rows: WarehouseCount;
  /** The gate needs rows in it. @default false */
  readonly critical?: boolean;
}

/** Options of {@link coverageGate}. */
export interface CoverageGateOptions {
  /** Outputs that must have rows (a processor that reported success but wrote nothing fails here). */
  readonly critical: readonly GateOutput[];
  /** The coverage measured: `actual` of `expected` (games covered of games scheduled). */
  readonly coverage: {
    readonly name: string;
    readonly expected: WarehouseCount;
    readonly actual: WarehouseCount;
    readonly description?: string;
  };
  /** @default 0.8 */
  readonly threshold?: number;
}

/** A hard check that `output` has rows for the date. */
async function hasRows(output: GateOutput, dataDate: string, warehouse: Warehouse) {
  const rows = await output.rows(dataDate, warehouse);
  return {
    name: `${output.name} has rows`,
    kind: 'hard',
    expected: 1,
    actual: rows > 0 ? 1 : 0,
    description: `${rows} rows`,
  } satisfies GateCheck;
}

/**
 * The gate "critical outputs have rows and coverage >= threshold" (3->4: player_game_summary
 * and upcoming contexts present, >= 80% of yesterday's games covered).
 */
export function coverageGate(options: CoverageGateOptions): GateFunction {
  return async (dataDate, warehouse) => {
    const critical = await Promise.all(
      options.critical.map((output) => hasRows(output, dataDate, warehouse)),
    );
    const [expected, actual] = await Promise.all([
      options.coverage.expected(dataDate, warehouse),
      options.coverage.actual(dataDate, warehouse),
    ]);
    return [
      ...critical,
      {
        name: options.coverage.name,
        kind: 'soft',
        expected,
        actual,
        threshold: options.threshold ?? 0.8,
        ...(options.coverage.description === undefined
          ? {}
          : { description: options.coverage.description }),
      },
    ];
  };
}

/** Options of {@link quorumGate}. */
export interface QuorumGateOptions {
  /** The outputs; the `critical` ones must have rows. */
  readonly outputs: readonly GateOutput[];
  /** How many outputs must have rows (3 of 5 for 4->5). */
  readonly min: number;
}

/**
 * The gate "k of n outputs with rows, and every critical one" (4->5: 3 of the 5 precompute
 * outputs, both critical ones among them).
 */
export function quorumGate(options: QuorumGateOptions): GateFunction {
  const n = options.outputs.length;
  if (!Number.isInteger(options.min) || options.min < 1 || options.min > n) {
    throw new RangeError(
      `quorumGate: min must be a whole number from 1 to the ${n} outputs (got ${String(options.min)})`,
    );
  }
  return async (dataDate, warehouse) => {
    const counted = await Promise.all(
      options.outputs.map(async (output) => ({
        output,
        rows: await output.rows(dataDate, warehouse),
      })),
    );
    const withRows = counted.filter(({ rows }) => rows > 0);
    const critical = counted
      .filter(({ output }) => output.critical === true)
      .map(
        ({ output, rows }): GateCheck => ({
          name: `${output.name} has rows`,
          kind: 'hard',
          expected: 1,
          actual: rows > 0 ? 1 : 0,
          description: `${rows} rows`,
        }),
      );
    return [
      ...critical,
      {
        name: 'outputs with rows',
        kind: 'soft',
        expected: n,
        actual: withRows.length,
        threshold: options.min / n,
        description: `with rows: ${withRows.map(({ output }) => output.name).join(', ') || 'none'}`,
      },
    ];
  };
}

/** Options of {@link batchGate}. */
export interface BatchGateOptions {
  /** Predictions expected (players requested). */
  readonly expected: WarehouseCount;
  /** Predictions found in the warehouse. */
  readonly actual: WarehouseCount;
  /** @default 0.8 */
  readonly threshold?: number;
}

/** The gate "batch >= 80%" (5->6): predictions in the warehouse over the players requested. */
export function batchGate(options: BatchGateOptions): GateFunction {
  return async (dataDate, warehouse) => {
    const [expected, actual] = await Promise.all([
      options.expected(dataDate, warehouse),
      options.actual(dataDate, warehouse),
    ]);
    return [
      {
        name: 'prediction batch',
        kind: 'soft',
        expected,
        actual,
        threshold: options.threshold ?? 0.8,
      },
    ];
  };
}

/** What {@link judgeGate} needs besides the checks. */
export interface JudgeGateInput {
  readonly from: Phase;
  readonly to: Phase;
  readonly dataDate: string;
  readonly decidedBy: GateDecision['decidedBy'];
  readonly decidedAt: string;
}

/**
 * Judge a gate's checks with `@pipewell/soft-deps` (each check an upstream of the gate): open
 * when every hard check is complete and every soft one at its threshold, degraded when a soft
 * one is below 100%. Fails closed: no checks, a check that cannot be measured (bad counts, or
 * expects 0 without `whenNoneExpected: 'proceed'`) or a gate that threw (`failure`) keep it
 * shut. The reasons list every check.
 */
export async function judgeGate(
  input: JudgeGateInput,
  checks: readonly GateCheck[] | { readonly failure: unknown },
): Promise<GateDecision> {
  const base = {
    from: input.from,
    to: input.to,
    decidedBy: input.decidedBy,
    decidedAt: input.decidedAt,
  };
  if (!Array.isArray(checks)) {
    const { failure } = checks as { failure: unknown };
    const message = failure instanceof Error ? failure.message : String(failure);
    return {
      ...base,
      open: false,
      degraded: false,
      reasons: [`blocked: the gate's checks could not be measured: ${message}`],
    };
  }
  const list = checks as readonly GateCheck[];
  if (list.length === 0) {
    return {
      ...base,
      open: false,
      degraded: false,
      reasons: ['blocked: the gate measured nothing (no checks)'],
    };
  }
  const names = new Map<string, number>();
  const upstreams: Record<
    string,
    {
      kind: 'hard' | 'soft';
      threshold?: number;
      coverage: () => { expected: number; actual: number };
      description?: string;
      whenNoneExpected?: 'proceed' | 'block';
    }
  > = {};
  for (const check of list) {
    const seen = names.get(check.name) ?? 0;
    names.set(check.name, seen + 1);
    const name = seen === 0 ? check.name : `${check.name} (${seen + 1})`;
    upstreams[name] = {
      kind: check.kind ?? 'soft',
      ...(check.threshold === undefined ? {} : { threshold: check.threshold }),
      coverage: () => ({ expected: check.expected, actual: check.actual }),
      ...(check.description === undefined ? {} : { description: check.description }),
      ...(check.whenNoneExpected === undefined ? {} : { whenNoneExpected: check.whenNoneExpected }),
    };
  }
  const gateName = `gate_${input.from}_${input.to}`;
  let decision: Awaited<ReturnType<typeof evaluateDependencies>>;
  try {
    const map = createDependencyMap({ processors: { [gateName]: { upstreams } } });
    decision = await evaluateDependencies(map, gateName, input.dataDate);
  } catch (error) {
    return judgeGate(input, { failure: error });
  }
  const descriptions = new Map(
    Object.entries(upstreams).map(([name, upstream]) => [name, upstream.description]),
  );
  // The decision, then one line per check, passed or failed.
  const lines = decision.perUpstream.map((result) => {
    const description = descriptions.get(result.name);
    return description === undefined ? result.reason : `${result.reason} (${description})`;
  });
  return {
    ...base,
    open: decision.decision !== 'blocked',
    degraded: decision.decision === 'degraded',
    reasons: [decision.reasons[0] ?? decision.decision, ...lines],
  };
}
