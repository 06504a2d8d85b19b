import {
  type DocumentReference,
  type DocumentSnapshot,
  FieldValue,
  type Firestore,
  type Query,
  Timestamp,
} from '@google-cloud/firestore';
import { HeartbeatOptionsError, nonEmpty } from './errors.js';
import type { HeartbeatStore } from './heartbeat-store.js';
import { checkRunFilter, meetsStaleClaim, runStatuses } from './heartbeat-store.js';
import type { HeartbeatRecord, RunFilter, RunKey, RunStatus } from './record.js';
import { runKeyId } from './record.js';

/** Options for {@link createFirestoreHeartbeatStore}. */
export interface FirestoreHeartbeatStoreOptions {
  /** Your Firestore instance (reuse the pooled one). */
  readonly firestore: Firestore;
  /**
   * The collection, one document per run.
   * @default 'processor_heartbeats'
   */
  readonly collection?: string;
}

/** A heartbeat record as the Firestore store returns it: with the server's time of the last write. */
export interface FirestoreHeartbeatRecord extends HeartbeatRecord {
  /** Epoch ms of the last write by Firestore's clock (a server timestamp), when known. */
  readonly serverUpdatedAt?: number;
}

/** The Firestore store: its records also carry `serverUpdatedAt`. */
export interface FirestoreHeartbeatStore extends HeartbeatStore {
  /** The run's record, with `serverUpdatedAt`, or undefined. */
  get(key: RunKey): Promise<FirestoreHeartbeatRecord | undefined>;
  /** The records matching every given field, with `serverUpdatedAt`. */
  listRuns(filter: RunFilter): Promise<FirestoreHeartbeatRecord[]>;
}

function toRecord(snapshot: DocumentSnapshot, path: string): FirestoreHeartbeatRecord | undefined {
  if (!snapshot.exists) return undefined;
  const data = snapshot.data() as Record<string, unknown>;
  const numbers = ['startedAt', 'lastBeatAt', 'lastProgressAt', 'beats'] as const;
  const bad =
    (!runStatuses.includes(data.status as RunStatus) && 'status') ||
    numbers.find((field) => typeof data[field] !== 'number') ||
    (['processorName', 'dataDate', 'runId'] as const).find(
      (field) => typeof data[field] !== 'string',
    );
  if (bad)
    throw new Error(
      `@pipewell/heartbeat: Firestore document ${path} is not a heartbeat record (bad ${bad})`,
    );
  const updated = data.serverUpdatedAt;
  const record: FirestoreHeartbeatRecord = {
    processorName: data.processorName as string,
    dataDate: data.dataDate as string,
    runId: data.runId as string,
    status: data.status as RunStatus,
    startedAt: data.startedAt as number,
    lastBeatAt: data.lastBeatAt as number,
    lastProgressAt: data.lastProgressAt as number,
    beats: data.beats as number,
    details: (data.details as HeartbeatRecord['details']) ?? null,
    stoppedAt: (data.stoppedAt as number | null) ?? null,
    summary: (data.summary as HeartbeatRecord['summary']) ?? null,
    staleAt: (data.staleAt as number | null) ?? null,
  };
  return updated instanceof Timestamp ? { ...record, serverUpdatedAt: updated.toMillis() } : record;
}

/**
 * A {@link HeartbeatStore} on Firestore: collection `processor_heartbeats`, one document per run,
 * merge writes stamped with the server's time (`serverUpdatedAt`), and stale claims in a
 * transaction. Listing queries `status` (plus `processorName` and `dataDate` when given) with
 * equality filters only, so no composite index is needed.
 *
 * @example
 * ```ts
 * import { Firestore } from '@google-cloud/firestore';
 * import { createFirestoreHeartbeatStore } from '@pipewell/heartbeat/firestore';
 *
 * const store = createFirestoreHeartbeatStore({ firestore: new Firestore() });
 * ```
 */
export function createFirestoreHeartbeatStore(
  options: FirestoreHeartbeatStoreOptions,
): FirestoreHeartbeatStore {
  const firestore = options?.firestore;
  if (typeof firestore?.runTransaction !== 'function') {
    throw new HeartbeatOptionsError(
      'firestore',
      'createFirestoreHeartbeatStore needs { firestore } (a Firestore instance)',
    );
  }
  const collection = firestore.collection(
    nonEmpty('collection', options.collection ?? 'processor_heartbeats'),
  );
  const ref = (key: RunKey): DocumentReference =>
    collection.doc(encodeURIComponent(runKeyId(key)).replace(/\./g, '%2E'));

  return {
    async upsert(key, fields) {
      const data = {
        ...fields,
        processorName: key.processorName,
        dataDate: key.dataDate,
        runId: key.runId,
        serverUpdatedAt: FieldValue.serverTimestamp(),
      };
      // mergeFields, not merge: true, which would deep-merge maps and keep keys of an earlier
      // checkpoint in `details`. Each field given replaces the stored one whole.
      await ref(key).set(data, { mergeFields: Object.keys(data) });
    },
    async get(key) {
      const doc = ref(key);
      return toRecord(await doc.get(), doc.path);
    },
    async listRuns(filter) {
      checkRunFilter(filter);
      let query: Query = collection.limit(10_000);
      if (filter.status !== undefined) query = query.where('status', '==', filter.status);
      if (filter.processorName !== undefined)
        query = query.where('processorName', '==', filter.processorName);
      if (filter.dataDate !== undefined) query = query.where('dataDate', '==', filter.dataDate);
      const snapshot = await query.get();
      return snapshot.docs.map((doc) => toRecord(doc, doc.ref.path) as FirestoreHeartbeatRecord);
    },
    async claimStale(key, claim) {
      const doc = ref(key);
      return firestore.runTransaction(async (transaction) => {
        const record = toRecord(await transaction.get(doc), doc.path);
        if (record === undefined || !meetsStaleClaim(record, claim)) return false;
        transaction.set(
          doc,
          { status: 'stale', staleAt: claim.at, serverUpdatedAt: FieldValue.serverTimestamp() },
          { merge: true },
        );
        return true;
      });
    },
  };
}
