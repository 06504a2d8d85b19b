import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataDir } from '../data-dir/index.js';
import { generateLeague } from '../league/index.js';
import type { PhaseRecord, PhaseStatus, PipelineEngine } from '../orchestration/types.js';
import { startProvider } from '../provider/index.js';
import type { Phase } from '../runtime/index.js';
import { type CliDeps, type OpenEngineOptions, runCli } from './cli.js';
import type { LeagueSchedule } from './schedule.js';
import { loadSchedule } from './schedule.js';
import {
  collector,
  createReplayEngine,
  outcome,
  phaseEvents,
  phaseRecord,
  type ReplayEngine,
  type ReplayScript,
} from './test-support.js';

/** Games on 2026-01-20, 21, 23, 24, 25, 26; none on 2026-01-22. */
function stubSchedule(): LeagueSchedule {
  const counts: Record<string, number> = {
    '2026-01-20': 6,
    '2026-01-21': 4,
    '2026-01-23': 8,
    '2026-01-24': 10,
    '2026-01-25': 3,
    '2026-01-26': 7,
  };
  return {
    season: '2025-26',
    source: 'the stub league',
    gameDates: Object.keys(counts).sort(),
    gameCount: (date) => counts[date] ?? 0,
  };
}

/** Every asked phase completes; `status` of phase 4 on `date` if given. */
function script(overrides: Record<string, { phase: Phase; status: PhaseStatus }> = {}) {
  return (date: string, phases: readonly Phase[]): ReplayScript => {
    const records: PhaseRecord[] = phases.map((phase) =>
      phaseRecord(
        phase,
        date,
        overrides[date]?.phase === phase ? (overrides[date]?.status ?? 'complete') : 'complete',
      ),
    );
    return {
      events: records.flatMap(phaseEvents),
      outcome: outcome(date, records, {
        games: 5,
        players: 120,
        predictions: 240,
        graded: 100,
        elapsedMs: 200,
      }),
    };
  };
}

let root: string;
let dataDir: string;
let engine: ReplayEngine;
let opened: OpenEngineOptions[];

function deps(extra: Partial<CliDeps> = {}): CliDeps {
  return {
    openEngine: async (options) => {
      opened.push(options);
      return engine;
    },
    loadSchedule: async () => stubSchedule(),
    ...extra,
  };
}

async function run(
  args: string[],
  options: { deps?: CliDeps; env?: Record<string, string>; isTTY?: boolean } = {},
) {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(
    ['run', ...args],
    { stdout, stderr, env: options.env ?? {}, isTTY: options.isTTY ?? false },
    options.deps ?? deps(),
  );
  return { code, stdout, stderr };
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipewell-cli-run-'));
  dataDir = join(root, 'data');
  engine = createReplayEngine(script());
  opened = [];
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pipewell run: bad input', () => {
  it.each([
    [
      [],
      'pipewell run: run needs the dates to run: --date D, --from D --to D, or --season 2025-26',
    ],
    [
      ['--date', '2026-1-24'],
      'pipewell run: option "--date" must be a calendar date as YYYY-MM-DD (got "2026-1-24")',
    ],
    [
      ['--date', '2026-02-30'],
      'pipewell run: option "--date" must be a calendar date as YYYY-MM-DD (got "2026-02-30": 2026-02 has no day 30)',
    ],
    [
      ['--date', '2026-01-24', '--season', '2025-26'],
      'pipewell run: give one of --date, --from/--to and --season (got --date and --season)',
    ],
    [['--from', '2026-01-24'], 'pipewell run: --from needs --to too'],
    [['--to', '2026-01-24'], 'pipewell run: --to needs --from too'],
    [
      ['--from', '2026-01-26', '--to', '2026-01-24'],
      'pipewell run: --from 2026-01-26 is after --to 2026-01-24',
    ],
    [
      ['--from', 'yesterday', '--to', '2026-01-24'],
      'pipewell run: option "--from" must be a calendar date as YYYY-MM-DD (got "yesterday")',
    ],
    [
      ['--date', '2026-01-22'],
      'pipewell run: 2026-01-22 has no games in the 2025-26 season (the stub league); the nearest game dates are 2026-01-21 and 2026-01-23',
    ],
    [
      ['--from', '2026-03-01', '--to', '2026-03-05'],
      'pipewell run: no games from 2026-03-01 to 2026-03-05 in the 2025-26 season (the stub league); the nearest game dates are 2026-01-26',
    ],
    [
      ['--season', '2024-25'],
      'pipewell run: unknown season "2024-25": the stub league has the 2025-26 season',
    ],
    [
      ['--date', '2026-01-24', '--phases', '7'],
      'pipewell run: --phases "7": unknown phase "7" (phases are 1-6 or scrape, raw, analytics, precompute, predictions, grading)',
    ],
    [
      ['--date', '2026-01-24', '--phases', 'scores'],
      'pipewell run: --phases "scores": unknown phase "scores" (phases are 1-6 or scrape, raw, analytics, precompute, predictions, grading)',
    ],
    [
      ['--date', '2026-01-24', '--phases', '1,3'],
      'pipewell run: --phases "1,3" is not contiguous (phases 1,3): a run of phases needs every phase between its first and last',
    ],
    [
      ['--date', '2026-01-24', '--phases', '3-1'],
      'pipewell run: --phases "3-1": the range "3-1" runs backwards',
    ],
    [
      ['--date', '2026-01-24', '--history-days', '-1'],
      'pipewell run: --history-days must be a whole number from 0 to 366 (got "-1")',
    ],
    [
      ['--date', '2026-01-24', '--seed', ' '],
      'pipewell run: --seed is empty: give a number such as 42',
    ],
    [['--date', '2026-01-24', '--bogus'], "pipewell: unknown option '--bogus'"],
  ])('%j → exit 2, one line, nothing opened or written', async (args, message) => {
    const { code, stdout, stderr } = await run([...args, '--data-dir', dataDir]);
    expect(stderr.text).toBe(`${message}\n`);
    expect(code).toBe(2);
    expect(stdout.text).toBe('');
    expect(opened).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('--help prints the usage on stdout and exits 0', async () => {
    const stdout = collector();
    const code = await runCli(
      ['run', '--help'],
      { stdout, stderr: collector(), env: {}, isTTY: false },
      deps(),
    );
    expect(code).toBe(0);
    expect(stdout.text).toContain('Usage: pipewell run [options]');
    expect(stdout.text).toContain('--history-days <days>');
    expect(opened).toEqual([]);
  });

  it('an unknown command is one line too', async () => {
    const stderr = collector();
    const code = await runCli(
      ['frobnicate'],
      { stdout: collector(), stderr, env: {}, isTTY: false },
      deps(),
    );
    expect(code).toBe(2);
    expect(stderr.text).toBe("pipewell: unknown command 'frobnicate'\n");
  });

  it('checks the date against the real league of the seed: no games in the All-Star break', async () => {
    const { code, stderr } = await run(['--date', '2026-02-15', '--data-dir', dataDir], {
      deps: deps({ loadSchedule }),
    });
    expect(code).toBe(2);
    expect(stderr.text).toBe(
      'pipewell run: 2026-02-15 has no games in the 2025-26 season (the league of seed 42); the nearest game dates are 2026-02-12 and 2026-02-19\n',
    );
    expect(opened).toEqual([]);
  });

  it('names an unreachable provider before opening anything', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { code, stderr } = await run(['--date', '2026-01-24', '--data-dir', dataDir], {
      deps: deps({ loadSchedule }),
      env: { NBA_CDN_BASE_URL: `http://127.0.0.1:${port}` },
    });
    expect(code).toBe(2);
    expect(stderr.text).toBe(
      `pipewell run: provider unreachable: cannot fetch the schedule from http://127.0.0.1:${port}/static/json/staticData/scheduleLeagueV2.json (NBA_CDN_BASE_URL): ECONNREFUSED\n`,
    );
    expect(opened).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reads the schedule from the provider NBA_CDN_BASE_URL names', async () => {
    await using provider = await startProvider({ seed: 7 });
    const schedule = await loadSchedule({
      seed: 'ignored',
      env: { NBA_CDN_BASE_URL: provider.urls.nbaCdn },
    });
    const league = generateLeague({ seed: 7 });
    expect(schedule.season).toBe('2025-26');
    expect(schedule.gameDates).toEqual([...new Set(league.games.map((game) => game.date))]);
    expect(schedule.gameCount('2026-01-24')).toBe(league.gamesOn('2026-01-24').length);
  });
});

describe('pipewell run: data directory problems', () => {
  /** An openEngine that, like the real one, opens the data directory first. */
  const openingDeps = (): CliDeps =>
    deps({
      openEngine: async (options) => {
        opened.push(options);
        const dir = await openDataDir(options.dataDir, { command: options.command });
        const close = engine.close;
        engine.close = async () => {
          await close();
          await dir.close();
        };
        return engine;
      },
    });

  it('says which process holds a busy data directory', async () => {
    await using held = await openDataDir(dataDir, { command: 'pipewell run' });
    const { code, stdout, stderr } = await run(['--date', '2026-01-24', '--data-dir', dataDir], {
      deps: openingDeps(),
    });
    expect(held.created).toBe(true);
    expect(code).toBe(2);
    expect(stdout.text).toBe('');
    expect(stderr.text).toMatch(
      new RegExp(
        `^pipewell run: pipewell run \\(pid ${process.pid}\\) is using .+ since \\d\\d:\\d\\d; wait for it or stop it\\n$`,
      ),
    );
  });

  it('names a corrupt data directory in one line, without a stack', async () => {
    await openDataDir(dataDir, { command: 'x' }).then((dir) => dir.close());
    await writeFile(join(dataDir, 'pipewell.json'), '{"kind":"something-else"}');
    const { code, stderr } = await run(['--date', '2026-01-24', '--data-dir', dataDir], {
      deps: openingDeps(),
    });
    expect(code).toBe(2);
    expect(stderr.lines()).toEqual([
      `pipewell run: ${join(dataDir, 'pipewell.json')} is corrupt (not a pipewell data directory manifest); restore it, or move ${dataDir} away to start afresh`,
    ]);
  });
});

describe('pipewell run: a date with its history', () => {
  it('plans history, runs each step with plain progress, and ends with the summary table', async () => {
    const { code, stdout, stderr } = await run([
      '--date',
      '2026-01-24',
      '--history-days',
      '3',
      '--data-dir',
      dataDir,
      '--seed',
      '7',
    ]);
    expect(stderr.text).toBe('');
    expect(code).toBe(0);
    expect(opened).toEqual([
      expect.objectContaining({ dataDir, seed: 7, env: {}, command: 'pipewell run' }),
    ]);
    expect(engine.statusCalls).toEqual(['2026-01-21', '2026-01-22', '2026-01-23']);
    expect(engine.runs).toEqual([
      { date: '2026-01-21', phases: [1, 2, 3] },
      { date: '2026-01-22', phases: [1, 2, 3] },
      { date: '2026-01-23', phases: [1, 2, 3, 4, 5] },
      { date: '2026-01-24', phases: [1, 2, 3, 4, 5, 6] },
    ]);
    expect(engine.closed).toBe(true);
    const lines = stdout.lines();
    expect(lines.slice(0, 5)).toEqual([
      '== 2026-01-21 phases 1-3 (history)',
      '2026-01-21 phase 1 scrape: started',
      '2026-01-21 phase 1 scrape: p1-a success, 10 rows',
      '2026-01-21 phase 1 scrape: p1-b success, 10 rows',
      '2026-01-21 phase 1 scrape: complete (2/2 processors reported)',
    ]);
    expect(lines).toContain('== 2026-01-23 phases 1-5 (previous day)');
    expect(lines).toContain('== 2026-01-24 phases 1-6');
    expect(lines).toContain('2026-01-24 phase 6 grading: complete (2/2 processors reported)');
    const total = lines.find((line) => line.includes(' total '));
    expect(
      total
        ?.split('│')
        .map((c) => c.trim())
        .filter(Boolean),
    ).toEqual(['total', '20', '480', '960', '400', '0', '0', '0', '800 ms']);
  });

  it('skips history days whose records are done', async () => {
    engine = createReplayEngine(script(), [
      phaseRecord(3, '2026-01-21', 'complete'),
      phaseRecord(3, '2026-01-22', 'complete'),
      phaseRecord(5, '2026-01-23', 'degraded'),
    ]);
    const { code } = await run([
      '--date',
      '2026-01-24',
      '--history-days',
      '3',
      '--data-dir',
      dataDir,
    ]);
    expect(code).toBe(0);
    expect(engine.runs).toEqual([{ date: '2026-01-24', phases: [1, 2, 3, 4, 5, 6] }]);
  });

  it.each<[PhaseStatus, number]>([
    ['complete', 0],
    ['degraded', 1],
    ['failed', 2],
    ['blocked', 2],
  ])('exits by the worst phase: a %s phase 4 exits %i', async (status, exitCode) => {
    engine = createReplayEngine(script({ '2026-01-24': { phase: 4, status } }));
    const { code } = await run([
      '--date',
      '2026-01-24',
      '--history-days',
      '0',
      '--data-dir',
      dataDir,
    ]);
    expect(code).toBe(exitCode);
  });

  it('a range runs its pipeline dates in order (a day without games after one with games too), and --phases takes names', async () => {
    const { code } = await run([
      '--from',
      '2026-01-21',
      '--to',
      '2026-01-25',
      '--phases',
      'raw-analytics',
      '--history-days',
      '0',
      '--data-dir',
      dataDir,
    ]);
    expect(code).toBe(0);
    expect(engine.runs).toEqual([
      { date: '2026-01-21', phases: [2, 3] },
      { date: '2026-01-22', phases: [2, 3] },
      { date: '2026-01-23', phases: [2, 3] },
      { date: '2026-01-24', phases: [2, 3] },
      { date: '2026-01-25', phases: [2, 3] },
    ]);
  });

  it('--season runs every game date of the season and the day after each', async () => {
    await run([
      '--season',
      '2025-26',
      '--history-days',
      '0',
      '--phases',
      '1',
      '--data-dir',
      dataDir,
    ]);
    expect(engine.runs.map((r) => r.date)).toEqual([
      '2026-01-20',
      '2026-01-21',
      '2026-01-22',
      '2026-01-23',
      '2026-01-24',
      '2026-01-25',
      '2026-01-26',
      '2026-01-27',
    ]);
  });

  it('stops at a step whose runDate throws: one line, the summary of what ran, exit 2, engine closed', async () => {
    engine = createReplayEngine((date, phases) =>
      date === '2026-01-24' ? new Error('queue closed\n    at somewhere') : script()(date, phases),
    );
    const { code, stdout, stderr } = await run([
      '--from',
      '2026-01-23',
      '--to',
      '2026-01-25',
      '--history-days',
      '0',
      '--data-dir',
      dataDir,
    ]);
    expect(code).toBe(2);
    expect(stderr.text).toBe('pipewell run: 2026-01-24 stopped: queue closed at somewhere\n');
    expect(engine.runs.map((r) => r.date)).toEqual(['2026-01-23', '2026-01-24']);
    expect(stdout.lines().some((line) => line.includes(' 2026-01-23 '))).toBe(true);
    expect(engine.closed).toBe(true);
  });

  it('on a terminal, drives a live listr2 display and still prints the summary', async () => {
    engine = createReplayEngine(script({ '2026-01-24': { phase: 2, status: 'degraded' } }));
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 40 });
    let shown = '';
    terminal.on('data', (chunk: Buffer) => {
      shown += chunk.toString();
    });
    const stderr = collector();
    const code = await runCli(
      [
        'run',
        '--date',
        '2026-01-24',
        '--history-days',
        '0',
        '--phases',
        '1-3',
        '--data-dir',
        dataDir,
      ],
      { stdout: terminal, stderr, env: {}, isTTY: true },
      deps(),
    );
    expect(stderr.text).toBe('');
    expect(code).toBe(1);
    expect(shown).toContain('2026-01-24 phases 1-3');
    expect(shown).toContain('phase 2 raw: degraded (2/2 processors reported)');
    expect(shown).toContain('│ 2026-01-24 │');
    // --plain wins over the terminal.
    const plain = collector();
    engine = createReplayEngine(script());
    await runCli(
      [
        'run',
        '--date',
        '2026-01-24',
        '--history-days',
        '0',
        '--phases',
        '1',
        '--plain',
        '--data-dir',
        dataDir,
      ],
      { stdout: plain, stderr, env: {}, isTTY: true },
      deps(),
    );
    expect(plain.lines()[0]).toBe('== 2026-01-24 phase 1');
  });
});

/** Keep the type of the engine the CLI takes honest: the replay double is a PipelineEngine. */
const _typed: PipelineEngine = createReplayEngine(script());
void _typed;
