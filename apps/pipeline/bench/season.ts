// Season benchmark of the embedded pipeline: one date, one week, one month and the whole
// 2025-26 season, each from a fresh data directory through the real CLI (`runCli` on
// `openPipelineEngine`, history days planned as `pipewell run` plans them). Prints wall time,
// rows written per second, peak RSS and ms per game per case, a least-squares fit of wall time
// against games, the slowest processors, and the MAE of each prediction system against a
// season-average-to-date baseline. A benchmark, not a test: it asserts nothing.
//
// Run (from the repository root):
//   npx tsx --conditions=@pipewell/source apps/pipeline/bench/season.ts [--cases date,week,month,season] [--json out.json] [--keep]
// Each case runs in its own child process so its peak RSS is its own.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from '@pipewell/clients/sql';
import { openPipelineEngine } from '../src/app/index.js';
import { runCli } from '../src/cli/index.js';
import { generateLeague } from '../src/league/index.js';
import type { DateOutcome, PipelineEngine } from '../src/orchestration/types.js';
import { openDuckDbWarehouse, type Warehouse } from '../src/warehouse/index.js';

const seed = 42;
const firstTarget = '2026-01-24';

interface CaseSpec {
  readonly name: string;
  /** `pipewell run` arguments besides `--data-dir` and `--plain`. */
  readonly args: readonly string[];
}

/** The game dates of the built-in league, in order. */
function gameDates(): string[] {
  const league = generateLeague({ seed });
  return [...new Set(league.games.map((game) => game.date))].sort();
}

function caseSpecs(): CaseSpec[] {
  const dates = gameDates();
  const start = dates.indexOf(firstTarget);
  const nth = (count: number) => dates[start + count - 1] as string;
  return [
    { name: 'date', args: ['--date', firstTarget] },
    { name: 'week', args: ['--from', firstTarget, '--to', nth(7)] },
    { name: 'month', args: ['--from', firstTarget, '--to', nth(30)] },
    { name: 'season', args: ['--season', '2025-26'] },
  ];
}

interface ProcessorFigure {
  readonly phase: number;
  readonly processor: string;
  readonly runs: number;
  readonly meanMs: number;
  readonly totalMs: number;
}

interface MaeFigure {
  readonly market: string;
  readonly rows: number;
  readonly linearModel: number;
  readonly movingAverage: number;
  readonly seasonAverage: number;
}

interface CaseResult {
  readonly name: string;
  readonly args: readonly string[];
  readonly exitCode: number;
  /** `runDate` calls: history days, the previous day and the targets. */
  readonly steps: number;
  readonly targets: number;
  /** Scheduled games summed over every step's date. */
  readonly games: number;
  readonly wallMs: number;
  /** User and system CPU time of the whole process (DuckDB's threads included). */
  readonly cpuMs: number;
  /** Time inside `runDate` (the rest opens the app, plans, and closes). */
  readonly runDateMs: number;
  /** Wall time from the previous phase's end (or the date's start) to each phase's end, summed over the dates. */
  readonly phaseMs: Readonly<Record<number, number>>;
  /** Rows the processor and scraper runs reported (`rows_processed`, `row_count`). */
  readonly rowsWritten: number;
  readonly peakRssMb: number;
  readonly processors: ProcessorFigure[];
  readonly mae: MaeFigure[];
  readonly dataDir: string;
}

function nullStream() {
  return { write: () => true };
}

async function scalarRows<T>(warehouse: Warehouse, text: ReturnType<typeof sql>): Promise<T[]> {
  return warehouse.query<T & Record<string, unknown>>(text);
}

async function processorFigures(warehouse: Warehouse): Promise<ProcessorFigure[]> {
  const rows = await scalarRows<{
    phase: number;
    processor: string;
    runs: number;
    total_ms: number;
  }>(
    warehouse,
    sql`SELECT phase, processor, COUNT(*) AS runs,
          SUM(EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000) AS total_ms
        FROM nba_reference.processor_run_history
        WHERE finished_at IS NOT NULL
        GROUP BY phase, processor`,
  );
  const scrapers = await scalarRows<{ processor: string; runs: number; total_ms: number }>(
    warehouse,
    sql`SELECT scraper AS processor, COUNT(*) AS runs,
          SUM(EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000) AS total_ms
        FROM nba_orchestration.scraper_execution_log
        WHERE finished_at IS NOT NULL
        GROUP BY scraper`,
  );
  return [...scrapers.map((row) => ({ ...row, phase: 1 })), ...rows]
    .map((row) => ({
      phase: Number(row.phase),
      processor: row.processor,
      runs: Number(row.runs),
      totalMs: Number(row.total_ms),
      meanMs: Number(row.total_ms) / Number(row.runs),
    }))
    .sort((a, b) => b.totalMs - a.totalMs);
}

async function rowsWritten(warehouse: Warehouse): Promise<number> {
  const [processors] = await scalarRows<{ n: number | null }>(
    warehouse,
    sql`SELECT SUM(rows_processed) AS n FROM nba_reference.processor_run_history
        WHERE status IN ('success', 'degraded')`,
  );
  const [scrapers] = await scalarRows<{ n: number | null }>(
    warehouse,
    sql`SELECT SUM(row_count) AS n FROM nba_orchestration.scraper_execution_log
        WHERE status = 'success'`,
  );
  return Number(processors?.n ?? 0) + Number(scrapers?.n ?? 0);
}

/**
 * MAE per market of both systems and of a season-average-to-date baseline (the player's mean of
 * the stat over the games he played before the game's date, from player_game_summary), on the
 * graded rows all three cover: neither voided, both systems graded, at least one earlier game.
 */
async function maeFigures(warehouse: Warehouse): Promise<MaeFigure[]> {
  const rows = await scalarRows<{
    market: string;
    n: number;
    linear: number;
    moving: number;
    season: number;
  }>(
    warehouse,
    sql`WITH graded AS (
          SELECT game_key, player_lookup, market, game_date, actual_value,
            MAX(CASE WHEN system_id = 'linear_model' THEN absolute_error END) AS linear_error,
            MAX(CASE WHEN system_id = 'moving_average_baseline' THEN absolute_error END) AS moving_error
          FROM nba_predictions.prediction_accuracy
          WHERE NOT is_voided AND absolute_error IS NOT NULL
          GROUP BY game_key, player_lookup, market, game_date, actual_value
        ),
        season AS (
          SELECT g.game_key, g.player_lookup, g.market,
            AVG(CASE g.market
                  WHEN 'player_points' THEN p.points
                  WHEN 'player_rebounds' THEN p.rebounds
                  WHEN 'player_assists' THEN p.assists END) AS season_avg
          FROM graded AS g
          JOIN nba_analytics.player_game_summary AS p
            ON p.player_lookup = g.player_lookup AND p.game_date < g.game_date AND p.played
          GROUP BY g.game_key, g.player_lookup, g.market
        )
        SELECT g.market, COUNT(*) AS n,
          AVG(g.linear_error) AS linear,
          AVG(g.moving_error) AS moving,
          AVG(ABS(s.season_avg - g.actual_value)) AS season
        FROM graded AS g
        JOIN season AS s USING (game_key, player_lookup, market)
        WHERE g.linear_error IS NOT NULL AND g.moving_error IS NOT NULL
        GROUP BY g.market
        ORDER BY g.market`,
  );
  return rows.map((row) => ({
    market: row.market,
    rows: Number(row.n),
    linearModel: Number(row.linear),
    movingAverage: Number(row.moving),
    seasonAverage: Number(row.season),
  }));
}

/** Child: run one case through the CLI and report its figures to the parent. */
async function runCase(spec: CaseSpec, keep: boolean): Promise<CaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), `pipewell-bench-${spec.name}-`));
  const outcomes: DateOutcome[] = [];
  let runDateMs = 0;
  const phaseMs: Record<number, number> = {};
  const openEngine: typeof openPipelineEngine = async (options) => {
    const engine = await openPipelineEngine(options);
    const timed: PipelineEngine = {
      ...engine,
      runDate: async (date, runOptions) => {
        const started = performance.now();
        let mark = started;
        const outcome = await engine.runDate(date, {
          ...runOptions,
          onEvent: (event) => {
            // Phases overlap (phase 2 starts on the first scraper's completion), so each phase is
            // charged the time from the previous phase's end to its own.
            if (event.type === 'phase-finished') {
              const now = performance.now();
              const phase = event.record.phase;
              phaseMs[phase] = (phaseMs[phase] ?? 0) + now - mark;
              mark = now;
            }
            runOptions?.onEvent?.(event);
          },
        });
        runDateMs += performance.now() - started;
        outcomes.push(outcome);
        return outcome;
      },
    };
    return timed;
  };
  const args = ['run', ...spec.args, '--data-dir', dataDir, '--plain'];
  const started = performance.now();
  const exitCode = await runCli(
    args,
    { stdout: nullStream(), stderr: process.stderr, env: {}, isTTY: false },
    { openEngine },
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  await using warehouse = await openDuckDbWarehouse({
    path: join(dataDir, 'warehouse.duckdb'),
    readOnly: true,
  });
  const result: CaseResult = {
    name: spec.name,
    args: spec.args,
    exitCode,
    steps: outcomes.length,
    targets: outcomes.filter((o) => o.phases.some((p) => p.phase === 6)).length,
    games: outcomes.reduce((sum, o) => sum + o.games, 0),
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    runDateMs,
    phaseMs,
    rowsWritten: await rowsWritten(warehouse),
    peakRssMb,
    processors: await processorFigures(warehouse),
    mae: await maeFigures(warehouse),
    dataDir,
  };
  await warehouse.close();
  if (!keep) rmSync(dataDir, { recursive: true, force: true });
  return result;
}

function runChild(spec: CaseSpec, keep: boolean): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      fileURLToPath(import.meta.url),
      ['--child', spec.name, ...(keep ? ['--keep'] : [])],
      {
        execArgv: process.execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    let result: CaseResult | undefined;
    child.on('message', (message) => {
      result = message as CaseResult;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`case ${spec.name}: child exited with ${code} and no result`));
    });
  });
}

/** Least squares y = a + b·x, with R². */
function linearFit(points: ReadonlyArray<readonly [number, number]>) {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2 };
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return `| ${cells.map((c, i) => c.padStart(widths[i] as number)).join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [
    pad(header, widths),
    `|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`,
    ...rows.map((r) => pad(r, widths)),
  ].join('\n');
}

function report(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  lines.push(
    `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), seed ${seed}`,
    '',
    table(
      [
        'case',
        'targets',
        'dates run',
        'games',
        'wall s',
        'CPU s',
        'rows',
        'rows/s',
        'peak RSS MB',
        'ms/game',
        'exit',
      ],
      results.map((r) => [
        r.name,
        String(r.targets),
        String(r.steps),
        String(r.games),
        (r.wallMs / 1000).toFixed(2),
        (r.cpuMs / 1000).toFixed(2),
        String(r.rowsWritten),
        Math.round(r.rowsWritten / (r.wallMs / 1000)).toString(),
        r.peakRssMb.toFixed(0),
        (r.wallMs / Math.max(1, r.games)).toFixed(1),
        String(r.exitCode),
      ]),
    ),
  );
  if (results.length >= 2) {
    const wall = linearFit(results.map((r) => [r.games, r.wallMs / 1000] as const));
    const cpu = linearFit(results.map((r) => [r.games, r.cpuMs / 1000] as const));
    lines.push(
      '',
      `wall s = ${wall.intercept.toFixed(2)} + ${(wall.slope * 1000).toFixed(1)} ms × games  (R² ${wall.r2.toFixed(4)}, ${results.length} cases)`,
      `CPU s  = ${cpu.intercept.toFixed(2)} + ${(cpu.slope * 1000).toFixed(1)} ms × games  (R² ${cpu.r2.toFixed(4)})`,
    );
  }
  const largest = results[results.length - 1];
  if (largest !== undefined) {
    const phases = Object.entries(largest.phaseMs);
    const inPhases = phases.reduce((sum, [, ms]) => sum + ms, 0);
    lines.push(
      '',
      `wall time by phase (${largest.name}, summed over ${largest.steps} dates):`,
      table(
        ['phase', 'total s', 'ms per date'],
        [
          ...phases.map(([phase, ms]) => [
            phase,
            (ms / 1000).toFixed(2),
            (ms / largest.steps).toFixed(0),
          ]),
          [
            'after the last phase',
            ((largest.runDateMs - inPhases) / 1000).toFixed(2),
            ((largest.runDateMs - inPhases) / largest.steps).toFixed(0),
          ],
          ['outside runDate', ((largest.wallMs - largest.runDateMs) / 1000).toFixed(2), ''],
        ],
      ),
    );
    lines.push(
      '',
      `slowest processors (${largest.name}):`,
      table(
        ['phase', 'processor', 'runs', 'mean ms', 'total s'],
        largest.processors
          .slice(0, 15)
          .map((p) => [
            String(p.phase),
            p.processor,
            String(p.runs),
            p.meanMs.toFixed(1),
            (p.totalMs / 1000).toFixed(2),
          ]),
      ),
    );
    if (largest.mae.length > 0) {
      lines.push(
        '',
        `MAE over graded rows (${largest.name}; rows all three systems cover):`,
        table(
          ['market', 'rows', 'linear_model', 'moving_average_baseline', 'season avg to date'],
          largest.mae.map((m) => [
            m.market,
            String(m.rows),
            m.linearModel.toFixed(3),
            m.movingAverage.toFixed(3),
            m.seasonAverage.toFixed(3),
          ]),
        ),
      );
    }
  }
  return lines.join('\n');
}

function option(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index === -1 ? undefined : argv[index + 1];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const keep = argv.includes('--keep');
  const specs = caseSpecs();
  const childCase = option(argv, '--child');
  if (childCase !== undefined) {
    const spec = specs.find((s) => s.name === childCase);
    if (spec === undefined) throw new Error(`unknown case ${JSON.stringify(childCase)}`);
    const result = await runCase(spec, keep);
    process.send?.(result);
    return;
  }
  const wanted = (option(argv, '--cases') ?? specs.map((s) => s.name).join(',')).split(',');
  const unknown = wanted.filter((name) => !specs.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown --cases ${unknown.join(', ')}: give some of ${specs.map((s) => s.name).join(', ')}`,
    );
  }
  const results: CaseResult[] = [];
  for (const spec of specs.filter((s) => wanted.includes(s.name))) {
    process.stderr.write(`running ${spec.name}: pipewell run ${spec.args.join(' ')}\n`);
    const result = await runChild(spec, keep);
    process.stderr.write(
      `  ${spec.name}: ${(result.wallMs / 1000).toFixed(2)} s, ${result.games} games, exit ${result.exitCode}${keep ? `, data in ${result.dataDir}` : ''}\n`,
    );
    results.push(result);
  }
  process.stdout.write(`${report(results)}\n`);
  const jsonPath = option(argv, '--json');
  if (jsonPath !== undefined) writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
}

await main();
