import { randomUUID } from 'node:crypto';
import { type FileHandle, link, open, rename, unlink } from 'node:fs/promises';

/**
 * One lock file as found on disk: its identity and content, read through one descriptor. The
 * content should hold a token unique to each taking of the lock, so a lock released and taken
 * again (even with the same inode) never passes for the one seen before.
 */
export interface LockFile {
  readonly ino: number;
  readonly mtimeMs: number;
  readonly content: string;
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** Whether `a` and `b` are the same taking of a lock: same inode, mtime and content. */
export function sameLockFile(a: LockFile, b: LockFile): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.content === b.content;
}

/** The lock file at `path`, or `undefined` when there is none. */
export async function readLockFile(path: string): Promise<LockFile | undefined> {
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

const noHardLinks = ['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP'];

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
  } catch (error) {
    await handle.close().catch(() => {});
    // Ours, and too new to be judged stale: a lock left half-written would block everyone.
    await unlink(path).catch(() => {});
    throw error;
  }
  await handle.close();
  return readLockFile(path);
}

/**
 * Take the lock file `path` with `content`, or return `undefined` when it exists. The content is
 * written to a file of our own (`<path>.<uuid>.new`) first and hard-linked into place, so nobody
 * ever reads a half-written lock; where hard links are not supported, `open(path, 'wx')` and a
 * write.
 */
export async function createLockFile(path: string, content: string): Promise<LockFile | undefined> {
  const temporary = `${path}.${randomUUID()}.new`;
  try {
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
      if (!noHardLinks.includes(errorCode(error) as string)) throw error;
      return await createExclusive(path, content);
    }
  } finally {
    await unlink(temporary).catch(() => {});
  }
  return readLockFile(path);
}

/** Options for {@link removeLockFileIfSame} and {@link breakStaleLock}. */
export interface RemoveLockFileOptions {
  /**
   * Told when a live lock was moved aside and another was taken before it could be put back:
   * two processes may now hold the lock. Report it; the lock taken since stays.
   */
  readonly onConflict?: (path: string) => void;
}

/**
 * Remove the lock file at `path` only if it is still `judged`; returns whether it was removed.
 * It is renamed aside first (which takes whatever is there at that instant) and linked back if it
 * turns out to be another, which never replaces a lock taken since. Unlinking `path` after a
 * check instead could delete a lock taken between the check and the unlink.
 */
export async function removeLockFileIfSame(
  path: string,
  judged: LockFile,
  options?: RemoveLockFileOptions,
): Promise<boolean> {
  const aside = `${path}.${randomUUID()}.broken`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  const taken = await readLockFile(aside);
  if (taken !== undefined && sameLockFile(taken, judged)) {
    await unlink(aside);
    return true;
  }
  try {
    await link(aside, path);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') {
      // A file system without hard links: put it back by rename, the best left to do.
      await rename(aside, path);
      return false;
    }
    // Yet another lock was taken meanwhile, and it stays.
    options?.onConflict?.(path);
  }
  await unlink(aside).catch(() => {});
  return false;
}

/**
 * Whether the process `pid` is gone on this host. A process that exists under another user
 * (`EPERM`) counts as alive.
 */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
}

/** Options for {@link breakStaleLock}. */
export interface BreakStaleLockOptions extends RemoveLockFileOptions {
  /** The content of this process's turn file, `<lockPath>.break` (with a fresh token). */
  readonly content: string;
  /** Whether a turn file found in place is stale: its process died while breaking the lock. */
  readonly isStale: (turn: LockFile) => boolean;
}

/**
 * What {@link breakStaleLock} did: `broken`, the lock judged stale is removed; `changed`, it was
 * released or replaced since it was judged and nothing was removed; `turn-cleared`, a stale turn
 * file was removed (try again at once); `busy`, another process is breaking the lock right now
 * (wait a moment before trying again).
 */
export type BreakStaleLockResult = 'broken' | 'changed' | 'turn-cleared' | 'busy';

/**
 * Remove the lock file `lockPath` judged stale, unless it has been replaced since it was judged.
 * Processes breaking a lock take turns through a second lock file, `<lockPath>.break`, so two of
 * them that judged the same lock stale cannot both remove "it": the second would remove the
 * first one's new lock. Whether a lock is stale is the caller's to judge (a dead process, an old
 * file); so is what to do next.
 *
 * @example
 * ```ts
 * const held = await readLockFile(lockPath);
 * if (held !== undefined && isProcessGone(Number.parseInt(held.content, 10))) {
 *   const content = `${process.pid}\n${crypto.randomUUID()}\n`;
 *   const isStale = (turn: LockFile) => isProcessGone(Number.parseInt(turn.content, 10));
 *   if ((await breakStaleLock(lockPath, held, { content, isStale })) === 'busy') await wait();
 * }
 * ```
 */
export async function breakStaleLock(
  lockPath: string,
  judged: LockFile,
  options: BreakStaleLockOptions,
): Promise<BreakStaleLockResult> {
  const breakPath = `${lockPath}.break`;
  const turn = await createLockFile(breakPath, options.content);
  if (turn === undefined) {
    // Another process is breaking it. Its turn lasts a few file operations, so a turn file is
    // stale only when its process died during them.
    const other = await readLockFile(breakPath);
    const cleared =
      other !== undefined &&
      options.isStale(other) &&
      (await removeLockFileIfSame(breakPath, other, options));
    return cleared ? 'turn-cleared' : 'busy';
  }
  try {
    const current = await readLockFile(lockPath);
    return current !== undefined &&
      sameLockFile(current, judged) &&
      (await removeLockFileIfSame(lockPath, judged, options))
      ? 'broken'
      : 'changed';
  } finally {
    await removeLockFileIfSame(breakPath, turn, options);
  }
}
