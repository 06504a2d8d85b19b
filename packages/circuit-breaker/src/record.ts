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
  readonly updatedAt: number;
  /** The instanceId that wrote this version. */
  readonly updatedBy: string;
}

/** A local trip, reported to the store so the fleet can count distinct failing instances. */
export interface BreakerOutcome {
  /** The reporting breaker's instance id. */
  readonly instanceId: string;
  /** Epoch ms of the trip. */
  readonly at: number;
  /** Trips older than `at - windowMs` are dropped from the record. */
  readonly windowMs: number;
}

/** The record a store starts from when it has none for a name. */
export function emptyRecord(now: number, instanceId: string): BreakerRecord {
  return {
    version: 0,
    state: 'closed',
    openedAt: null,
    halfOpenAt: null,
    lease: null,
    isolated: false,
    trips: {},
    updatedAt: now,
    updatedBy: instanceId,
  };
}

/**
 * The one merge every store applies inside its atomic `recordOutcome`: add the instance's trip,
 * drop trips older than the window, bump the version. Stores must not change it, so every store
 * counts quorum the same way.
 *
 * @example
 * ```ts
 * // inside a transaction:
 * const next = applyOutcome(current, outcome);
 * transaction.set(ref, next);
 * ```
 */
export function applyOutcome(
  current: BreakerRecord | undefined,
  outcome: BreakerOutcome,
): BreakerRecord {
  const base = current ?? emptyRecord(outcome.at, outcome.instanceId);
  const oldest = outcome.at - outcome.windowMs;
  const trips: Record<string, number> = {};
  for (const [instanceId, at] of Object.entries(base.trips)) {
    if (at >= oldest) trips[instanceId] = at;
  }
  trips[outcome.instanceId] = Math.max(outcome.at, trips[outcome.instanceId] ?? 0);
  return {
    ...base,
    trips,
    version: base.version + 1,
    updatedAt: outcome.at,
    updatedBy: outcome.instanceId,
  };
}

/** How many distinct instances tripped at or after `since`. */
export function countTrips(record: BreakerRecord, since: number): number {
  let count = 0;
  for (const at of Object.values(record.trips)) if (at >= since) count++;
  return count;
}
