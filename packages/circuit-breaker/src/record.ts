/** The three states of a breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** The instance that holds the half-open probe, and until when. */
export interface ProbeLease {
  /** The `instanceId` of the breaker running the trial calls. */
  readonly holder: string;
  /** Epoch ms after which the lease is void and another instance may take it. */
  readonly expiresAt: number;
}

/**
 * The state a fleet of breakers shares through a {@link BreakerStateStore}, one record per
 * breaker name. Plain JSON, so any store can keep it.
 */
export interface BreakerRecord {
  /** Incremented on every write; compare-and-set checks it. A stored record has version >= 1. */
  readonly version: number;
  readonly state: BreakerState;
  /**
   * The fleet's period number: 0 before the breaker ever opened, and one more each time it opens
   * (a trip, a failed or timed-out probe, `isolate()`) or an operator resets it. A record closed
   * by its probe keeps the number of the period that closed. A write based on an older period
   * than this one is refused, so a late trip cannot reopen what a newer verdict closed.
   */
  readonly period: number;
  /** Epoch ms the breaker last opened, or null. */
  readonly openedAt: number | null;
  /** Epoch ms when an open breaker may let a probe through (half-open), or null. */
  readonly halfOpenAt: number | null;
  /** Held while one instance runs the half-open trial calls. */
  readonly lease: ProbeLease | null;
  /** Opened by an operator with `isolate()`: stays open until `reset()`. */
  readonly isolated: boolean;
  /** instanceId -> epoch ms of that instance's latest trip, within the quorum window. */
  readonly trips: Readonly<Record<string, number>>;
  /**
   * Failures in a row counted across the fleet while closed (`failureScope: 'fleet'`); 0 otherwise.
   */
  readonly failures: number;
  readonly updatedAt: number;
  /** The instanceId that wrote this version. */
  readonly updatedBy: string;
}

/**
 * A local trip, reported to the store so the fleet can count distinct failing instances
 * (`minInstances`).
 */
export interface BreakerTripOutcome {
  readonly kind: 'trip';
  /** The reporting breaker's instance id. */
  readonly instanceId: string;
  /** Epoch ms of the trip. */
  readonly at: number;
  /** Trips older than `at - windowMs` are dropped from the record. */
  readonly windowMs: number;
  /** The fleet period the instance knew when it tripped; an older one than the record's is stale. */
  readonly period: number;
}

/**
 * One counted failure of a breaker that counts failures fleet-wide (`failureScope: 'fleet'`).
 * The failure that brings the count to `failureThreshold` opens the fleet.
 */
export interface BreakerFailureOutcome {
  readonly kind: 'failure';
  /** The reporting breaker's instance id. */
  readonly instanceId: string;
  /** Epoch ms of the failure. */
  readonly at: number;
  /** The fleet period the instance knew when the call failed; an older one than the record's is stale. */
  readonly period: number;
  /** Failures in a row, fleet-wide, that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker then stays open. */
  readonly openTimeoutMs: number;
}

/** A success seen while the fleet's failure count is above zero: it resets the count. */
export interface BreakerSuccessOutcome {
  readonly kind: 'success';
  /** The reporting breaker's instance id. */
  readonly instanceId: string;
  /** Epoch ms of the success. */
  readonly at: number;
  /** The fleet period the instance knew when the call succeeded; an older one than the record's is stale. */
  readonly period: number;
}

/** What a breaker reports to its store's atomic `recordOutcome`. */
export type BreakerOutcome = BreakerTripOutcome | BreakerFailureOutcome | BreakerSuccessOutcome;

/**
 * The record a store starts from when it has none for a name.
 *
 * @example
 * ```ts
 * const current = (await store.get('bigquery')) ?? emptyRecord(Date.now(), 'instance-a');
 * ```
 */
export function emptyRecord(now: number, instanceId: string): BreakerRecord {
  return {
    version: 0,
    state: 'closed',
    period: 0,
    openedAt: null,
    halfOpenAt: null,
    lease: null,
    isolated: false,
    trips: {},
    failures: 0,
    updatedAt: now,
    updatedBy: instanceId,
  };
}

function bumped(
  record: BreakerRecord,
  outcome: BreakerOutcome,
  change: Partial<BreakerRecord>,
): BreakerRecord {
  return {
    ...record,
    ...change,
    version: record.version + 1,
    updatedAt: outcome.at,
    updatedBy: outcome.instanceId,
  };
}

/**
 * The one merge every store applies inside its atomic `recordOutcome`. Stores must not change
 * it, so every store counts the same way:
 * - `trip`: add the instance's trip, drop trips older than the window;
 * - `failure`: count one more failure in a row; the one that reaches `failureThreshold` opens
 *   the breaker for the next period;
 * - `success`: reset the failure count.
 *
 * An outcome that changes nothing (one from an older period than the record's, a trip or
 * failure while the fleet is already open, a success while the count is zero) returns the
 * current record with its version unchanged: nothing needs writing.
 *
 * @example
 * ```ts
 * // inside a transaction:
 * const next = applyOutcome(current, outcome);
 * if (next.version !== (current?.version ?? 0)) transaction.set(ref, next);
 * ```
 */
export function applyOutcome(
  current: BreakerRecord | undefined,
  outcome: BreakerOutcome,
): BreakerRecord {
  const base = current ?? emptyRecord(outcome.at, outcome.instanceId);
  // Seen in an older period than the record's: a newer verdict stands.
  if (outcome.period < base.period) return base;
  switch (outcome.kind) {
    case 'trip': {
      if (base.state !== 'closed') return base;
      const oldest = outcome.at - outcome.windowMs;
      const trips: Record<string, number> = {};
      for (const [instanceId, at] of Object.entries(base.trips)) {
        if (at >= oldest) trips[instanceId] = at;
      }
      trips[outcome.instanceId] = Math.max(outcome.at, trips[outcome.instanceId] ?? 0);
      return bumped(base, outcome, { trips });
    }
    case 'failure': {
      if (base.state !== 'closed') return base;
      const failures = base.failures + 1;
      if (failures < outcome.failureThreshold) return bumped(base, outcome, { failures });
      return bumped(base, outcome, {
        state: 'open',
        period: Math.max(base.period, outcome.period) + 1,
        openedAt: outcome.at,
        halfOpenAt: outcome.at + outcome.openTimeoutMs,
        lease: null,
        isolated: false,
        trips: {},
        failures: 0,
      });
    }
    case 'success':
      if (base.state !== 'closed' || base.failures === 0) return base;
      return bumped(base, outcome, { failures: 0 });
  }
}

/**
 * How many distinct instances tripped at or after `since`.
 *
 * @example
 * ```ts
 * const tripped = countTrips(record, Date.now() - 60_000);
 * ```
 */
export function countTrips(record: BreakerRecord, since: number): number {
  let count = 0;
  for (const at of Object.values(record.trips)) if (at >= since) count++;
  return count;
}
