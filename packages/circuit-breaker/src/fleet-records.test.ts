import { describe, expect, it } from 'vitest';
import {
  adoption,
  closeAfterProbe,
  isolateRecord,
  leaseIsFree,
  openOnTrip,
  reopenAfterProbe,
  resetRecord,
  tripQuorum,
} from './fleet-records.js';
import type { Phase } from './phases.js';
import { type BreakerRecord, emptyRecord } from './record.js';

// The fleet protocol's rules, one by one, including records the breakers never write but a store
// could hold (a hand-edited or foreign document): each rule must still refuse what it must.

function record(overrides: Partial<BreakerRecord> = {}): BreakerRecord {
  return { ...emptyRecord(1_000, 'writer'), version: 3, ...overrides };
}

const lease = (holder: string, expiresAt: number) => ({ holder, expiresAt });

describe('openOnTrip', () => {
  const trip = { seen: 2, at: 5_000, openTimeoutMs: 60_000 };

  it('opens the period after the one the trip saw, from a closed record no newer than it', () => {
    expect(openOnTrip(record({ period: 2, failures: 1 }), trip)).toMatchObject({
      state: 'open',
      period: 3,
      openedAt: 5_000,
      halfOpenAt: 65_000,
      lease: null,
      failures: 0,
    });
  });

  it('changes nothing once the fleet is open or half-open, even in the period the trip saw', () => {
    expect(openOnTrip(record({ state: 'open', period: 2 }), trip)).toBeUndefined();
    expect(
      openOnTrip(record({ state: 'half-open', period: 2, lease: lease('b', 9_000) }), trip),
    ).toBeUndefined();
    expect(openOnTrip(record({ period: 3 }), trip)).toBeUndefined();
  });
});

describe('tripQuorum', () => {
  const trip = { seen: 1, at: 100_000, windowMs: 60_000 };
  const trips = { a: 100_000, b: 40_000, c: 39_999 };

  it('counts the trips within the window against minInstances', () => {
    expect(tripQuorum(record({ period: 1, trips }), trip, 2)).toBe('quorum');
    expect(tripQuorum(record({ period: 1, trips }), trip, 3)).toBe('alone');
  });

  it('is superseded once the fleet has opened, or moved past the period the trip saw', () => {
    expect(tripQuorum(record({ state: 'open', period: 1, trips }), trip, 2)).toBe('superseded');
    expect(tripQuorum(record({ state: 'half-open', period: 1, trips }), trip, 2)).toBe(
      'superseded',
    );
    expect(tripQuorum(record({ period: 2, trips }), trip, 2)).toBe('superseded');
  });
});

describe('reopenAfterProbe', () => {
  const probe = { period: 2, at: 70_000, holder: 'a', openTimeoutMs: 60_000 };

  it("reopens the next period when the holder's probe of this period failed", () => {
    expect(
      reopenAfterProbe(record({ state: 'half-open', period: 2, lease: lease('a', 80_000) }), probe),
    ).toMatchObject({
      state: 'open',
      period: 3,
      openedAt: 70_000,
      halfOpenAt: 130_000,
      lease: null,
    });
  });

  it('changes nothing unless the record is half-open in that period under this holder', () => {
    const halfOpen = { state: 'half-open', period: 2, lease: lease('a', 80_000) } as const;
    expect(reopenAfterProbe(record({ ...halfOpen, state: 'open' }), probe)).toBeUndefined();
    expect(reopenAfterProbe(record({ ...halfOpen, period: 3 }), probe)).toBeUndefined();
    expect(
      reopenAfterProbe(record({ ...halfOpen, lease: lease('b', 80_000) }), probe),
    ).toBeUndefined();
    expect(reopenAfterProbe(record({ ...halfOpen, lease: null }), probe)).toBeUndefined();
  });
});

describe('closeAfterProbe', () => {
  const probe = { period: 2, holder: 'a', now: 50_000 };

  it('closes the period, forgetting trips and failures', () => {
    const halfOpen = record({
      state: 'half-open',
      period: 2,
      lease: lease('a', 60_000),
      trips: { a: 1 },
      failures: 2,
    });
    expect(closeAfterProbe(halfOpen, probe)).toMatchObject({
      state: 'closed',
      period: 2,
      openedAt: null,
      halfOpenAt: null,
      lease: null,
      trips: {},
      failures: 0,
    });
  });

  it('changes nothing when closed already, isolated, or in another period', () => {
    expect(closeAfterProbe(record({ period: 2 }), probe)).toBeUndefined();
    expect(
      closeAfterProbe(record({ state: 'open', period: 2, isolated: true }), probe),
    ).toBeUndefined();
    expect(closeAfterProbe(record({ state: 'open', period: 3 }), probe)).toBeUndefined();
  });

  it("yields to another instance's live lease, but not to a lapsed one", () => {
    const held = (expiresAt: number) =>
      record({ state: 'half-open', period: 2, lease: lease('b', expiresAt) });
    expect(closeAfterProbe(held(50_001), probe)).toBeUndefined();
    expect(closeAfterProbe(held(50_000), probe)).toMatchObject({ state: 'closed' });
    expect(closeAfterProbe(record({ state: 'open', period: 2 }), probe)).toMatchObject({
      state: 'closed',
    });
  });
});

describe('operator records', () => {
  it('isolate opens a new period with no end; reset closes a new period', () => {
    const open = record({ state: 'open', period: 4, halfOpenAt: 9_000, lease: null, failures: 1 });
    expect(isolateRecord(open, 5_000)).toMatchObject({
      state: 'open',
      period: 5,
      isolated: true,
      openedAt: 5_000,
      halfOpenAt: null,
      failures: 0,
    });
    expect(resetRecord({ ...open, isolated: true, trips: { a: 1 } })).toMatchObject({
      state: 'closed',
      period: 5,
      isolated: false,
      openedAt: null,
      halfOpenAt: null,
      trips: {},
      failures: 0,
    });
  });
});

describe('leaseIsFree', () => {
  it('frees an open record at halfOpenAt, never before, and never without one', () => {
    expect(leaseIsFree(record({ state: 'open', halfOpenAt: 10_000 }), 'a', 10_000)).toBe(true);
    expect(leaseIsFree(record({ state: 'open', halfOpenAt: 10_000 }), 'a', 9_999)).toBe(false);
    expect(leaseIsFree(record({ state: 'open', halfOpenAt: null }), 'a', 10_000)).toBe(false);
  });

  it("frees a half-open record's lease when it lapsed, or to its own holder", () => {
    const held = record({ state: 'half-open', lease: lease('b', 10_000) });
    expect(leaseIsFree(held, 'a', 9_999)).toBe(false);
    expect(leaseIsFree(held, 'a', 10_000)).toBe(true);
    expect(leaseIsFree(held, 'b', 9_999)).toBe(true);
    expect(leaseIsFree(record({ state: 'half-open', lease: null }), 'a', 0)).toBe(true);
  });

  it('never frees an isolated record', () => {
    expect(leaseIsFree(record({ state: 'half-open', isolated: true, lease: null }), 'a', 0)).toBe(
      false,
    );
  });
});

describe('adoption', () => {
  const closed: Phase = {
    kind: 'closed',
    onSuccess: (v) => v,
    onFailure: () => undefined as never,
  };
  const open = (scope: 'local' | 'fleet'): Phase => ({
    kind: 'open',
    scope,
    period: 1,
    halfOpenAt: 1_000,
    cause: undefined,
    acquiring: false,
  });
  const isolated: Phase = { kind: 'isolated' };
  const adopt = (phase: Phase, from: Partial<BreakerRecord>) =>
    adoption(phase, record(from), 'me', 5_000, 60_000);

  it('closes what the fleet had opened, or an isolation reset elsewhere; an instance open alone stays', () => {
    expect(adopt(open('fleet'), { state: 'closed' })).toEqual({ kind: 'close', reason: 'fleet' });
    expect(adopt(isolated, { state: 'closed' })).toEqual({ kind: 'close', reason: 'reset' });
    expect(adopt(open('local'), { state: 'closed' })).toEqual({ kind: 'keep' });
    expect(adopt(closed, { state: 'closed' })).toEqual({ kind: 'keep' });
  });

  it('isolates once, and follows an open record to its halfOpenAt (or one open period from now)', () => {
    expect(adopt(closed, { state: 'open', isolated: true })).toEqual({ kind: 'isolate' });
    expect(adopt(isolated, { state: 'open', isolated: true })).toEqual({ kind: 'keep' });
    expect(adopt(closed, { state: 'open', period: 2, halfOpenAt: 9_000 })).toEqual({
      kind: 'follow',
      period: 2,
      halfOpenAt: 9_000,
    });
    expect(adopt(closed, { state: 'open', period: 2, halfOpenAt: null })).toEqual({
      kind: 'follow',
      period: 2,
      halfOpenAt: 65_000,
    });
  });

  it("keeps its own probe, and follows another's until its lease expires", () => {
    const halfOpen = { state: 'half-open', period: 2 } as const;
    expect(adopt(open('fleet'), { ...halfOpen, lease: lease('me', 9_000) })).toEqual({
      kind: 'keep',
    });
    expect(adopt(open('fleet'), { ...halfOpen, lease: lease('b', 9_000) })).toEqual({
      kind: 'follow',
      period: 2,
      halfOpenAt: 9_000,
    });
    expect(adopt(open('fleet'), { ...halfOpen, lease: null })).toEqual({
      kind: 'follow',
      period: 2,
      halfOpenAt: 65_000,
    });
  });
});
