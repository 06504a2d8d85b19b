/**
 * A document: a JSON object. Typed documents are interfaces of JSON fields; the store copies
 * them in and out, so a caller never holds the stored object.
 */
export type StateDocument = object;

/** Options for {@link StateStore.set} and {@link StateStore.update}. */
export interface WriteOptions {
  /**
   * Epoch ms from which the document is gone: invisible to every read at once, removed from disk
   * later (Firestore's TTL policy). `set` without it stores a document that never expires;
   * `update` without it keeps the document's current expiry.
   */
  readonly expireAt?: number;
}

/** Options for {@link StateStore.list}. */
export interface ListOptions {
  /** Only documents whose top-level fields equal these values (Firestore `==` filters). */
  readonly where?: Readonly<Record<string, string | number | boolean | null>>;
  /** At most this many documents (a whole number >= 1), the first by id. */
  readonly limit?: number;
}

/** A document with its id, as {@link StateStore.list} returns it. */
export interface StoredDocument<T extends StateDocument> {
  readonly id: string;
  readonly doc: T;
}

/**
 * The function of an atomic {@link StateStore.update}: receives the current document (undefined
 * when there is none, or it expired) and returns the new one, or undefined to leave it as it is.
 * Keep it free of side effects: a backend with optimistic transactions (Firestore) may call it
 * more than once.
 */
export type UpdateFunction<T extends StateDocument> = (
  current: T | undefined,
) => T | undefined | Promise<T | undefined>;

/**
 * Shared state for processors and orchestrators: small JSON documents in named collections, with
 * an atomic read-modify-write. The embedded backend keeps them in a journal under the data
 * directory (`openLocalStateStore`); on Google Cloud, Firestore. Collection names and ids follow
 * Firestore's rules (non-empty, no `/`, not `.` or `..`, at most 1,500 bytes), so a name that works
 * here works there; encode arbitrary keys (`encodeURIComponent`) first.
 *
 * @example
 * ```ts
 * await state.set('runs', runId, { status: 'running' }, { expireAt: now + 7 * 86_400_000 });
 * const done = await state.update<{ done: number }>('phase-3', date, (c) => ({ done: (c?.done ?? 0) + 1 }));
 * ```
 */
export interface StateStore {
  /** The document, or undefined when there is none (or it expired). */
  get<T extends StateDocument>(collection: string, id: string): Promise<T | undefined>;
  /** Store `doc` (a JSON object), replacing any document with this id. */
  set<T extends StateDocument>(
    collection: string,
    id: string,
    doc: T,
    options?: WriteOptions,
  ): Promise<void>;
  /**
   * Atomically read, change and write one document: concurrent updates of one document are
   * applied one after the other, so none is lost. Resolves with the document as it now stands
   * (undefined when there is none).
   */
  update<T extends StateDocument>(
    collection: string,
    id: string,
    fn: UpdateFunction<T>,
    options?: WriteOptions,
  ): Promise<T | undefined>;
  /** Remove the document; resolves with whether there was one. */
  delete(collection: string, id: string): Promise<boolean>;
  /** The collection's documents matching `where`, by id. */
  list<T extends StateDocument>(
    collection: string,
    options?: ListOptions,
  ): Promise<Array<StoredDocument<T>>>;
  /** Write what is pending and release the store. Idempotent. */
  close(): Promise<void>;
}
