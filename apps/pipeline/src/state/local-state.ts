import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import {
  type Durability,
  type Journal,
  type JournalRecord,
  type JournalRecovery,
  openJournal,
} from '../data-dir/journal.js';
import {
  checkExpireAt,
  checkListOptions,
  checkName,
  checkUpdateFunction,
  serialize,
} from './checks.js';
import { StateStoreClosedError } from './errors.js';
import type {
  ListOptions,
  StateDocument,
  StateStore,
  UpdateFunction,
  WriteOptions,
} from './port.js';

/** Options for {@link openLocalStateStore}. */
export interface LocalStateStoreOptions {
  /** The directory of the store's journal (`state.jsonl`); created when missing. */
  readonly dir: string;
  /** Decides when documents expire. @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /**
   * When a write resolves: `'write'` once the operating system has it (a crash of this process
   * loses nothing; a power loss may lose the last writes, never half a document), `'sync'` once it
   * is flushed to disk (concurrent writes share one flush).
   * @default 'write'
   */
  readonly durability?: Durability;
  /**
   * Rewrite the journal with only the live documents once it is larger than this and more than
   * twice their size.
   * @default 4 MiB
   */
  readonly compactAfterBytes?: number;
}

/** The embedded {@link StateStore}, with what it found on open and its upkeep. `await using` closes it. */
export interface LocalStateStore extends StateStore, AsyncDisposable {
  /** What opening the journal found (a torn last line, records replayed). */
  readonly recovery: JournalRecovery;
  /** Remove expired documents now (reads never see them anyway); returns how many. */
  sweep(): number;
  /** Rewrite the journal with only the live documents. */
  compact(): Promise<void>;
}

interface Stored {
  /** The document as stored, in JSON: every read parses a fresh copy. */
  readonly json: string;
  /** Parsed once, for `where` filters; never handed out. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly expireAt: number | undefined;
  /** About the size of its journal line, for the compaction threshold. */
  readonly bytes: number;
}

function setLine(collection: string, id: string, stored: Stored): string {
  const expiry = stored.expireAt === undefined ? '' : `,"x":${stored.expireAt}`;
  return `{"t":"set","c":${JSON.stringify(collection)},"id":${JSON.stringify(id)}${expiry},"d":${stored.json}}`;
}

function deleteLine(collection: string, id: string): string {
  return `{"t":"del","c":${JSON.stringify(collection)},"id":${JSON.stringify(id)}}`;
}

function toStored(
  collection: string,
  id: string,
  json: string,
  expireAt: number | undefined,
): Stored {
  return {
    json,
    fields: JSON.parse(json) as Record<string, unknown>,
    expireAt,
    bytes: json.length + collection.length + id.length + 40,
  };
}

/**
 * Open the embedded {@link StateStore} in `options.dir`: documents live in memory and every write
 * is appended to a journal (`state.jsonl`, JSON lines) before it resolves, so the store survives
 * a restart, and a crash mid-write loses at most that write, never leaving half a document (a
 * torn last line is dropped on open). Updates of one document run one after another; writes of
 * different documents share the journal's writes. The journal is compacted as it grows. One
 * process per directory (the data directory's lock sees to it).
 *
 * @example
 * ```ts
 * const state = await openLocalStateStore({ dir: dataDir.stateDir, clock });
 * await state.update<{ done: number }>('phase-3', '2026-01-24', (c) => ({ done: (c?.done ?? 0) + 1 }));
 * ```
 */
export async function openLocalStateStore(
  options: LocalStateStoreOptions,
): Promise<LocalStateStore> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const durability = options.durability ?? 'write';
  const compactAfterBytes = options.compactAfterBytes ?? 4 * 1024 * 1024;
  const collections = new Map<string, Map<string, Stored>>();
  const chains = new Map<string, Promise<unknown>>();
  let liveBytes = 0;
  let earliestExpiry = Number.POSITIVE_INFINITY;
  let compacting: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const collectionOf = (name: string): Map<string, Stored> => {
    let docs = collections.get(name);
    if (docs === undefined) {
      docs = new Map();
      collections.set(name, docs);
    }
    return docs;
  };

  /** Put `stored` (or nothing) in memory; the journal line is the caller's. */
  const place = (collection: string, id: string, stored: Stored | undefined): void => {
    const docs = collectionOf(collection);
    const previous = docs.get(id);
    if (previous !== undefined) liveBytes -= previous.bytes;
    if (stored === undefined) {
      docs.delete(id);
      return;
    }
    docs.set(id, stored);
    liveBytes += stored.bytes;
    if (stored.expireAt !== undefined && stored.expireAt < earliestExpiry) {
      earliestExpiry = stored.expireAt;
    }
  };

  await mkdir(options.dir, { recursive: true });
  const journal: Journal = await openJournal({
    path: join(options.dir, 'state.jsonl'),
    kind: 'state',
    logger,
    onRecord(record: JournalRecord) {
      const collection = record.c as string;
      const id = record.id as string;
      if (record.t === 'set') {
        const expireAt = typeof record.x === 'number' ? record.x : undefined;
        place(collection, id, toStored(collection, id, JSON.stringify(record.d), expireAt));
      } else if (record.t === 'del') {
        place(collection, id, undefined);
      } else {
        throw new Error(`unknown record type ${JSON.stringify(record.t)}`);
      }
    },
  });

  const isLive = (stored: Stored | undefined, now: number): stored is Stored =>
    stored !== undefined && (stored.expireAt === undefined || stored.expireAt > now);

  const sweep = (): number => {
    const now = clock.now();
    let removed = 0;
    earliestExpiry = Number.POSITIVE_INFINITY;
    for (const [collection, docs] of collections) {
      for (const [id, stored] of docs) {
        if (isLive(stored, now)) {
          if (stored.expireAt !== undefined && stored.expireAt < earliestExpiry) {
            earliestExpiry = stored.expireAt;
          }
          continue;
        }
        place(collection, id, undefined);
        journal.append(deleteLine(collection, id));
        removed++;
      }
    }
    if (removed > 0) logger.debug({ removed }, 'state: swept expired documents');
    return removed;
  };

  const liveLines = function* (): Iterable<string> {
    const now = clock.now();
    for (const [collection, docs] of collections) {
      for (const [id, stored] of docs) {
        if (isLive(stored, now)) yield setLine(collection, id, stored);
      }
    }
  };

  const compact = (): Promise<void> => {
    compacting ??= journal
      .rewrite(() => ({ header: {}, lines: liveLines() }))
      .finally(() => {
        compacting = undefined;
      });
    return compacting;
  };

  const afterWrite = (): void => {
    if (
      compacting === undefined &&
      journal.bytes > compactAfterBytes &&
      journal.bytes > 2 * liveBytes
    ) {
      compact().catch((error: unknown) => logger.error({ err: error }, 'state: compaction failed'));
    }
  };

  const check = (): void => {
    if (closed !== undefined) throw new StateStoreClosedError('the state store is closed');
    if (clock.now() >= earliestExpiry) sweep();
  };

  /** Run `task` after every earlier write of the same document has been applied. */
  const exclusive = <R>(key: string, task: () => R | Promise<R>): Promise<R> => {
    const previous = chains.get(key);
    const run = previous === undefined ? Promise.resolve().then(task) : previous.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return run;
  };

  const read = (collection: string, id: string): Stored | undefined => {
    const stored = collections.get(collection)?.get(id);
    return isLive(stored, clock.now()) ? stored : undefined;
  };

  /** Store `json` in memory and commit its journal line; resolves with the commit. */
  const write = (
    collection: string,
    id: string,
    json: string,
    expireAt: number | undefined,
  ): Promise<void> => {
    const stored = toStored(collection, id, json, expireAt);
    place(collection, id, stored);
    const committed = journal.commit(setLine(collection, id, stored), durability);
    afterWrite();
    return committed;
  };

  // Expired documents left from the last run go now, and a large journal is compacted.
  sweep();
  afterWrite();
  logger.debug(
    { dir: options.dir, records: journal.recovery.records, bytes: journal.bytes },
    'state: opened',
  );

  const close = (): Promise<void> => {
    closed ??= (async () => {
      await Promise.allSettled([...chains.values()]);
      await compacting?.catch(() => {});
      await journal.close();
    })();
    return closed;
  };

  return {
    recovery: journal.recovery,
    sweep,
    compact,
    async get<T extends StateDocument>(collection: string, id: string) {
      checkName('collection', collection);
      checkName('id', id);
      check();
      const stored = read(collection, id);
      return stored === undefined ? undefined : (JSON.parse(stored.json) as T);
    },
    async set(collection, id, doc, writeOptions) {
      checkName('collection', collection);
      checkName('id', id);
      const json = serialize(collection, id, doc);
      const expireAt = checkExpireAt(writeOptions);
      check();
      const committed = await exclusive(`${collection}/${id}`, () => ({
        done: write(collection, id, json, expireAt),
      }));
      await committed.done;
    },
    async update<T extends StateDocument>(
      collection: string,
      id: string,
      fn: UpdateFunction<T>,
      writeOptions?: WriteOptions,
    ) {
      checkName('collection', collection);
      checkName('id', id);
      const expireAt = checkExpireAt(writeOptions);
      checkUpdateFunction(fn);
      check();
      const outcome = await exclusive(`${collection}/${id}`, async () => {
        const stored = read(collection, id);
        const next = await fn(stored === undefined ? undefined : (JSON.parse(stored.json) as T));
        if (next === undefined) return { stored, done: undefined };
        // A store closed while the function ran takes no more writes.
        if (closed !== undefined) throw new StateStoreClosedError('the state store is closed');
        const json = serialize(collection, id, next);
        const done = write(collection, id, json, expireAt ?? stored?.expireAt);
        return { stored: collectionOf(collection).get(id), done };
      });
      await outcome.done;
      return outcome.stored === undefined ? undefined : (JSON.parse(outcome.stored.json) as T);
    },
    async delete(collection, id) {
      checkName('collection', collection);
      checkName('id', id);
      check();
      const outcome = await exclusive(`${collection}/${id}`, () => {
        const existing = collections.get(collection)?.get(id);
        if (existing === undefined) return { existed: false, done: undefined };
        place(collection, id, undefined);
        const done = journal.commit(deleteLine(collection, id), durability);
        afterWrite();
        return { existed: isLive(existing, clock.now()), done };
      });
      await outcome.done;
      return outcome.existed;
    },
    async list<T extends StateDocument>(collection: string, listOptions: ListOptions = {}) {
      checkName('collection', collection);
      checkListOptions(listOptions);
      const { where, limit } = listOptions;
      check();
      const now = clock.now();
      const conditions = where === undefined ? [] : Object.entries(where);
      const matches: Array<[string, Stored]> = [];
      for (const [id, stored] of collections.get(collection) ?? []) {
        if (!isLive(stored, now)) continue;
        if (conditions.every(([field, value]) => stored.fields[field] === value)) {
          matches.push([id, stored]);
        }
      }
      matches.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return matches
        .slice(0, limit ?? matches.length)
        .map(([id, stored]) => ({ id, doc: JSON.parse(stored.json) as T }));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
