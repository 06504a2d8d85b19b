import {
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  Timestamp,
  type Transaction,
} from '@google-cloud/firestore';
import { type Logger, silentLogger } from '@pipewell/core';
import { AlertInputError } from './alert.js';
import {
  type AlertOutbox,
  checkClaimRequest,
  checkEntry,
  checkRetry,
  type OutboxClaim,
  type OutboxEntry,
  type OutboxLimitsOptions,
  parseEntry,
  resolveLimits,
} from './outbox.js';

/** Options for {@link createFirestoreOutbox}. */
export interface FirestoreOutboxOptions extends OutboxLimitsOptions {
  /** Your Firestore instance (reuse the pooled one). */
  readonly firestore: Firestore;
  /**
   * The collection, one document per alert and sink still owed a delivery.
   * @default 'alert_outbox'
   */
  readonly collection?: string;
  /** Where an unreadable document is reported. @default silentLogger */
  readonly logger?: Logger;
}

// Never claimed again: where an unreadable document is parked for a human.
const PARKED = Number.MAX_SAFE_INTEGER;

function docId(id: string): string {
  return encodeURIComponent(id).replace(/\./g, '%2E');
}

/** The document for an entry. The alert is kept as JSON, so no Firestore rule on map keys applies. */
function toDoc(entry: OutboxEntry, maxAgeMs: number): Record<string, unknown> {
  return {
    id: entry.id,
    sink: entry.sink,
    // Readable in the console without parsing alertJson.
    title: entry.alert.title,
    severity: entry.alert.severity,
    alertJson: JSON.stringify(entry.alert),
    attempts: entry.attempts,
    firstFailedAt: entry.firstFailedAt,
    nextAttemptAt: entry.nextAttemptAt,
    lastError: entry.lastError,
    leaseToken: null,
    leaseExpiresAt: null,
    availableAt: entry.nextAttemptAt,
    // For a TTL policy, as a backstop for entries no alerter will ever flush again.
    expireAt: Timestamp.fromMillis(entry.firstFailedAt + 2 * maxAgeMs),
  };
}

function fromDoc(snapshot: DocumentSnapshot): OutboxEntry | string {
  const data = snapshot.data();
  if (data === undefined) return 'missing';
  let alert: unknown;
  try {
    alert = JSON.parse(String(data.alertJson));
  } catch {
    return 'bad alertJson';
  }
  return parseEntry({ ...data, alert });
}

/**
 * A durable {@link AlertOutbox} on Firestore, for Cloud Functions and Cloud Run, where an
 * instance may vanish with alerts queued and several instances flush at once. Claims run in a
 * transaction that leases the entries it returns (`leaseToken`, `leaseExpiresAt`), and removing or
 * releasing an entry checks the lease in a transaction, so two instances flushing together deliver
 * each alert once. One query serves claims (`availableAt <= now`, ordered by `availableAt`): a
 * single-field index, so no composite index is needed. Each document carries `expireAt` (first
 * failure plus twice `maxAgeMs`) for an optional TTL policy. An unreadable document is parked (never
 * claimed, never deleted) and reported at error level with its path.
 *
 * @example
 * ```ts
 * import { Firestore } from '@google-cloud/firestore';
 * import { createFirestoreOutbox } from '@pipewell/alerts/firestore';
 *
 * const alerter = createAlerter({
 *   sinks: [createSlackSink({ webhookUrl })],
 *   outbox: createFirestoreOutbox({ firestore: new Firestore() }),
 * });
 * ```
 */
export function createFirestoreOutbox(options: FirestoreOutboxOptions): AlertOutbox {
  const firestore = options?.firestore;
  if (typeof firestore?.runTransaction !== 'function') {
    throw new AlertInputError(
      'firestore',
      'createFirestoreOutbox needs { firestore } (a Firestore instance)',
    );
  }
  const name = options.collection ?? 'alert_outbox';
  if (typeof name !== 'string' || name === '' || name.includes('/')) {
    throw new AlertInputError('collection', 'option "collection" must be a collection name');
  }
  const limits = resolveLimits(options);
  const logger = options.logger ?? silentLogger;
  const collection = firestore.collection(name);
  const ref = (id: string): DocumentReference => collection.doc(docId(id));

  /** Apply `write` only while `claim` still holds its entry, checked in the same transaction. */
  const settle = (
    claim: OutboxClaim,
    write: (transaction: Transaction, doc: DocumentReference) => void,
  ): Promise<boolean> => {
    const doc = ref(claim?.entry?.id);
    return firestore.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(doc);
      if (!snapshot.exists || snapshot.get('leaseToken') !== claim.token) return false;
      write(transaction, doc);
      return true;
    });
  };

  return {
    limits,
    async add(entry) {
      const checked = checkEntry(entry);
      await ref(checked.id).set(toDoc(checked, limits.maxAgeMs));
    },
    async claim(request) {
      checkClaimRequest(request);
      const query = collection
        .where('availableAt', '<=', request.now)
        .orderBy('availableAt')
        .limit(request.limit);
      return firestore.runTransaction(async (transaction) => {
        const snapshot = await transaction.get(query);
        // Made inside the transaction: a retried transaction gets a fresh token.
        const token = globalThis.crypto.randomUUID();
        const leaseExpiresAt = request.now + request.leaseMs;
        const claims: OutboxClaim[] = [];
        for (const doc of snapshot.docs) {
          const entry = fromDoc(doc);
          if (typeof entry === 'string') {
            transaction.update(doc.ref, { availableAt: PARKED, unreadable: entry });
            logger.error(
              { path: doc.ref.path, reason: entry },
              'alerts: an outbox document could not be read; it was parked and will not be retried',
            );
            continue;
          }
          transaction.update(doc.ref, {
            leaseToken: token,
            leaseExpiresAt,
            availableAt: Math.max(entry.nextAttemptAt, leaseExpiresAt),
          });
          claims.push({ entry, token, leaseExpiresAt });
        }
        return claims;
      });
    },
    async remove(claim) {
      return settle(claim, (transaction, doc) => {
        transaction.delete(doc);
      });
    },
    async release(claim, retry) {
      checkRetry(retry);
      return settle(claim, (transaction, doc) => {
        transaction.update(doc, {
          attempts: retry.attempts,
          lastError: retry.lastError,
          nextAttemptAt: retry.nextAttemptAt,
          availableAt: retry.nextAttemptAt,
          leaseToken: null,
          leaseExpiresAt: null,
        });
      });
    },
    async list() {
      const snapshot = await collection
        .where('availableAt', '<', PARKED)
        .orderBy('availableAt')
        .get();
      return snapshot.docs
        .map((doc) => fromDoc(doc))
        .filter((entry): entry is OutboxEntry => typeof entry !== 'string');
    },
  };
}
