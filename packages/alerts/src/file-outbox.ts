import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import {
  breakStaleLock,
  createLockFile,
  isProcessGone,
  type LockFile,
  readLockFile,
  removeLockFileIfSame,
  sameLockFile,
} from '@pipewell/core/file-lock';
import { AlertInputError } from './alert.js';
import {
  type AlertOutbox,
  checkEntry,
  claimEntries,
  holds,
  type OutboxLimitsOptions,
  parseEntry,
  releaseEntry,
  resolveLimits,
  type StoredEntry,
  sortedEntries,
} from './outbox.js';
import { AlertOutboxError } from './outbox-error.js';

/** Options for {@link createFileOutbox}. */
export interface FileOutboxOptions extends OutboxLimitsOptions {
  /** The JSON file that holds the outbox; its directory is created when missing. */
  readonly path: string;
  /** Where a quarantined (unreadable) file is reported. @default silentLogger */
  readonly logger?: Logger;
  /**
   * How long to wait for another process's lock on the file before failing.
   * @default 10000
   */
  readonly lockTimeoutMs?: number;
  /**
   * A lock file older than this is taken to be left over from a crash and broken, even if its
   * process id is in use again. A lock whose process is gone is broken at once. A lock is broken
   * only while it is still the one judged stale, never one taken since; a process that held its
   * lock longer than this finds it broken and fails the change with {@link AlertOutboxError}
   * instead of writing over the new holder's.
   * @default 60000
   */
  readonly staleLockMs?: number;
  /** Times the wait for a lock. @default systemClock */
  readonly clock?: Clock;
}

/** The file outbox: an {@link AlertOutbox} with the path it writes. */
export interface FileOutbox extends AlertOutbox {
  /** The absolute path of the outbox file. */
  readonly path: string;
}

const FORMAT = '@pipewell/alerts outbox';
const LOCK_POLL_MS = 20;

// Operations on one file within this process run one at a time (a lock file alone would make
// two outboxes in one process poll each other); the lock file covers other processes.
const queues = new Map<string, Promise<unknown>>();

function serialise<T>(path: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.then(
    () => {},
    () => {},
  );
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return run;
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/**
 * The content of a lock file this process takes: its process id, and a token unique to this
 * taking of the lock.
 */
const lockContent = (): string => `${process.pid}\n${globalThis.crypto.randomUUID()}\n`;

/**
 * A durable {@link AlertOutbox} in one JSON file, for a service on one host (a VM, a container
 * with a volume, a laptop). Every change is written to a temporary file, flushed to disk and
 * renamed over the outbox, so a crash leaves the old file or the new one, never half of one.
 * Changes are serialised within the process and across processes by a lock file
 * (`<path>.lock`), so overlapping flushes, or two processes sharing the file, never lose or
 * double-claim an entry. A file that cannot be read (torn by a non-atomic copy, edited by hand) is
 * moved aside to `<path>.corrupt-<time>` and reported at error level; the entries that can be
 * read are kept.
 *
 * @example
 * ```ts
 * const alerter = createAlerter({
 *   sinks: [createSlackSink({ webhookUrl })],
 *   outbox: createFileOutbox({ path: '/var/lib/pipeline/alert-outbox.json' }),
 * });
 * ```
 */
export function createFileOutbox(options: FileOutboxOptions): FileOutbox {
  if (typeof options?.path !== 'string' || options.path.trim() === '') {
    throw new AlertInputError('path', 'createFileOutbox needs { path } (the outbox file)');
  }
  const limits = resolveLimits(options);
  const path = resolve(options.path);
  const lockPath = `${path}.lock`;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  if (!Number.isFinite(lockTimeoutMs) || lockTimeoutMs < 0) {
    throw new AlertInputError('lockTimeoutMs', 'option "lockTimeoutMs" must be a number >= 0');
  }
  const staleLockMs = options.staleLockMs ?? 60_000;
  if (!Number.isFinite(staleLockMs) || staleLockMs <= 0) {
    throw new AlertInputError('staleLockMs', 'option "staleLockMs" must be a number > 0');
  }
  let directoryReady: Promise<unknown> | undefined;

  const isStale = (held: LockFile): boolean => {
    const pid = Number.parseInt(held.content, 10);
    if (Number.isInteger(pid) && pid > 0 && isProcessGone(pid)) return true;
    return Date.now() - held.mtimeMs > staleLockMs;
  };
  const onConflict = (target: string): void => {
    logger.error(
      { lockPath: target },
      'alerts: a live outbox lock was moved aside and another was taken before it could be put back; two processes may hold the lock',
    );
  };

  const lock = async (): Promise<LockFile> => {
    const deadline = clock.now() + lockTimeoutMs;
    for (;;) {
      const mine = await createLockFile(lockPath, lockContent());
      if (mine !== undefined) return mine;
      const held = await readLockFile(lockPath);
      // Released between our attempt and this look: try again at once. Never remove it: what is
      // there by now may be another process's new lock.
      if (held === undefined) continue;
      // Broken, or released, or a dead breaker's turn cleared: try again at once.
      if (
        isStale(held) &&
        (await breakStaleLock(lockPath, held, { content: lockContent(), isStale, onConflict })) !==
          'busy'
      ) {
        continue;
      }
      if (clock.now() >= deadline) {
        throw new AlertOutboxError(
          `another process holds the outbox lock ${lockPath} (waited ${lockTimeoutMs} ms); remove it if no alerter is running`,
        );
      }
      await clock.sleep(LOCK_POLL_MS);
    }
  };

  const unlock = async (mine: LockFile): Promise<void> => {
    try {
      // Look first, so a lock that is no longer ours is not even moved aside for a moment.
      const current = await readLockFile(lockPath);
      const ours = current !== undefined && sameLockFile(current, mine);
      if (ours && (await removeLockFileIfSame(lockPath, mine, { onConflict }))) return;
      logger.error(
        { lockPath, staleLockMs },
        'alerts: the outbox lock was broken while this process held it (held longer than staleLockMs); it was left to its new holder',
      );
    } catch (error) {
      // The change itself is done (or failed on its own): report the lock, do not fail the call.
      logger.error(
        { lockPath, err: error },
        'alerts: could not release the outbox lock; other processes wait until it is stale',
      );
    }
  };

  /** Fail instead of writing when the lock is no longer ours: another process may be writing. */
  const checkHeld = async (mine: LockFile): Promise<void> => {
    const current = await readLockFile(lockPath);
    if (current === undefined || !sameLockFile(current, mine)) {
      throw new AlertOutboxError(
        `the outbox lock ${lockPath} was broken while this process held it (held longer than staleLockMs, ${staleLockMs} ms); the change was not written`,
      );
    }
  };

  const quarantine = async (reason: string): Promise<string> => {
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, '-');
    const aside = `${path}.corrupt-${stamp}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
    await rename(path, aside);
    logger.error(
      { path, quarantinedTo: aside, reason },
      'alerts: the outbox file could not be read; it was moved aside and the readable entries kept',
    );
    return aside;
  };

  /** The entries in the file; `dirty` when a quarantine means the file must be rewritten. */
  const read = async (): Promise<{ entries: Map<string, StoredEntry>; dirty: boolean }> => {
    const entries = new Map<string, StoredEntry>();
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { entries, dirty: false };
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      await quarantine(`not JSON (${(error as Error).message})`);
      return { entries, dirty: true };
    }
    const raw = (data as { format?: unknown; entries?: unknown } | null) ?? {};
    if (raw.format !== FORMAT || !Array.isArray(raw.entries)) {
      await quarantine('not an alert outbox file');
      return { entries, dirty: true };
    }
    const problems: string[] = [];
    for (const [index, item] of raw.entries.entries()) {
      const entry = parseEntry(item);
      const lease = (item as { lease?: unknown } | null)?.lease;
      const leaseOk =
        lease === null ||
        lease === undefined ||
        (typeof (lease as { token?: unknown }).token === 'string' &&
          typeof (lease as { expiresAt?: unknown }).expiresAt === 'number');
      if (typeof entry === 'string' || !leaseOk) {
        problems.push(`entry ${index}: ${typeof entry === 'string' ? entry : 'bad lease'}`);
        continue;
      }
      entries.set(entry.id, {
        entry,
        lease: (lease as StoredEntry['lease'] | undefined) ?? null,
      });
    }
    if (problems.length > 0) {
      await quarantine(
        `${problems.length} unreadable entr(ies): ${problems.slice(0, 5).join('; ')}`,
      );
      return { entries, dirty: true };
    }
    return { entries, dirty: false };
  };

  const write = async (
    entries: ReadonlyMap<string, StoredEntry>,
    mine: LockFile,
  ): Promise<void> => {
    const body = JSON.stringify({
      format: FORMAT,
      version: 1,
      entries: [...entries.values()].map((stored) => ({ ...stored.entry, lease: stored.lease })),
    });
    const temporary = `${path}.${process.pid}.${globalThis.crypto.randomUUID()}.tmp`;
    try {
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(body);
        // On disk before the rename makes it the outbox, or a power cut could leave an empty file.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await checkHeld(mine);
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw error;
    }
  };

  /** Read, change and (when `change` says so) write the file, holding both locks throughout. */
  const update = <T>(
    change: (entries: Map<string, StoredEntry>) => { result: T; changed: boolean },
  ): Promise<T> =>
    serialise(path, async () => {
      directoryReady ??= mkdir(dirname(path), { recursive: true });
      await directoryReady;
      const mine = await lock();
      try {
        const { entries, dirty } = await read();
        const { result, changed } = change(entries);
        if (changed || dirty) await write(entries, mine);
        return result;
      } finally {
        await unlock(mine);
      }
    });

  return {
    path,
    limits,
    async add(entry) {
      const checked = checkEntry(entry);
      return update((entries) => {
        entries.set(checked.id, { entry: checked, lease: null });
        return { result: undefined, changed: true };
      });
    },
    async claim(request) {
      return update((entries) => {
        const claims = claimEntries(entries, request);
        return { result: claims, changed: claims.length > 0 };
      });
    },
    async remove(claim) {
      return update((entries) => {
        if (!holds(entries, claim)) return { result: false, changed: false };
        entries.delete(claim.entry.id);
        return { result: true, changed: true };
      });
    },
    async release(claim, retry) {
      return update((entries) => {
        const released = releaseEntry(entries, claim, retry);
        return { result: released, changed: released };
      });
    },
    async list() {
      return update((entries) => ({ result: sortedEntries(entries), changed: false }));
    },
  };
}
