import type { Phase } from './phases.js';
import type { BreakerRecord } from './record.js';
import { countTrips } from './record.js';

// The rules of the fleet protocol, as pure functions over the shared record: which write each
// verdict makes, when the probe lease is free, when a trip needs more instances, and what a
// breaker does with a record it reads. The driver (fleet.ts) applies them with compare-and-set.
// Every write names the period it was based on, and a write based on an older period than the
// record's changes nothing: a late write cannot overturn a newer verdict.

/** A record's content without the fields compare-and-set fills in. */
export type RecordChange = Omit<BreakerRecord, 'version' | 'updatedAt' | 'updatedBy'>;

/**
 * The fleet opens on this instance's trip, seen in period `seen` at `at`: only while the record is
 * closed in a period no newer than `seen`. The trip opens period `seen + 1`.
 */
export function openOnTrip(
  record: BreakerRecord,
  trip: { readonly seen: number; readonly at: number; readonly openTimeoutMs: number },
): RecordChange | undefined {
  if (record.state !== 'closed' || record.period > trip.seen) return undefined;
  return {
    ...record,
    state: 'open',
    period: trip.seen + 1,
    openedAt: trip.at,
    halfOpenAt: trip.at + trip.openTimeoutMs,
    lease: null,
    isolated: false,
    failures: 0,
  };
}

/**
 * How a recorded trip stands against a quorum of `minInstances`: `alone` when too few instances
 * tripped (this one stays open by itself), `superseded` when the fleet has opened or moved past
 * the trip's period, `quorum` when the fleet should open now.
 */
export function tripQuorum(
  record: BreakerRecord,
  trip: { readonly seen: number; readonly at: number; readonly windowMs: number },
  minInstances: number,
): 'alone' | 'superseded' | 'quorum' {
  if (record.state !== 'closed' || record.period > trip.seen) return 'superseded';
  return countTrips(record, trip.at - trip.windowMs) < minInstances ? 'alone' : 'quorum';
}

/** The lease holder's probe of `period` failed at `at`: the fleet reopens for the next period. */
export function reopenAfterProbe(
  record: BreakerRecord,
  probe: {
    readonly period: number;
    readonly at: number;
    readonly holder: string;
    readonly openTimeoutMs: number;
  },
): RecordChange | undefined {
  if (
    record.state !== 'half-open' ||
    record.period !== probe.period ||
    record.lease?.holder !== probe.holder
  ) {
    return undefined;
  }
  return {
    ...record,
    state: 'open',
    period: probe.period + 1,
    openedAt: probe.at,
    halfOpenAt: probe.at + probe.openTimeoutMs,
    lease: null,
  };
}

/**
 * The probe of `period` succeeded: the fleet closes, unless the period has moved on, an operator
 * isolated it, or another instance's live probe decides it.
 */
export function closeAfterProbe(
  record: BreakerRecord,
  probe: { readonly period: number; readonly holder: string; readonly now: number },
): RecordChange | undefined {
  if (record.state === 'closed' || record.isolated || record.period !== probe.period) {
    return undefined;
  }
  const lease = record.lease;
  if (lease !== null && lease.holder !== probe.holder && lease.expiresAt > probe.now) {
    return undefined;
  }
  return {
    ...record,
    state: 'closed',
    openedAt: null,
    halfOpenAt: null,
    lease: null,
    trips: {},
    failures: 0,
  };
}

/** An operator's `isolate()`: open in a new period, with no end. */
export function isolateRecord(record: BreakerRecord, now: number): RecordChange {
  return {
    ...record,
    state: 'open',
    period: record.period + 1,
    isolated: true,
    openedAt: now,
    halfOpenAt: null,
    lease: null,
    failures: 0,
  };
}

/** An operator's `reset()`: closed in a new period, so a trip seen before it cannot undo it. */
export function resetRecord(record: BreakerRecord): RecordChange {
  return {
    ...record,
    state: 'closed',
    period: record.period + 1,
    isolated: false,
    openedAt: null,
    halfOpenAt: null,
    lease: null,
    trips: {},
    failures: 0,
  };
}

/**
 * Whether `instanceId` may take the probe lease at `now`: the open period is over, or the
 * half-open lease has lapsed (or is already its own). Never while isolated.
 */
export function leaseIsFree(record: BreakerRecord, instanceId: string, now: number): boolean {
  if (record.isolated) return false;
  if (record.state === 'open') return (record.halfOpenAt ?? Number.POSITIVE_INFINITY) <= now;
  const lease = record.lease;
  return lease === null || lease.expiresAt <= now || lease.holder === instanceId;
}

/** The record with the probe lease taken by `holder` until `expiresAt`. */
export function takeLease(
  record: BreakerRecord,
  lease: { readonly holder: string; readonly expiresAt: number; readonly now: number },
): BreakerRecord {
  return {
    ...record,
    version: record.version + 1,
    state: 'half-open',
    lease: { holder: lease.holder, expiresAt: lease.expiresAt },
    updatedAt: lease.now,
    updatedBy: lease.holder,
  };
}

/** What a breaker does with the fleet's record. */
export type Adoption =
  | { readonly kind: 'keep' }
  | { readonly kind: 'close'; readonly reason: 'fleet' | 'reset' }
  | { readonly kind: 'isolate' }
  /** Open (or stay open) in the fleet's period until `halfOpenAt`. */
  | { readonly kind: 'follow'; readonly period: number; readonly halfOpenAt: number };

const keep: Adoption = { kind: 'keep' };
const isolate: Adoption = { kind: 'isolate' };

/**
 * Follow the fleet's record from local phase `phase`. A closed record closes what the fleet had
 * opened (an instance open on its own stays open); an open or half-open one is followed unless
 * this instance holds the probe.
 */
export function adoption(
  phase: Phase,
  record: BreakerRecord,
  instanceId: string,
  now: number,
  openTimeoutMs: number,
): Adoption {
  switch (record.state) {
    case 'closed':
      if (phase.kind === 'isolated') return { kind: 'close', reason: 'reset' };
      if (phase.kind !== 'closed' && phase.scope === 'fleet') {
        return { kind: 'close', reason: 'fleet' };
      }
      return keep;
    case 'open':
      if (record.isolated) {
        return phase.kind === 'isolated' ? keep : isolate;
      }
      return {
        kind: 'follow',
        period: record.period,
        halfOpenAt: record.halfOpenAt ?? now + openTimeoutMs,
      };
    case 'half-open':
      if (record.lease?.holder === instanceId) return keep;
      return {
        kind: 'follow',
        period: record.period,
        halfOpenAt: record.lease?.expiresAt ?? now + openTimeoutMs,
      };
  }
}
