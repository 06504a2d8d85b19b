import { describe, expect, it } from 'vitest';
import type { PhaseStatus } from '../orchestration/types.js';
import { exitCodeOfOutcomes, exitCodeOfRecord, exitCodeOfRecords } from './exit-code.js';
import { gate, outcome, phaseRecord } from './test-support.js';

const date = '2026-01-24';

describe('exit codes', () => {
  it.each<[PhaseStatus, number]>([
    ['complete', 0],
    ['degraded', 1],
    ['failed', 2],
    ['blocked', 2],
    ['pending', 2],
    ['running', 2],
  ])('a %s phase record exits %i', (status, code) => {
    expect(exitCodeOfRecord(phaseRecord(3, date, status))).toBe(code);
  });

  it('a complete record with a degraded gate or a degraded report exits 1', () => {
    expect(
      exitCodeOfRecord(phaseRecord(4, date, 'complete', { gate: gate(3, true, [], true) })),
    ).toBe(1);
    const record = phaseRecord(3, date, 'complete');
    const reports = {
      ...record.reports,
      'p3-a': { status: 'degraded' as const, rows: 3, runId: 'r', at: '2026-01-24T10:00:00.000Z' },
    };
    expect(exitCodeOfRecord({ ...record, reports })).toBe(1);
  });

  it('the worst record wins; no record at all exits 2', () => {
    expect(
      exitCodeOfRecords([phaseRecord(1, date, 'complete'), phaseRecord(2, date, 'complete')]),
    ).toBe(0);
    expect(
      exitCodeOfRecords([phaseRecord(1, date, 'degraded'), phaseRecord(2, date, 'complete')]),
    ).toBe(1);
    expect(
      exitCodeOfRecords([phaseRecord(1, date, 'degraded'), phaseRecord(2, date, 'failed')]),
    ).toBe(2);
    expect(exitCodeOfRecords([])).toBe(2);
  });

  it('outcomes: figures raise the code, and the worst date decides', () => {
    const ok = outcome(date, [phaseRecord(1, date, 'complete')]);
    expect(exitCodeOfOutcomes([ok])).toBe(0);
    expect(exitCodeOfOutcomes([{ ...ok, degradedRuns: 1 }])).toBe(1);
    expect(exitCodeOfOutcomes([{ ...ok, alerts: 2 }])).toBe(1);
    expect(exitCodeOfOutcomes([{ ...ok, blockedGates: 1 }])).toBe(2);
    const blocked = outcome('2026-01-25', [phaseRecord(4, '2026-01-25', 'blocked')]);
    expect(exitCodeOfOutcomes([ok, blocked, { ...ok, degradedRuns: 1 }])).toBe(2);
    expect(exitCodeOfOutcomes([])).toBe(0);
  });
});
