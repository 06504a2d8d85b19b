import type {
  CollectionReference,
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  Query,
  QueryDocumentSnapshot,
  Timestamp,
} from '@google-cloud/firestore';
import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import {
  checkExpireAt,
  checkListOptions,
  checkName,
  checkUpdateFunction,
  serialize,
} from './checks.js';
import { StateDocumentError, StateInputError, StateStoreClosedError } from './errors.js';
import type {
  ListOptions,
  StateDocument,
  StateStore,
  StoredDocument,
  UpdateFunction,
  WriteOptions,
} from './port.js';

/** Options for {@link openFirestoreStateStore}. */
export interface FirestoreStateStoreOptions {
  /**
   * The Firestore client: `getFirestore()` from `@pipewell/clients/firestore` (pooled, honours
   * `FIRESTORE_EMULATOR_HOST`) or your own `new Firestore(...)`. The store never terminates it.
   */
  readonly firestore: Firestore;
  /**
   * Put before every collection name, so environments can share a database (`'staging-'` makes
   * `runs` the collection `staging-runs`).
   * @default ''
   */
  readonly prefix?: string;
  /** Decides when documents expire. @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
}

/** The Firestore {@link StateStore}. `await using` closes it. */
export interface FirestoreStateStore extends StateStore, AsyncDisposable {
  /** The Firestore collection a state collection lives in (the prefix put before it). */
  collectionPath(collection: string): string;
}

/**
 * The field holding the expiry, a Firestore Timestamp: point the collection's TTL policy at it
 * (`gcloud firestore fields ttls update expireAt --collection-group=<collection>`).
 */
export const firestoreExpireAtField = 'expireAt';

/** The layout of a stored document; a reader refuses any other. */
const layoutVersion = 1;
/** Firestore's limit on a field name, in UTF-8 bytes. */
const maxFieldNameBytes = 1_500;
/**
 * The longest string copied into `fields` for `where`: Firestore truncates index entries at 1,500
 * bytes, so equality on a longer string is unreliable, and the copy would double the document.
 */
const maxIndexedStringBytes = 1_500;
/** Firestore's limit on a document (its name, field names and values), in bytes. */
const maxDocumentBytes = 1_048_576;

/**
 * What one state document is in Firestore. The document is kept as its JSON text, so every JSON
 * object round-trips exactly (nested arrays, key order, empty keys); its top-level strings (up to
 * 1,500 bytes), numbers, booleans and nulls are copied into `fields` for `list`'s `==` filters.
 */
interface StoredData {
  readonly v: number;
  readonly json: string;
  readonly fields: Record<string, string | number | boolean | null>;
  readonly expireAt?: Timestamp;
}

type Scalar = string | number | boolean | null;

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** A name Firestore takes as a map key (and as a FieldPath segment). */
function isFieldName(name: string): boolean {
  return name !== '' && !/^__.*__$/.test(name) && Buffer.byteLength(name) <= maxFieldNameBytes;
}

/** A top-level value `list` can filter on in Firestore. */
function isIndexable(value: unknown): value is Scalar {
  return (
    isScalar(value) &&
    (typeof value !== 'string' || Buffer.byteLength(value) <= maxIndexedStringBytes)
  );
}

function scalarFields(json: string): Record<string, Scalar> {
  const fields: Record<string, Scalar> = {};
  for (const [name, value] of Object.entries(JSON.parse(json) as Record<string, unknown>)) {
    if (isFieldName(name) && isIndexable(value)) fields[name] = value;
  }
  return fields;
}

/** About what Firestore counts for a stored document (its storage-size rules), in bytes. */
function storedBytes(path: string, json: string, fields: Record<string, Scalar>): number {
  let bytes = Buffer.byteLength(path) + 16 + 32 + 'v'.length + 1 + 8 + 'json'.length + 1;
  bytes += Buffer.byteLength(json) + 1 + 'fields'.length + 1 + 'expireAt'.length + 1 + 8;
  for (const [name, value] of Object.entries(fields)) {
    bytes += Buffer.byteLength(name) + 1;
    bytes += typeof value === 'string' ? Buffer.byteLength(value) + 1 : 8;
  }
  return bytes;
}

function checkWhere(where: ListOptions['where']): Array<[string, Scalar]> {
  const conditions = where === undefined ? [] : Object.entries(where);
  for (const [field, value] of conditions) {
    if (!isFieldName(field)) {
      throw new StateInputError(
        'where',
        `option "where" cannot filter on field ${JSON.stringify(field).slice(0, 80)} in Firestore (a field name must be non-empty, at most ${maxFieldNameBytes} bytes and not start and end with "__")`,
      );
    }
    if (!isIndexable(value)) {
      throw new StateInputError(
        'where',
        `option "where.${field}" must be a string of at most ${maxIndexedStringBytes} bytes, a finite number, a boolean or null in Firestore (got ${String(value).slice(0, 80)})`,
      );
    }
  }
  return conditions as Array<[string, Scalar]>;
}

/** Whether `value` looks like a Firestore client (what the store calls on it). */
function isFirestore(value: unknown): value is Firestore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Firestore).collection === 'function' &&
    typeof (value as Firestore).runTransaction === 'function'
  );
}

/**
 * Open the Firestore {@link StateStore}: one Firestore document per state document, in the
 * collection `prefix + collection` under the same id. `update` and `delete` run in Firestore
 * transactions (retried on contention by `runTransaction` of `@pipewell/clients/firestore`), so
 * concurrent updates from every process of a fleet are applied one after the other. A document
 * written with `expireAt` carries it as the Timestamp field `expireAt`, for the collection's TTL
 * policy to delete it later; until then every read treats it as absent once the clock reaches it.
 * `list` filters with Firestore `==` on the document's top-level fields and orders by id.
 *
 * @throws StateInputError (option `firestore` or `prefix`) for a missing client or a bad prefix
 * @example
 * ```ts
 * import { getFirestore } from '@pipewell/clients/firestore';
 * const state = await openFirestoreStateStore({ firestore: getFirestore(), prefix: 'prod-' });
 * await state.update<{ done: number }>('phase-3', '2026-01-24', (c) => ({ done: (c?.done ?? 0) + 1 }));
 * ```
 */
export async function openFirestoreStateStore(
  options: FirestoreStateStoreOptions,
): Promise<FirestoreStateStore> {
  const firestore = options?.firestore;
  if (!isFirestore(firestore)) {
    throw new StateInputError(
      'firestore',
      'openFirestoreStateStore needs { firestore } (a Firestore instance, such as getFirestore() from @pipewell/clients/firestore)',
    );
  }
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || prefix.includes('/')) {
    throw new StateInputError(
      'prefix',
      `option "prefix" must be a string without "/" (got ${JSON.stringify(prefix)})`,
    );
  }
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  // Loaded here, not at the top, so the embedded backend never loads the Firestore SDK.
  const [{ FieldPath, Timestamp: TimestampClass }, { runTransaction }] = await Promise.all([
    import('@google-cloud/firestore'),
    import('@pipewell/clients/firestore'),
  ]);
  const pending = new Set<Promise<unknown>>();
  let closed: Promise<void> | undefined;

  const collectionPath = (collection: string): string => {
    checkName('collection', collection);
    return prefix === '' ? collection : checkName('collection', `${prefix}${collection}`);
  };
  const collectionRef = (collection: string): CollectionReference =>
    firestore.collection(collectionPath(collection));
  const docRef = (collection: string, id: string): DocumentReference =>
    collectionRef(collection).doc(checkName('id', id));

  const toTimestamp = (expireAt: number): Timestamp => {
    try {
      return TimestampClass.fromMillis(expireAt);
    } catch (error) {
      throw new StateInputError(
        'expireAt',
        `option "expireAt" ${expireAt} is outside the years Firestore can store (1 to 9999)`,
        { cause: error },
      );
    }
  };

  const toData = (
    ref: DocumentReference,
    json: string,
    expireAt: number | undefined,
  ): StoredData => {
    const fields = scalarFields(json);
    const bytes = storedBytes(ref.path, json, fields);
    if (bytes > maxDocumentBytes) {
      throw new StateInputError(
        'doc',
        `document ${ref.path} would take about ${bytes} bytes in Firestore, over its limit of ${maxDocumentBytes} (1 MiB); keep large payloads in the object store`,
      );
    }
    return {
      v: layoutVersion,
      json,
      fields,
      ...(expireAt === undefined ? {} : { [firestoreExpireAtField]: toTimestamp(expireAt) }),
    };
  };

  /** The stored JSON and expiry of a live document, or undefined (none, or expired). */
  const readLive = (
    snapshot: DocumentSnapshot,
  ): { json: string; expireAt: number | undefined } | undefined => {
    if (!snapshot.exists) return undefined;
    const data = snapshot.data() as DocumentData;
    const path = snapshot.ref.path;
    if (data.v !== layoutVersion) {
      throw new StateDocumentError(
        path,
        `layout version ${JSON.stringify(data.v)}, this store reads ${layoutVersion}`,
      );
    }
    if (typeof data.json !== 'string') throw new StateDocumentError(path, 'no "json" text field');
    const stamp = data[firestoreExpireAtField] as unknown;
    let expireAt: number | undefined;
    if (stamp !== undefined && stamp !== null) {
      if (!(stamp instanceof TimestampClass)) {
        throw new StateDocumentError(path, `"${firestoreExpireAtField}" is not a Timestamp`);
      }
      expireAt = stamp.toMillis();
      if (expireAt <= clock.now()) return undefined;
    }
    return { json: data.json, expireAt };
  };

  const parse = <T>(snapshot: DocumentSnapshot, json: string): T => {
    try {
      return JSON.parse(json) as T;
    } catch (error) {
      throw new StateDocumentError(snapshot.ref.path, 'its "json" field does not parse', {
        cause: error,
      });
    }
  };

  /** Run `task` unless the store is closed; `close` waits for it. */
  const tracked = <R>(task: () => Promise<R>): Promise<R> => {
    if (closed !== undefined) {
      return Promise.reject(new StateStoreClosedError('the state store is closed'));
    }
    const run = task();
    pending.add(run);
    const forget = (): void => {
      pending.delete(run);
    };
    run.then(forget, forget);
    return run;
  };

  const close = (): Promise<void> => {
    closed ??= (async () => {
      await Promise.allSettled([...pending]);
      logger.debug({ prefix }, 'state: Firestore store closed');
    })();
    return closed;
  };

  /** Live documents of `query` in id order, paging past expired ones until `limit` are found. */
  const liveDocuments = async (
    query: Query,
    limit: number | undefined,
  ): Promise<Array<{ snapshot: QueryDocumentSnapshot; json: string }>> => {
    const found: Array<{ snapshot: QueryDocumentSnapshot; json: string }> = [];
    let page = query;
    for (;;) {
      const result = await (limit === undefined ? page : page.limit(limit)).get();
      for (const snapshot of result.docs) {
        const live = readLive(snapshot);
        if (live !== undefined) found.push({ snapshot, json: live.json });
        if (limit !== undefined && found.length === limit) return found;
      }
      const last = result.docs.at(-1);
      if (limit === undefined || last === undefined || result.size < limit) return found;
      page = query.startAfter(last);
    }
  };

  logger.debug({ prefix }, 'state: Firestore store opened');

  return {
    collectionPath,
    async get<T extends StateDocument>(collection: string, id: string): Promise<T | undefined> {
      const ref = docRef(collection, id);
      return tracked(async () => {
        const snapshot = await ref.get();
        const live = readLive(snapshot);
        return live === undefined ? undefined : parse<T>(snapshot, live.json);
      });
    },
    async set(collection, id, doc, writeOptions) {
      const ref = docRef(collection, id);
      const data = toData(ref, serialize(collection, id, doc), checkExpireAt(writeOptions));
      await tracked(() => ref.set(data));
    },
    async update<T extends StateDocument>(
      collection: string,
      id: string,
      fn: UpdateFunction<T>,
      writeOptions?: WriteOptions,
    ): Promise<T | undefined> {
      const ref = docRef(collection, id);
      const expireAt = checkExpireAt(writeOptions);
      checkUpdateFunction(fn);
      return tracked(async () => {
        let attempts = 0;
        const json = await runTransaction(
          async (transaction) => {
            attempts++;
            const snapshot = await transaction.get(ref);
            const live = readLive(snapshot);
            const next = await fn(live === undefined ? undefined : parse<T>(snapshot, live.json));
            if (next === undefined) return live?.json;
            // A store closed while the function ran takes no more writes.
            if (closed !== undefined) throw new StateStoreClosedError('the state store is closed');
            const written = serialize(collection, id, next);
            transaction.set(ref, toData(ref, written, expireAt ?? live?.expireAt));
            return written;
          },
          { firestore },
        );
        if (attempts > 1) {
          logger.debug({ path: ref.path, attempts }, 'state: update retried on contention');
        }
        return json === undefined ? undefined : (JSON.parse(json) as T);
      });
    },
    async delete(collection, id) {
      const ref = docRef(collection, id);
      return tracked(() =>
        runTransaction(
          async (transaction) => {
            const snapshot = await transaction.get(ref);
            if (!snapshot.exists) return false;
            // An expired document the TTL policy has not removed yet goes too, but was not there.
            const live = readLive(snapshot) !== undefined;
            transaction.delete(ref);
            return live;
          },
          { firestore },
        ),
      );
    },
    async list<T extends StateDocument>(
      collection: string,
      listOptions: ListOptions = {},
    ): Promise<Array<StoredDocument<T>>> {
      const ref = collectionRef(collection);
      checkListOptions(listOptions);
      const conditions = checkWhere(listOptions.where);
      return tracked(async () => {
        let query: Query = ref;
        for (const [field, value] of conditions) {
          query = query.where(new FieldPath('fields', field), '==', value);
        }
        const found = await liveDocuments(query.orderBy(FieldPath.documentId()), listOptions.limit);
        return found.map(({ snapshot, json }) => ({
          id: snapshot.id,
          doc: parse<T>(snapshot, json),
        }));
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
