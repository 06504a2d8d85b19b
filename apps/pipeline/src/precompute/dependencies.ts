import { ident, type SqlQuery, sql, typed } from '@pipewell/clients/sql';
import type { Clock, Logger } from '@pipewell/core';
import {
  type Coverage,
  createDependencyGuard,
  createDependencyMap,
  type DecisionSink,
  type DependencyGuard,
  type UpstreamConfig,
} from '@pipewell/soft-deps';
import { upcomingTeamGameContext } from '../catalog/index.js';
import type { ProcessorContext } from '../runtime/index.js';
import type { AnyTable, Warehouse } from '../warehouse/index.js';
import { addDays } from './dates.js';
import { UpstreamCoverageError } from './errors.js';

/** Measure one upstream of a precompute run: counts for the soft-deps check. */
export type UpstreamCoverage = (
  warehouse: Warehouse,
  dataDate: string,
  signal: AbortSignal,
) => Promise<Coverage>;

/** One upstream of a precompute processor: its soft threshold and how its coverage is measured. */
export interface PrecomputeUpstream {
  /** Soft threshold in (0, 1]: below it the run fails, from it to 100% it runs degraded. */
  readonly threshold: number;
  readonly coverage: UpstreamCoverage;
  readonly description: string;
}

/**
 * Coverage of a precompute output for `dataDate`: expected = the rows of `expected` (a sub-query
 * of one `keyColumn`); actual = how many of them have a row in `table` at `analysis_date` D.
 */
export function outputCoverage(
  table: AnyTable,
  keyColumn: 'player_lookup' | 'team',
  expected: (dataDate: string) => SqlQuery,
): UpstreamCoverage {
  return async (warehouse, dataDate, signal) => {
    const key = ident(keyColumn);
    const [row] = await warehouse.query<{ expected: number; actual: number }>(
      sql`SELECT COUNT(*) AS expected, COUNT(o.${key}) AS actual
        FROM (${expected(dataDate)}) AS e
        LEFT JOIN (SELECT DISTINCT ${key} FROM ${ident(table.name)}
          WHERE analysis_date = ${typed(dataDate, 'DATE')}) AS o ON o.${key} = e.${key}`,
      { signal },
    );
    return { expected: row?.expected ?? 0, actual: row?.actual ?? 0 };
  };
}

/**
 * Freshness of a completed-game history table (team-keyed, by `game_date`) for `dataDate`:
 * expected = teams of the date's upcoming team context that played before this season
 * (`days_rest` not NULL); actual = those whose previous game (D - days_rest - 1) has rows in
 * `table`. It catches yesterday's box scores not having arrived.
 */
export function historyFreshness(table: AnyTable): UpstreamCoverage {
  return async (warehouse, dataDate, signal) => {
    const teams = await warehouse.query<{ team: string; days_rest: number }>(
      sql`SELECT team, days_rest FROM ${ident(upcomingTeamGameContext.name)}
        WHERE game_date = ${typed(dataDate, 'DATE')} AND days_rest IS NOT NULL`,
      { signal },
    );
    if (teams.length === 0) return { expected: 0, actual: 0 };
    const previous = new Map(teams.map((t) => [t.team, addDays(dataDate, -(t.days_rest + 1))]));
    const earliest = [...previous.values()].sort()[0] ?? dataDate;
    const seen = await warehouse.query<{ team: string; game_date: string }>(
      sql`SELECT DISTINCT team, game_date FROM ${ident(table.name)}
        WHERE game_date >= ${typed(earliest, 'DATE')} AND game_date < ${typed(dataDate, 'DATE')}
          AND team IN (SELECT * FROM UNNEST(${[...previous.keys()]}))`,
      { signal },
    );
    const found = new Set(seen.map((row) => `${row.team}|${row.game_date}`));
    const actual = [...previous].filter(([team, date]) => found.has(`${team}|${date}`)).length;
    return { expected: previous.size, actual };
  };
}

/** Options of the precompute processors. */
export interface PrecomputeOptions {
  /** Where degraded and blocked dependency decisions are recorded (the dashboard's). @default none */
  readonly sink?: DecisionSink;
  /** The time of the decisions recorded in `sink`. @default systemClock */
  readonly clock?: Clock;
  /** Where a failing `sink` is logged. @default silentLogger */
  readonly logger?: Logger;
}

/**
 * The soft-dependency guard of one precompute processor, built once with its definition: every
 * upstream is soft at its threshold, and each coverage function measures the warehouse of the run
 * it is given as `context`. An upstream expecting 0 rows proceeds (`whenNoneExpected`): here 0
 * means no history yet (opening day), and the run then writes an empty partition.
 */
export function precomputeGuard(
  processor: string,
  upstreams: Readonly<Record<string, PrecomputeUpstream>>,
  options: PrecomputeOptions,
): DependencyGuard<ProcessorContext> {
  const config: Record<string, UpstreamConfig<ProcessorContext>> = {};
  for (const [name, upstream] of Object.entries(upstreams)) {
    config[name] = {
      kind: 'soft',
      threshold: upstream.threshold,
      description: upstream.description,
      whenNoneExpected: 'proceed',
      coverage: (dataDate, { context, signal }) =>
        upstream.coverage(context.warehouse, dataDate, signal ?? context.signal),
    };
  }
  const map = createDependencyMap<ProcessorContext>({
    processors: { [processor]: { upstreams: config } },
  });
  return createDependencyGuard({
    map,
    ...(options.sink === undefined ? {} : { sink: options.sink }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}

/**
 * Run `work` for `ctx.processor` on `ctx.dataDate` under `guard`'s soft-dependency check, `ctx`
 * its coverage context: blocked -> {@link UpstreamCoverageError} (transient) and `work` never
 * runs; degraded -> `work` runs and `ctx.markDegraded` gets the soft-deps reasons (upstream,
 * counts, coverage, threshold).
 */
export async function withUpstreams(
  guard: DependencyGuard<ProcessorContext>,
  processor: string,
  ctx: ProcessorContext,
  work: () => Promise<number>,
): Promise<number> {
  const outcome = await guard.run(
    {
      processorName: processor,
      dataDate: ctx.dataDate,
      runId: ctx.runId,
      signal: ctx.signal,
      context: ctx,
    },
    work,
  );
  if (outcome.status === 'skipped') throw new UpstreamCoverageError(outcome.decision);
  if (outcome.status === 'ran-degraded') ctx.markDegraded(outcome.decision.reasons.join('; '));
  return outcome.result;
}
