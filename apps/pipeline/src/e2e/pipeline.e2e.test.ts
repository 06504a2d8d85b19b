import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ident, sql, typed } from '@pipewell/clients/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bdlPlayerBoxscores,
  espnTeamRosters,
  mlFeatureStore,
  nbacSchedule,
  oddsApiPlayerProps,
  playerCompositeFactors,
  playerDailyCache,
  playerGameSummary,
  playerPropPredictions,
  playerShotZoneAnalysis,
  predictionAccuracy,
  teamDefenseGameSummary,
  teamDefenseZoneAnalysis,
  teamOffenseGameSummary,
  upcomingPlayerGameContext,
  upcomingTeamGameContext,
} from '../catalog/index.js';
import { addDays } from '../cli/index.js';
import { openDataDir } from '../data-dir/index.js';
import type { PhaseRecord } from '../orchestration/types.js';
import {
  type AnyTable,
  processorRunHistory,
  scraperExecutionLog,
  type Warehouse,
} from '../warehouse/index.js';
import {
  type CliRun,
  countsBy,
  pipewell,
  readRecords,
  readWarehouse,
  scalar,
  tableCensus,
} from './harness.js';
import { leagueExpectations } from './league-expectations.js';

/**
 * The pipeline end to end: `runCli` with the real engine in a temporary data directory, two
 * consecutive dates, every phase's rows checked against numbers drawn from the league itself.
 */

const first = '2026-01-23';
const second = '2026-01-24';
/**
 * Days of history before the first date: enough for players to have the 3 games a prediction
 * needs and for the linear model's 30 training rows (with 3 days only the baseline predicts).
 */
const historyDays = 8;
const expectations = leagueExpectations(42);

const d = (value: string) => typed(value, 'DATE');
const t = (table: AnyTable) => ident(table.name);

/** Every date the two runs ran, with the phases the plan gave it. */
const history = Array.from({ length: historyDays }, (_, i) =>
  addDays(first, i - historyDays),
).filter((date) => expectations.isPipelineDate(date));
const phasesOf = (date: string): number[] =>
  date === first || date === second
    ? [1, 2, 3, 4, 5, 6]
    : date === addDays(first, -1)
      ? [1, 2, 3, 4, 5]
      : [1, 2, 3];
const allDates = [...history, first, second];
const datesWith = (phase: number) => allDates.filter((date) => phasesOf(date).includes(phase));

let root: string;
let dataDir: string;
let warehousePath: string;
let runs: { first: CliRun; second: CliRun };

/** The teams whose ESPN roster payloads phase 1 stored for `date`. */
async function rosterTeamsFetched(date: string): Promise<string[]> {
  const names = await readdir(join(dataDir, 'objects', 'raw', 'espn', 'roster', date));
  return names.map((name) => name.replace(/\.json$/, '')).sort();
}

const inWarehouse = <T>(use: (warehouse: Warehouse) => Promise<T>) =>
  readWarehouse(warehousePath, use);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipewell-e2e-'));
  dataDir = join(root, 'data');
  warehousePath = join(dataDir, 'warehouse.duckdb');
  const common = ['--data-dir', dataDir, '--history-days', String(historyDays), '--plain'];
  runs = {
    first: await pipewell(['run', '--date', first, ...common]),
    second: await pipewell(['run', '--date', second, ...common]),
  };
}, 180_000);

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('two consecutive dates through the CLI', () => {
  it('runs both dates with the history the plan asks for', () => {
    expect(runs.first.stderr).toEqual([]);
    expect(runs.second.stderr).toEqual([]);
    expect(runs.first.code).toBe(0);
    expect(runs.second.code).toBe(0);
    for (const date of [...history, first]) expect(runs.first.stdout).toContain(date);
  });

  it('leaves every phase record of every date complete', async () => {
    const records = await readRecords(dataDir, allDates);
    const problems: string[] = [];
    for (const date of allDates) {
      const got = records.get(date) ?? [];
      expect(
        got.map((record) => record.phase),
        date,
      ).toEqual(phasesOf(date));
      for (const record of got) {
        const degradedGate = record.gate?.degraded === true ? ' (gate degraded)' : '';
        if (record.status !== 'complete' || degradedGate !== '') {
          problems.push(`${date} phase ${record.phase}: ${record.status}${degradedGate}`);
        }
        const failed = Object.entries(record.reports).filter(([, r]) => r.status === 'failed');
        expect(failed, `${date} phase ${record.phase}`).toEqual([]);
      }
    }
    expect(problems).toEqual([]);
    const status = await pipewell(['status', '--date', second, '--data-dir', dataDir]);
    expect(status.code).toBe(0);
    expect(status.stderr).toEqual([]);
  });

  it('phase 1: five successful scraper runs per date, each with the rows the league serves', async () => {
    const log = await inWarehouse((w) =>
      w.query<{ data_date: string; scraper: string; status: string; row_count: number }>(
        sql`SELECT data_date, scraper, status, row_count FROM ${t(scraperExecutionLog)}`,
      ),
    );
    const got = log.map((r) => `${r.data_date} ${r.scraper} ${r.status} ${r.row_count}`).sort();
    const sum = (counts: Record<string, number>) =>
      Object.values(counts).reduce((a, b) => a + b, 0);
    const expected = allDates.flatMap((date) => {
      const rosters = sum(expectations.rosterSizes(expectations.allTeams()));
      const playing = sum(expectations.rosterSizes(expectations.teamsOn(date)));
      return [
        `${date} balldontlie-stats success ${sum(expectations.boxLines(addDays(date, -1)))}`,
        // All 30 rosters, or those of the teams playing (the roster scraper may narrow to them).
        `${date} espn-rosters success ${got.includes(`${date} espn-rosters success ${playing}`) ? playing : rosters}`,
        `${date} nbacom-schedule success ${expectations.seasonGames}`,
        `${date} odds-api-events success ${expectations.gameKeys(date).length}`,
        `${date} odds-api-player-props success ${sum(expectations.propLines(date))}`,
      ];
    });
    expect(got).toEqual(expected.sort());
  });

  it('phase 2: raw schedule, box scores of D-1, rosters of D and props of D match the league', async () => {
    await inWarehouse(async (w) => {
      expect(await w.count(nbacSchedule)).toBe(expectations.seasonGames);
      expect(expectations.seasonGames).toBe(1230);
      for (const date of allDates) {
        const yesterday = addDays(date, -1);
        expect(
          await countsBy(
            w,
            sql`SELECT game_key AS k, COUNT(*) AS n FROM ${t(bdlPlayerBoxscores)}
                WHERE game_date = ${d(yesterday)} GROUP BY game_key`,
          ),
          `box-score lines of ${yesterday}`,
        ).toEqual(expectations.boxLines(yesterday));
        const teams = await rosterTeamsFetched(date);
        expect(
          [expectations.allTeams(), expectations.teamsOn(date)],
          `roster teams fetched on ${date}: all 30, or those playing`,
        ).toContainEqual(teams);
        expect(
          await countsBy(
            w,
            sql`SELECT team AS k, COUNT(*) AS n FROM ${t(espnTeamRosters)}
                WHERE roster_date = ${d(date)} GROUP BY team`,
          ),
          `roster rows of ${date}`,
        ).toEqual(expectations.rosterSizes(teams));
        expect(
          await countsBy(
            w,
            sql`SELECT game_key AS k, COUNT(*) AS n FROM ${t(oddsApiPlayerProps)}
                WHERE game_date = ${d(date)} GROUP BY game_key`,
          ),
          `prop lines of ${date}`,
        ).toEqual(expectations.propLines(date));
      }
      // Nothing beyond the dates run: box scores only of the days before them.
      const boxDates = await countsBy(
        w,
        sql`SELECT CAST(game_date AS VARCHAR) AS k, COUNT(*) AS n FROM ${t(bdlPlayerBoxscores)} GROUP BY 1`,
      );
      expect(Object.keys(boxDates)).toEqual(
        allDates
          .map((date) => addDays(date, -1))
          .filter((g) => expectations.gameKeys(g).length > 0),
      );
    });
  });

  it('phase 3: summaries of D-1 and contexts of D cover every game', async () => {
    await inWarehouse(async (w) => {
      for (const date of allDates) {
        const yesterday = addDays(date, -1);
        const keys = expectations.gameKeys(yesterday);
        const perGame = (table: AnyTable, gameDate: string) =>
          countsBy(
            w,
            sql`SELECT game_key AS k, COUNT(*) AS n FROM ${t(table)}
                WHERE game_date = ${d(gameDate)} GROUP BY game_key`,
          );
        const two = (gameKeys: string[]) => Object.fromEntries(gameKeys.map((k) => [k, 2]));
        expect(
          await perGame(playerGameSummary, yesterday),
          `player_game_summary ${yesterday}`,
        ).toEqual(await perGame(bdlPlayerBoxscores, yesterday));
        expect(await perGame(playerGameSummary, yesterday)).toEqual(
          expectations.boxLines(yesterday),
        );
        expect(await perGame(teamOffenseGameSummary, yesterday)).toEqual(two(keys));
        expect(await perGame(teamDefenseGameSummary, yesterday)).toEqual(two(keys));
        const today = expectations.gameKeys(date);
        expect(await perGame(upcomingPlayerGameContext, date), `contexts ${date}`).toEqual(
          expectations.rosteredPerGame(date),
        );
        expect(await perGame(upcomingTeamGameContext, date)).toEqual(two(today));
      }
    });
  });

  it('phase 4: precompute outputs and feature store rows for D', async () => {
    await inWarehouse(async (w) => {
      for (const date of datesWith(4)) {
        for (const table of [
          playerShotZoneAnalysis,
          teamDefenseZoneAnalysis,
          playerDailyCache,
          playerCompositeFactors,
        ]) {
          const rows = await scalar(
            w,
            sql`SELECT COUNT(*) AS n FROM ${t(table)} WHERE analysis_date = ${d(date)}`,
          );
          expect(rows, `${table.name} ${date}`).toBeGreaterThan(0);
        }
        const features = await countsBy(
          w,
          sql`SELECT game_key AS k, COUNT(*) AS n FROM ${t(mlFeatureStore)}
              WHERE game_date = ${d(date)} GROUP BY game_key`,
        );
        expect(Object.keys(features), `ml_feature_store ${date}`).toEqual(
          expectations.gameKeys(date),
        );
      }
    });
  });

  it('phase 5: active predictions of both systems for the games of D', async () => {
    await inWarehouse(async (w) => {
      for (const date of datesWith(5)) {
        const bySystem = await countsBy(
          w,
          sql`SELECT system_id AS k, COUNT(*) AS n FROM ${t(playerPropPredictions)}
              WHERE game_date = ${d(date)} AND is_active = ${true} GROUP BY system_id`,
        );
        expect(Object.keys(bySystem), `systems ${date}`).toEqual([
          'linear_model',
          'moving_average_baseline',
        ]);
        const strays = await scalar(
          w,
          sql`SELECT COUNT(*) AS n FROM ${t(playerPropPredictions)} AS p
              WHERE p.game_date = ${d(date)} AND p.game_key NOT IN (
                SELECT f.game_key FROM ${t(mlFeatureStore)} AS f WHERE f.game_date = ${d(date)})`,
        );
        expect(strays, `predictions of ${date} outside its games`).toBe(0);
      }
    });
  });

  it("phase 6: grades D-1's predictions, voiding only players who did not play, and exports", async () => {
    await inWarehouse(async (w) => {
      for (const date of datesWith(6)) {
        const yesterday = addDays(date, -1);
        const played = expectations.playedOn(yesterday);
        const graded = await w.query<{ player_lookup: string; is_voided: boolean }>(
          sql`SELECT player_lookup, is_voided FROM ${t(predictionAccuracy)}
              WHERE game_date = ${d(yesterday)}`,
        );
        const voided = new Set(graded.filter((r) => r.is_voided).map((r) => r.player_lookup));
        const kept = new Set(graded.filter((r) => !r.is_voided).map((r) => r.player_lookup));
        expect(kept.size, `graded players of ${yesterday}`).toBeGreaterThan(0);
        expect(
          [...voided].filter((p) => played.has(p)),
          `voided but played ${yesterday}`,
        ).toEqual([]);
        expect(
          [...kept].filter((p) => !played.has(p)),
          `graded but idle ${yesterday}`,
        ).toEqual([]);
        const active = await scalar(
          w,
          sql`SELECT COUNT(*) AS n FROM ${t(playerPropPredictions)}
              WHERE game_date = ${d(yesterday)} AND is_active = ${true}`,
        );
        expect(graded.length, `every active prediction of ${yesterday} graded`).toBe(active);

        const predictions = JSON.parse(
          await readFile(
            join(dataDir, 'objects', 'exports', 'predictions', `${date}.json`),
            'utf8',
          ),
        ) as { gameDate: string; predictions: number };
        expect(predictions.gameDate).toBe(date);
        expect(predictions.predictions).toBe(
          await scalar(
            w,
            sql`SELECT COUNT(*) AS n FROM ${t(playerPropPredictions)}
                WHERE game_date = ${d(date)} AND is_active = ${true}`,
          ),
        );
        const results = JSON.parse(
          await readFile(
            join(dataDir, 'objects', 'exports', 'results', `${yesterday}.json`),
            'utf8',
          ),
        ) as { gameDate: string };
        expect(results.gameDate).toBe(yesterday);
      }
    });
  });

  it('records one finished processor run per run', async () => {
    const records = await readRecords(dataDir, allDates);
    await inWarehouse(async (w) => {
      const runRows = await w.query<{ run_id: string; status: string; finished: boolean }>(
        sql`SELECT run_id, status, finished_at IS NOT NULL AS finished FROM ${t(processorRunHistory)}`,
      );
      expect(runRows.filter((r) => r.status === 'running' || !r.finished)).toEqual([]);
      const byRun = new Map(runRows.map((r) => [r.run_id, r.status]));
      expect(byRun.size).toBe(runRows.length);
      const reported = [...records.values()]
        .flat()
        .filter((record: PhaseRecord) => record.phase >= 2)
        .flatMap((record) =>
          Object.entries(record.reports)
            .filter(([name]) => name !== 'prediction_batch')
            .map(([name, report]) => ({ name, runId: report.runId, status: report.status })),
        );
      expect(reported.length).toBeGreaterThan(0);
      expect(
        reported.filter((r) => byRun.get(r.runId) !== r.status),
        'reported runs missing from processor_run_history or with another status',
      ).toEqual([]);
      // Each processor ran once per date: its one report, no second run behind it.
      const runsPerProcessor = await countsBy(
        w,
        sql`SELECT CAST(data_date AS VARCHAR) || ' ' || processor AS k, COUNT(*) AS n
            FROM ${t(processorRunHistory)} GROUP BY 1`,
      );
      const expected = Object.fromEntries(
        [...records.entries()]
          .flatMap(([date, list]) =>
            list
              .filter((record) => record.phase >= 2)
              .flatMap((record) =>
                Object.keys(record.reports)
                  .filter((name) => name !== 'prediction_batch')
                  .map((name) => `${date} ${name}`),
              ),
          )
          .sort()
          .map((key) => [key, 1]),
      );
      expect(runsPerProcessor).toEqual(expected);
    });
  });

  it('holds no duplicate key in any table, and a re-run changes no data', async () => {
    const before = await inWarehouse(tableCensus);
    const duplicated = (census: typeof before) =>
      Object.entries(census).filter(([, c]) => c.duplicates > 0);
    expect(duplicated(before)).toEqual([]);

    const again = await pipewell([
      'run',
      '--date',
      second,
      '--data-dir',
      dataDir,
      '--history-days',
      String(historyDays),
      '--plain',
    ]);
    expect(again.stderr).toEqual([]);
    expect(again.code).toBe(0);
    // The history is complete: the re-run runs the asked date only.
    const ranDates = new Set(again.stdout.match(/^\d{4}-\d\d-\d\d/gm));
    expect([...ranDates]).toEqual([second]);
    const records = (await readRecords(dataDir, [second])).get(second) ?? [];
    expect(records.map((r) => `${r.phase} ${r.status}`)).toEqual(
      [1, 2, 3, 4, 5, 6].map((phase) => `${phase} complete`),
    );

    const after = await inWarehouse(tableCensus);
    expect(duplicated(after)).toEqual([]);
    const bookkeeping = new Set([scraperExecutionLog.name, processorRunHistory.name]);
    const data = (census: typeof before) =>
      Object.fromEntries(
        Object.entries(census)
          .filter(([name]) => !bookkeeping.has(name))
          .map(([name, c]) => [name, c.rows]),
      );
    expect(data(after)).toEqual(data(before));
    for (const [, c] of Object.entries(data(after))) expect(c).toBeGreaterThan(0);
    expect(after[scraperExecutionLog.name]?.rows).toBe(
      (before[scraperExecutionLog.name]?.rows ?? 0) + 5,
    );
    const running = await inWarehouse((w) =>
      scalar(w, sql`SELECT COUNT(*) AS n FROM ${t(processorRunHistory)} WHERE status = 'running'`),
    );
    expect(running).toBe(0);
  }, 120_000);
});

describe('a second command on a busy data directory', () => {
  it('is refused in one line naming the holder, with a non-zero exit', async () => {
    const path = join(root, 'busy');
    await using holder = await openDataDir(path, { command: 'pipewell backfill' });
    const busy = new RegExp(
      `^pipewell run: pipewell backfill \\(pid ${process.pid}\\) is using ${holder.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} since \\d\\d:\\d\\d; wait for it or stop it$`,
    );
    const run = await pipewell(['run', '--date', second, '--data-dir', path, '--plain']);
    expect(run.code).toBe(2);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(busy);
    const status = await pipewell(['status', '--date', second, '--data-dir', path]);
    expect(status.code).toBe(2);
    expect(status.stderr).toHaveLength(1);
    expect(status.stderr[0]).toContain(`pipewell backfill (pid ${process.pid}) is using`);
  }, 30_000);
});

describe('bad input', () => {
  it.each([
    ['a malformed date', ['--date', '2026-13-45'], /--date/],
    ['a date without games', ['--date', '2026-02-15'], /2026-02-15 has no games/],
    ['an unknown phase', ['--date', second, '--phases', '1-9'], /phase/i],
  ])('refuses %s in one line, writing nothing', async (_, args, message) => {
    const path = join(root, `bad-${args.join('')}`);
    const run = await pipewell(['run', ...args, '--data-dir', path, '--plain']);
    expect(run.code).toBe(2);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(/^pipewell run: /);
    expect(run.stderr[0]).toMatch(message);
    expect(run.stdout).toBe('');
    expect(existsSync(path)).toBe(false);
  });
});
