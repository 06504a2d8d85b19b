import { describe, expect, it } from 'vitest';
import { applyOutcome, type BreakerRecord, countTrips, emptyRecord } from './record.js';

function record(overrides: Partial<BreakerRecord> = {}): BreakerRecord {
  return { ...emptyRecord(1_000, 'writer'), version: 4, ...overrides };
}

describe('applyOutcome: trips', () => {
  it('keeps a trip exactly one window old and drops an older one', () => {
    const base = record({ trips: { edge: 40_000, old: 39_999 } });
    const next = applyOutcome(base, {
      kind: 'trip',
      instanceId: 'new',
      at: 100_000,
      windowMs: 60_000,
      period: 0,
    });
    expect(next.trips).toEqual({ edge: 40_000, new: 100_000 });
  });

  it('changes nothing while the fleet is open or half-open', () => {
    for (const state of ['open', 'half-open'] as const) {
      const base = record({ state, period: 1 });
      expect(
        applyOutcome(base, {
          kind: 'trip',
          instanceId: 'a',
          at: 5_000,
          windowMs: 1_000,
          period: 1,
        }),
      ).toBe(base);
    }
  });
});

describe('applyOutcome: fleet-wide failures', () => {
  const failure = (period: number) =>
    ({
      kind: 'failure',
      instanceId: 'a',
      at: 5_000,
      period,
      failureThreshold: 1,
      openTimeoutMs: 60_000,
    }) as const;

  it('opens the period after the newest one known, the record or the instance', () => {
    expect(applyOutcome(record({ period: 2 }), failure(4))).toMatchObject({
      state: 'open',
      period: 5,
      openedAt: 5_000,
      halfOpenAt: 65_000,
      version: 5,
    });
    expect(applyOutcome(record({ period: 4 }), failure(4)).period).toBe(5);
  });
});

describe('applyOutcome: successes', () => {
  it('reset the failure count only while the fleet is closed', () => {
    const success = { kind: 'success', instanceId: 'a', at: 5_000, period: 1 } as const;
    const open = record({ state: 'open', period: 1, failures: 2 });
    expect(applyOutcome(open, success)).toBe(open);
    expect(applyOutcome(record({ period: 1, failures: 2 }), success)).toMatchObject({
      failures: 0,
      version: 5,
    });
  });
});

describe('countTrips', () => {
  it('counts the instances that tripped at or after `since`', () => {
    const tripped = record({ trips: { a: 100, b: 99, c: 250 } });
    expect(countTrips(tripped, 100)).toBe(2);
    expect(countTrips(tripped, 101)).toBe(1);
    expect(countTrips(tripped, 0)).toBe(3);
  });
});
