import { describe, expect, it } from 'vitest';
import type { PipelineEvent } from '../orchestration/types.js';
import { formatEvent } from './progress.js';
import { summaryTable } from './summary.js';
import { gate, outcome, phaseRecord } from './test-support.js';

const date = '2026-01-24';
const at = '2026-01-24T10:00:00.000Z';

describe('plain progress lines', () => {
  it('turn a sequence of engine events into one line each (gate reasons indented)', () => {
    const finished = phaseRecord(3, date, 'degraded', {
      expected: ['player-game-summary', 'team-offense', 'upcoming-context'],
      reports: {
        'player-game-summary': { status: 'success', rows: 412, runId: 'r1', at },
        'team-offense': {
          status: 'degraded',
          rows: 18,
          runId: 'r2',
          at,
          degradedReasons: ['9 of 10 games'],
        },
      },
    });
    const events: PipelineEvent[] = [
      { type: 'phase-started', phase: 3, dataDate: date },
      {
        type: 'processor-finished',
        phase: 3,
        dataDate: date,
        processor: 'player-game-summary',
        report: { status: 'success', rows: 412, runId: 'r1', at },
      },
      {
        type: 'processor-finished',
        phase: 3,
        dataDate: date,
        processor: 'team-offense',
        report: {
          status: 'degraded',
          rows: 18,
          runId: 'r2',
          at,
          degradedReasons: ['9 of 10 games'],
        },
      },
      {
        type: 'processor-finished',
        phase: 3,
        dataDate: date,
        processor: 'upcoming-context',
        report: { status: 'failed', rows: 0, runId: 'r3', at, error: 'no roster rows' },
      },
      { type: 'phase-finished', record: finished },
      {
        type: 'gate',
        dataDate: date,
        decision: gate(3, false, ['player_game_summary covers 7 of 10 games (70% < 80%)']),
      },
      { type: 'alert', dataDate: date, title: 'Phase 4 blocked for 2026-01-24' },
      {
        type: 'processor-finished',
        phase: 1,
        dataDate: date,
        processor: 'odds-api-events',
        report: { status: 'no_data', rows: 0, runId: 'r4', at },
      },
    ];
    expect(events.flatMap(formatEvent)).toEqual([
      '2026-01-24 phase 3 analytics: started',
      '2026-01-24 phase 3 analytics: player-game-summary success, 412 rows',
      '2026-01-24 phase 3 analytics: team-offense degraded, 18 rows (9 of 10 games)',
      '2026-01-24 phase 3 analytics: upcoming-context failed: no roster rows',
      '2026-01-24 phase 3 analytics: degraded (2/3 processors reported)',
      '2026-01-24 gate 3->4: closed',
      '2026-01-24   player_game_summary covers 7 of 10 games (70% < 80%)',
      '2026-01-24 alert: Phase 4 blocked for 2026-01-24',
      '2026-01-24 phase 1 scrape: odds-api-events no data',
    ]);
  });

  it('say when a gate opened degraded or the timer decided', () => {
    const byTimer = { ...gate(4, true, [], true), decidedBy: 'timer' as const };
    expect(formatEvent({ type: 'gate', dataDate: date, decision: byTimer })).toEqual([
      '2026-01-24 gate 4->5: open (degraded) by the timer',
    ]);
  });
});

describe('summary table', () => {
  const rowOf = (table: string, label: string): string[] | undefined =>
    table
      .split('\n')
      .find((line) => line.includes(` ${label} `))
      ?.split('│')
      .map((cell) => cell.trim())
      .filter((cell) => cell !== '');

  it('has a row per date with every figure, and a total row for several dates', () => {
    const table = summaryTable([
      outcome('2026-01-23', [], {
        games: 8,
        players: 210,
        predictions: 0,
        graded: 0,
        alerts: 1,
        degradedRuns: 2,
        blockedGates: 0,
        elapsedMs: 350,
      }),
      outcome('2026-01-24', [], {
        games: 10,
        players: 260,
        predictions: 520,
        graded: 300,
        alerts: 0,
        degradedRuns: 0,
        blockedGates: 1,
        elapsedMs: 1250,
      }),
    ]);
    expect(rowOf(table, 'date')).toEqual([
      'date',
      'games',
      'players',
      'predictions',
      'graded',
      'alerts',
      'degraded runs',
      'blocked gates',
      'elapsed',
    ]);
    expect(rowOf(table, '2026-01-23')).toEqual([
      '2026-01-23',
      '8',
      '210',
      '0',
      '0',
      '1',
      '2',
      '0',
      '350 ms',
    ]);
    expect(rowOf(table, '2026-01-24')).toEqual([
      '2026-01-24',
      '10',
      '260',
      '520',
      '300',
      '0',
      '0',
      '1',
      '1.25 s',
    ]);
    expect(rowOf(table, 'total')).toEqual([
      'total',
      '18',
      '470',
      '520',
      '300',
      '1',
      '2',
      '1',
      '1.60 s',
    ]);
    expect(table).not.toContain('\u001b[');
  });

  it('has no total row for one date', () => {
    const table = summaryTable([outcome('2026-01-24', [], { games: 10 })]);
    expect(rowOf(table, '2026-01-24')?.[1]).toBe('10');
    expect(table).not.toContain('total');
  });
});
