import { describe, expect, it } from 'vitest';
import { planDates } from './plan.js';
import { phaseRecord } from './test-support.js';

const all = [1, 2, 3, 4, 5, 6] as const;

describe('planDates', () => {
  it('puts history D-H..D-2 (phases 1-3), D-1 (phases 1-5) and D (asked phases) in order', () => {
    expect(
      planDates({ targets: ['2026-01-24'], phases: all, historyDays: 3, records: [] }),
    ).toEqual([
      { date: '2026-01-21', phases: [1, 2, 3], role: 'history' },
      { date: '2026-01-22', phases: [1, 2, 3], role: 'history' },
      { date: '2026-01-23', phases: [1, 2, 3, 4, 5], role: 'previous-day' },
      { date: '2026-01-24', phases: all, role: 'target' },
    ]);
  });

  it('defaults to 14 days of history', () => {
    const steps = planDates({ targets: ['2026-01-24'], phases: [1], records: [] });
    expect(steps).toHaveLength(15);
    expect(steps[0]).toEqual({ date: '2026-01-10', phases: [1, 2, 3], role: 'history' });
  });

  it('leaves out history days whose phase 3 is done (complete or degraded), and keeps failed ones', () => {
    const records = [
      phaseRecord(3, '2026-01-21', 'complete'),
      phaseRecord(3, '2026-01-22', 'failed'),
      phaseRecord(3, '2026-01-20', 'degraded'),
      // Phase 1 complete alone does not make a day done.
      phaseRecord(1, '2026-01-19', 'complete'),
    ];
    const dates = planDates({ targets: ['2026-01-24'], phases: [4], historyDays: 5, records }).map(
      (step) => step.date,
    );
    expect(dates).toEqual(['2026-01-19', '2026-01-22', '2026-01-23', '2026-01-24']);
  });

  it('leaves out D-1 when its phase 5 is done, and runs it when only its phase 3 is', () => {
    const done = planDates({
      targets: ['2026-01-24'],
      phases: all,
      historyDays: 1,
      records: [phaseRecord(5, '2026-01-23', 'complete')],
    });
    expect(done.map((step) => step.date)).toEqual(['2026-01-24']);
    const half = planDates({
      targets: ['2026-01-24'],
      phases: all,
      historyDays: 1,
      records: [phaseRecord(3, '2026-01-23', 'complete'), phaseRecord(5, '2026-01-23', 'blocked')],
    });
    expect(half[0]).toEqual({ date: '2026-01-23', phases: [1, 2, 3, 4, 5], role: 'previous-day' });
  });

  it('skips days without pipeline work and ignores records of other dates', () => {
    const steps = planDates({
      targets: ['2026-02-19'],
      phases: all,
      historyDays: 4,
      records: [phaseRecord(3, '2026-02-16', 'complete')],
      isPipelineDate: (date) => date !== '2026-02-17' && date !== '2026-02-18',
    });
    expect(steps.map((step) => step.date)).toEqual(['2026-02-15', '2026-02-19']);
  });

  it('runs a range in date order with history only before its first date; historyDays 0 plans none', () => {
    const steps = planDates({
      targets: ['2026-01-26', '2026-01-24', '2026-01-25', '2026-01-24'],
      phases: [1, 2, 3],
      historyDays: 2,
      records: [],
    });
    expect(steps.map((step) => `${step.date}:${step.role}`)).toEqual([
      '2026-01-22:history',
      '2026-01-23:previous-day',
      '2026-01-24:target',
      '2026-01-25:target',
      '2026-01-26:target',
    ]);
    expect(
      planDates({ targets: ['2026-01-24'], phases: [1], historyDays: 0, records: [] }),
    ).toEqual([{ date: '2026-01-24', phases: [1], role: 'target' }]);
  });

  it('crosses month and year ends', () => {
    const steps = planDates({ targets: ['2026-01-01'], phases: [1], historyDays: 2, records: [] });
    expect(steps.map((step) => step.date)).toEqual(['2025-12-30', '2025-12-31', '2026-01-01']);
  });
});
