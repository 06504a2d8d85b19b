import { ident, type SqlQuery, sql, typed } from '@pipewell/clients/sql';
import {
  type Coverage,
  createDependencyGuard,
  createDependencyMap,
  type DecisionSink,
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
}

/**
 * Run `work` for `processor` on `ctx.dataDate` under a soft-dependency check of `upstreams`:
 * blocked -> {@link UpstreamCoverageError} (transient) and `work` never runs; degraded -> `work`
 * runs and `ctx.markDegraded` gets the soft-deps reasons (upstream, counts, coverage, threshold).
 */
export async function withUpstreams(
  processor: string,
  upstreams: Readonly<Record<string, PrecomputeUpstream>>,
  ctx: ProcessorContext,
  options: PrecomputeOptions,
  work: () => Promise<number>,
): Promise<number> {
  // Coverage functions see only the date, so the map closes over this run's warehouse.
  const config: Record<string, UpstreamConfig> = {};
  for (const [name, upstream] of Object.entries(upstreams)) {
    config[name] = {
      kind: 'soft',
      threshold: upstream.threshold,
      description: upstream.description,
      coverage: (dataDate, { signal }) =>
        upstream.coverage(ctx.warehouse, dataDate, signal ?? ctx.signal),
    };
  }
  const map = createDependencyMap({ processors: { [processor]: { upstreams: config } } });
  const guard = createDependencyGuard({
    map,
    clock: ctx.clock,
    logger: ctx.logger,
    ...(options.sink === undefined ? {} : { sink: options.sink }),
  });
  const outcome = await guard.run(
    { processorName: processor, dataDate: ctx.dataDate, runId: ctx.runId, signal: ctx.signal },
    work,
  );
  if (outcome.status === 'skipped') throw new UpstreamCoverageError(outcome.decision);
  if (outcome.status === 'ran-degraded') ctx.markDegraded(outcome.decision.reasons.join('; '));
  return outcome.result;
}
