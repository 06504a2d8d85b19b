import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataDir } from '../data-dir/index.js';
import { type PhaseRecord, phaseRecordId, phaseRecordsCollection } from '../orchestration/types.js';
import { openLocalStateStore } from '../state/index.js';
import { type CliDeps, runCli } from './cli.js';
import { collector, gate, phaseRecord } from './test-support.js';

const date = '2026-01-24';
const deps: CliDeps = {
  openEngine: () => Promise.reject(new Error('status must not open the engine')),
};

let root: string;
let dir: string;

async function writeRecords(records: readonly PhaseRecord[]): Promise<void> {
  await using dataDir = await openDataDir(dir, { command: 'test' });
  await using state = await openLocalStateStore({ dir: dataDir.stateDir });
  for (const record of records) {
    await state.set(phaseRecordsCollection, phaseRecordId(record.phase, record.dataDate), record);
  }
}

async function status(...args: string[]) {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(['status', ...args], { stdout, stderr, env: {}, isTTY: false }, deps);
  return { code, stdout, stderr };
}

const cells = (line: string): string[] =>
  line
    .split('│')
    .map((cell) => cell.trim())
    .filter((cell) => cell !== '');

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipewell-cli-status-'));
  dir = join(root, 'data');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pipewell status', () => {
  it("prints each phase's record: status, reported/expected, gate, trigger, and the reasons", async () => {
    const phase3 = phaseRecord(3, date, 'complete', {
      gate: gate(2, true, ['all raw tables loaded']),
      nextTrigger: { publishedAt: '2026-01-24T10:05:00.000Z', attempts: 1 },
    });
    const phase4 = phaseRecord(4, date, 'blocked', {
      expected: ['player-daily-cache', 'ml-feature-store'],
      reports: {},
      gate: gate(3, false, ['player_game_summary covers 7 of 10 games (70% < 80%)']),
    });
    const phase2 = phaseRecord(2, date, 'degraded', {
      expected: ['raw-a', 'raw-b'],
      reports: {
        'raw-a': { status: 'success', rows: 5, runId: 'r1', at: '2026-01-24T10:00:00.000Z' },
        'raw-b': {
          status: 'degraded',
          rows: 2,
          runId: 'r2',
          at: '2026-01-24T10:00:00.000Z',
          degradedReasons: ['odds for 3 of 10 games'],
        },
      },
      nextTrigger: { attempts: 2, lastError: 'queue closed' },
    });
    await writeRecords([phase3, phase4, phase2, phaseRecord(3, '2026-01-23', 'failed')]);

    const { code, stdout, stderr } = await status('--date', date, '--data-dir', dir);
    expect(stderr.text).toBe('');
    // A blocked phase: exit 2.
    expect(code).toBe(2);
    const rows = stdout.lines().map(cells);
    expect(rows).toContainEqual(['phase', 'status', 'processors', 'gate', 'next trigger']);
    expect(rows).toContainEqual([
      '2 raw',
      'degraded',
      '2/2 reported',
      '-',
      'not published (2 attempts, last error: queue closed)',
    ]);
    expect(rows).toContainEqual([
      '3 analytics',
      'complete',
      '2/2 reported',
      '2->3 open',
      'published 2026-01-24T10:05:00.000Z',
    ]);
    expect(rows).toContainEqual(['4 precompute', 'blocked', '0/2 reported', '3->4 closed', '-']);
    expect(stdout.lines()).toContain(
      'phase 4 precompute gate: player_game_summary covers 7 of 10 games (70% < 80%)',
    );
    expect(stdout.lines()).toContain(
      'phase 4 precompute not reported: player-daily-cache, ml-feature-store',
    );
    expect(stdout.lines()).toContain(
      'phase 2 raw raw-b: degraded, 2 rows (odds for 3 of 10 games)',
    );
    // Phases in order; the other date's record is not shown.
    const order = stdout
      .lines()
      .filter((line) => /^│ \d /.test(line))
      .map((line) => cells(line)[0]);
    expect(order).toEqual(['2 raw', '3 analytics', '4 precompute']);
  });

  it('exits 0 when every record is complete, 1 when one is degraded', async () => {
    await writeRecords([phaseRecord(1, date, 'complete'), phaseRecord(2, date, 'complete')]);
    expect((await status('--date', date, '--data-dir', dir)).code).toBe(0);
    await writeRecords([phaseRecord(2, date, 'degraded')]);
    expect((await status('--date', date, '--data-dir', dir)).code).toBe(1);
  });

  it('says a date has no records, with one line', async () => {
    await writeRecords([phaseRecord(1, '2026-01-23', 'complete')]);
    const { code, stdout, stderr } = await status('--date', date, '--data-dir', dir);
    expect(code).toBe(2);
    expect(stdout.text).toBe('');
    expect(stderr.text).toBe(
      `pipewell status: no phase records for ${date} in ${dir}: that date has not run\n`,
    );
  });

  it('refuses a malformed date and a missing --date, and a missing data directory', async () => {
    const bad = await status('--date', '2026-02-30', '--data-dir', dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr.text).toBe(
      'pipewell status: option "--date" must be a calendar date as YYYY-MM-DD (got "2026-02-30": 2026-02 has no day 30)\n',
    );
    const none = await status('--data-dir', dir);
    expect(none.code).toBe(2);
    expect(none.stderr.text).toBe("pipewell: required option '--date <date>' not specified\n");
    const missing = await status('--date', date, '--data-dir', dir);
    expect(missing.stderr.text).toContain(`no pipewell data directory at ${dir}`);
  });
});
