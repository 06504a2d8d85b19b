import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Clock, Logger } from '@pipewell/core';
import {
  breakStaleLock,
  createLockFile,
  isProcessGone,
  type LockFile,
  readLockFile,
  removeLockFileIfSame,
} from '@pipewell/core/file-lock';
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
  return holder.hostname !== hostname() || !isProcessGone(holder.pid);
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
  /** A turn file left by a process that died while taking over (or one this code never wrote). */
  const isStale = (turn: LockFile): boolean => {
    const breaker = parse(turn.content);
    return breaker === undefined || !mayBeAlive(breaker);
  };

  for (let attempt = 0; attempt < 10; attempt++) {
    if ((await createLockFile(lockPath, content)) !== undefined) {
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
            const current = await readLockFile(lockPath);
            if (current?.content === content) await removeLockFileIfSame(lockPath, current);
          })();
          return released;
        },
      };
    }
    const held = await readLockFile(lockPath);
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
    const taken = await breakStaleLock(lockPath, held, { content, isStale });
    // Another process is taking it over right now: its turn lasts a few file operations.
    if (taken === 'busy') await clock.sleep(20);
    if (taken === 'broken') {
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
