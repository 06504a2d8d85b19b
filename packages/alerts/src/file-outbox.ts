import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import { AlertInputError } from './alert.js';
import {
  type AlertOutbox,
  AlertOutboxError,
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
   * process id is in use again. A lock whose process is gone is broken at once.
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

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists under another user.
    return errorCode(error) === 'ESRCH';
  }
}

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

  const lockIsStale = async (): Promise<boolean> => {
    try {
      const [content, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
      const pid = Number.parseInt(content, 10);
      if (Number.isInteger(pid) && pid > 0 && processGone(pid)) return true;
      return Date.now() - info.mtimeMs > staleLockMs;
    } catch (error) {
      // Released between our attempt and this look: try again at once.
      if (errorCode(error) === 'ENOENT') return true;
      throw error;
    }
  };

  const lock = async (): Promise<void> => {
    const deadline = clock.now() + lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx');
        try {
          await handle.writeFile(`${process.pid}\n`);
        } finally {
          await handle.close();
        }
        return;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      if (await lockIsStale()) {
        await unlink(lockPath).catch((error: unknown) => {
          if (errorCode(error) !== 'ENOENT') throw error;
        });
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

  const write = async (entries: ReadonlyMap<string, StoredEntry>): Promise<void> => {
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
      await lock();
      try {
        const { entries, dirty } = await read();
        const { result, changed } = change(entries);
        if (changed || dirty) await write(entries);
        return result;
      } finally {
        await unlink(lockPath).catch(() => {});
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
