import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { type FileHandle, link, open, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Clock, Logger } from '@pipewell/core';
import { DataDirBusyError, DataDirError, type LockHolder } from './errors.js';

/** A lock this process holds. */
export interface HeldLock {
  /** Remove the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** Options for {@link acquireLock}. */
export interface AcquireLockOptions {
  /** The data directory as the user gave it, for messages. */
  readonly displayPath: string;
  /** What this process runs, such as `'pipewell run'`. */
  readonly command: string;
  readonly logger: Logger;
  /** Stamps the lock and times the wait while another process takes over a stale lock. */
  readonly clock: Clock;
}

/** One lock file as found on disk; identity and content read through one descriptor. */
export interface LockFile {
  readonly ino: number;
  readonly mtimeMs: number;
  readonly content: string;
}

function errorCode(error: unknown): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function sameLock(a: LockFile, b: LockFile): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.content === b.content;
}

/** @internal The lock file at `path`, if any (exported for tests). */
export async function inspect(path: string): Promise<LockFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const info = await handle.stat();
    return { ino: info.ino, mtimeMs: info.mtimeMs, content: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}

/**
 * Create `path` holding `content`, or return undefined when it exists. The content is written to
 * a file of our own first and hard-linked into place, so nobody ever reads a half-written lock;
 * where hard links are not supported, `open(path, 'wx')` and a write.
 */
async function create(path: string, content: string): Promise<LockFile | undefined> {
  const temporary = `${path}.${randomUUID()}.new`;
  const handle = await open(temporary, 'wx');
  try {
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return undefined;
    if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP'].includes(errorCode(error) as string)) {
      throw error;
    }
    return createExclusive(path, content);
  } finally {
    await unlink(temporary).catch(() => {});
  }
  return inspect(path);
}

async function createExclusive(path: string, content: string): Promise<LockFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return undefined;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return inspect(path);
}

/**
 * Remove the lock file at `path` only if it is still `judged`: it is renamed aside first (which
 * takes whatever is there at that instant) and linked back if it turns out to be another. Unlinking
 * after a check instead could delete a lock taken between the check and the unlink.
 * @internal Exported for tests.
 */
export async function removeIfSame(path: string, judged: LockFile): Promise<boolean> {
  const aside = `${path}.${randomUUID()}.broken`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  const taken = await inspect(aside);
  if (taken !== undefined && sameLock(taken, judged)) {
    await unlink(aside);
    return true;
  }
  try {
    await link(aside, path);
  } catch (error) {
    // EEXIST: yet another lock was taken meanwhile, and it stays. Otherwise put it back as it was.
    if (errorCode(error) !== 'EEXIST') {
      await rename(aside, path);
      return false;
    }
  }
  await unlink(aside).catch(() => {});
  return false;
}

interface LockContent extends LockHolder {
  /** Unique to this taking of the lock. */
  readonly token: string;
}

function parse(content: string): LockContent | undefined {
  try {
    const value = JSON.parse(content) as Partial<LockContent>;
    if (
      typeof value.pid === 'number' &&
      typeof value.command === 'string' &&
      typeof value.startedAt === 'number' &&
      typeof value.hostname === 'string' &&
      typeof value.token === 'string'
    ) {
      return value as LockContent;
    }
  } catch {
    // Not a lock this code wrote.
  }
  return undefined;
}

/** Whether the holder may still be running: a process on another host cannot be checked. */
function mayBeAlive(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, run by another user.
    return errorCode(error) !== 'ESRCH';
  }
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `18:02`, or `2026-01-23 18:02` when not today (local time). */
function since(startedAt: number, now: number): string {
  const at = new Date(startedAt);
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const day = (d: Date): string =>
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return day(at) === day(new Date(now)) ? time : `${day(at)} ${time}`;
}

/** Lock files to remove when the process exits, by path, with the content that makes them ours. */
const heldAtExit = new Map<string, string>();
let exitHookInstalled = false;

function releaseAtExit(): void {
  for (const [path, content] of heldAtExit) {
    try {
      if (readFileSync(path, 'utf8') === content) unlinkSync(path);
    } catch {
      // Gone already, or unreadable: nothing to release.
    }
  }
  heldAtExit.clear();
}

/**
 * Take the lock file at `lockPath` for this process, or throw {@link DataDirBusyError} naming the
 * live process that holds it. A lock whose process is gone (on this host) is taken over with a
 * warning; processes taking over one stale lock at once take turns through `<lockPath>.break`, so
 * none removes a lock another has just taken. The lock is released by `release()` or, failing
 * that, when the process exits (not after SIGKILL: the next process then takes it over).
 */
export async function acquireLock(
  lockPath: string,
  options: AcquireLockOptions,
): Promise<HeldLock> {
  const { displayPath, command, logger, clock } = options;
  const now = clock.now();
  const mine: LockContent = {
    pid: process.pid,
    command,
    startedAt: now,
    hostname: hostname(),
    token: randomUUID(),
  };
  const content = `${JSON.stringify(mine)}\n`;
  const breakPath = `${lockPath}.break`;

  /** Remove the stale lock `judged` in our turn; true when it was removed. */
  const breakStale = async (judged: LockFile): Promise<boolean> => {
    const turn = await create(breakPath, content);
    if (turn === undefined) {
      const other = await inspect(breakPath);
      const breaker = other === undefined ? undefined : parse(other.content);
      if (other !== undefined && (breaker === undefined || !mayBeAlive(breaker))) {
        await removeIfSame(breakPath, other);
      } else {
        // Another process is taking it over right now: its turn lasts a few file operations.
        await clock.sleep(20);
      }
      return false;
    }
    try {
      const current = await inspect(lockPath);
      return current !== undefined && sameLock(current, judged) && removeIfSame(lockPath, judged);
    } finally {
      await removeIfSame(breakPath, turn);
    }
  };

  for (let attempt = 0; attempt < 10; attempt++) {
    if ((await create(lockPath, content)) !== undefined) {
      heldAtExit.set(lockPath, content);
      if (!exitHookInstalled) {
        process.on('exit', releaseAtExit);
        exitHookInstalled = true;
      }
      let released: Promise<void> | undefined;
      return {
        release() {
          released ??= (async () => {
            heldAtExit.delete(lockPath);
            const current = await inspect(lockPath);
            if (current?.content === content) await removeIfSame(lockPath, current);
          })();
          return released;
        },
      };
    }
    const held = await inspect(lockPath);
    if (held === undefined) continue;
    const holder = parse(held.content);
    if (holder === undefined) {
      throw new DataDirError(
        displayPath,
        `the lock file ${lockPath} is unreadable; remove it if no pipewell process is using ${displayPath}`,
      );
    }
    const who =
      holder.hostname === hostname()
        ? `${holder.command} (pid ${holder.pid})`
        : `${holder.command} (pid ${holder.pid} on ${holder.hostname})`;
    if (mayBeAlive(holder)) {
      throw new DataDirBusyError(
        displayPath,
        holder,
        `${who} is using ${displayPath} since ${since(holder.startedAt, now)}; wait for it or stop it`,
      );
    }
    if (await breakStale(held)) {
      logger.warn(
        {
          path: displayPath,
          pid: holder.pid,
          command: holder.command,
          startedAt: holder.startedAt,
        },
        `pipewell: took over ${displayPath} from ${who}, which is no longer running`,
      );
    }
  }
  throw new DataDirError(
    displayPath,
    `could not take the lock of ${displayPath}: other processes keep taking it`,
  );
}
