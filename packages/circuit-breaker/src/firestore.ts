import type { DocumentReference, DocumentSnapshot, Firestore } from '@google-cloud/firestore';
import { BreakerConfigError, BreakerRecordError } from './errors.js';
import type { BreakerOutcome, BreakerRecord, BreakerState } from './record.js';
import { applyOutcome } from './record.js';
import type { BreakerStateStore } from './store-port.js';

/** Options for {@link createFirestoreBreakerStore}. */
export interface FirestoreBreakerStoreOptions {
  /** Your Firestore instance (reuse the pooled one); this package never loads the SDK itself. */
  readonly firestore: Firestore;
  /**
   * The collection holding one document per breaker name.
   * @default 'pipewell-circuit-breakers'
   */
  readonly collection?: string;
}

const states: readonly BreakerState[] = ['closed', 'open', 'half-open'];

function isNumberOrNull(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

/** A whole number >= 0, or absent: documents written before a field existed read it as 0. */
function isCountOrAbsent(value: unknown): boolean {
  return (
    value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0)
  );
}

/** Check a document's data is a BreakerRecord, so a hand-edited document fails loudly. */
function toRecord(snapshot: DocumentSnapshot, path: string): BreakerRecord | undefined {
  if (!snapshot.exists) return undefined;
  const data = snapshot.data() as Record<string, unknown> | undefined;
  const problem = ((): string | undefined => {
    if (data === undefined) return 'no data';
    if (typeof data.version !== 'number' || !Number.isInteger(data.version) || data.version < 1)
      return 'version';
    if (!states.includes(data.state as BreakerState)) return 'state';
    if (!isCountOrAbsent(data.period)) return 'period';
    if (!isCountOrAbsent(data.failures)) return 'failures';
    if (!isNumberOrNull(data.openedAt)) return 'openedAt';
    if (!isNumberOrNull(data.halfOpenAt)) return 'halfOpenAt';
    if (typeof data.isolated !== 'boolean') return 'isolated';
    if (typeof data.updatedAt !== 'number' || typeof data.updatedBy !== 'string')
      return 'updatedAt/updatedBy';
    const lease = data.lease as Record<string, unknown> | null | undefined;
    if (
      lease !== null &&
      (typeof lease !== 'object' ||
        typeof lease.holder !== 'string' ||
        typeof lease.expiresAt !== 'number')
    ) {
      return 'lease';
    }
    const trips = data.trips as Record<string, unknown> | undefined;
    if (
      typeof trips !== 'object' ||
      trips === null ||
      !Object.values(trips).every((at) => typeof at === 'number')
    ) {
      return 'trips';
    }
    return undefined;
  })();
  if (problem !== undefined) {
    throw new BreakerRecordError(path, problem);
  }
  return plainRecord({ period: 0, failures: 0, ...data } as unknown as BreakerRecord);
}

/**
 * Exactly the record's fields, as plain data: what Firestore stores (no undefined fields, no
 * class instances) and what a read hands back (no Firestore extras).
 */
function plainRecord(record: BreakerRecord): BreakerRecord {
  return {
    version: record.version,
    state: record.state,
    period: record.period,
    openedAt: record.openedAt,
    halfOpenAt: record.halfOpenAt,
    lease:
      record.lease === null
        ? null
        : { holder: record.lease.holder, expiresAt: record.lease.expiresAt },
    isolated: record.isolated,
    trips: { ...record.trips },
    failures: record.failures,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy,
  };
}

/**
 * A {@link BreakerStateStore} on Firestore: one document per breaker, compare-and-set and
 * outcomes in transactions. Breaker names are URI-encoded into document ids, so any name works.
 * Reads and writes reject with Firestore's own errors; the breaker rides them out.
 *
 * @example
 * ```ts
 * import { Firestore } from '@google-cloud/firestore';
 * import { createCircuitBreaker } from '@pipewell/circuit-breaker';
 * import { createFirestoreBreakerStore } from '@pipewell/circuit-breaker/firestore';
 *
 * const store = createFirestoreBreakerStore({ firestore: new Firestore() });
 * const breaker = createCircuitBreaker({ name: 'bigquery', store });
 * ```
 */
export function createFirestoreBreakerStore(
  options: FirestoreBreakerStoreOptions,
): BreakerStateStore {
  const firestore = options?.firestore;
  if (
    typeof firestore !== 'object' ||
    firestore === null ||
    typeof firestore.runTransaction !== 'function'
  ) {
    throw new BreakerConfigError(
      'firestore',
      'createFirestoreBreakerStore needs { firestore } (a Firestore instance)',
    );
  }
  const collection = firestore.collection(options.collection ?? 'pipewell-circuit-breakers');
  const ref = (name: string): DocumentReference => {
    if (typeof name !== 'string' || name === '') {
      throw new BreakerConfigError('name', 'a breaker name must be a non-empty string');
    }
    // "." and ".." are reserved ids; encodeURIComponent leaves dots alone.
    return collection.doc(encodeURIComponent(name).replace(/\./g, '%2E'));
  };

  return {
    async get(name) {
      const doc = ref(name);
      return toRecord(await doc.get(), doc.path);
    },
    async compareAndSet(name, expectedVersion, next) {
      const doc = ref(name);
      return firestore.runTransaction(async (transaction) => {
        const current = toRecord(await transaction.get(doc), doc.path);
        if ((current?.version ?? 0) !== expectedVersion) return false;
        transaction.set(doc, plainRecord(next));
        return true;
      });
    },
    async recordOutcome(name: string, outcome: BreakerOutcome) {
      const doc = ref(name);
      return firestore.runTransaction(async (transaction) => {
        const current = toRecord(await transaction.get(doc), doc.path);
        const next = applyOutcome(current, outcome);
        // A stale or no-op outcome leaves the version alone: no write, no contention.
        if (next.version !== (current?.version ?? 0)) transaction.set(doc, plainRecord(next));
        return next;
      });
    },
  };
}

/**
 * The old name of {@link createFirestoreBreakerStore}.
 * @deprecated Use `createFirestoreBreakerStore(options)`; this name is removed in the next minor
 *   release.
 */
export const createFirestoreStore: (options: FirestoreBreakerStoreOptions) => BreakerStateStore =
  createFirestoreBreakerStore;

/**
 * The old name of {@link FirestoreBreakerStoreOptions}.
 * @deprecated Use `FirestoreBreakerStoreOptions`; this name is removed in the next minor release.
 */
export type FirestoreStoreOptions = FirestoreBreakerStoreOptions;
