// The file outbox's lock between processes, with the interleavings that lose writes forced step
// by step. Each "process" is its own copy of the module (its own in-process queue), and every
// file-system call it makes can be held at a chosen point, so a race that a stress test hits once
// in many runs happens here every time.
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRecordingLogger,
  createVirtualClock,
  type VirtualClock,
} from '@pipewell/core/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FileOutboxOptions } from './file-outbox.js';
import type { AlertOutbox, OutboxEntry } from './outbox.js';
import { AlertOutboxError } from './outbox-error.js';
import { createOutboxEntry } from './testing/outbox-contract.js';

interface FsCall {
  readonly who: string | undefined;
  readonly op: string;
  readonly path: string;
  readonly flags: string | undefined;
}

const fsHook = vi.hoisted(() => ({
  before: async (_call: {
    op: string;
    path: string;
    flags: string | undefined;
  }): Promise<void> => {},
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const held =
    <A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await fsHook.before({
        op,
        path: String(args[0]),
        flags: typeof args[1] === 'string' ? args[1] : undefined,
      });
      return fn(...args);
    };
  const fs = {
    ...real,
    open: held('open', real.open),
    readFile: held('readFile', real.readFile),
    rename: held('rename', real.rename),
    unlink: held('unlink', real.unlink),
    link: held('link', real.link),
    stat: held('stat', real.stat),
  };
  return { ...fs, default: fs };
});

const who = new AsyncLocalStorage<string>();
const root = mkdtempSync(join(tmpdir(), 'pipewell-alerts-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Trap {
  readonly who: string;
  readonly match: (call: FsCall) => boolean;
  remaining: number;
  readonly reached: (resume: () => void) => void;
}
let traps: Trap[] = [];
let paused: Array<() => void> = [];
let calls: FsCall[] = [];

/**
 * Hold `name` before its `nth` file-system call (counted from now) that `match`es; resolves, once
 * it is held, with the function that lets it go on.
 */
function pauseAt(name: string, match: (call: FsCall) => boolean, nth = 1): Promise<() => void> {
  return new Promise((resolve) => {
    traps.push({
      who: name,
      match,
      remaining: nth,
      reached: (resume) => {
        paused.push(resume);
        resolve(resume);
      },
    });
  });
}

/** Fail at once (in real time) if `promise` has not settled within `ms`, instead of hanging. */
function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return () => done;
}

let clock: VirtualClock;
let path: string;
let lockPath: string;
let runs = 0;

beforeEach(() => {
  clock = createVirtualClock({ now: 0 });
  path = join(root, `run-${++runs}`, 'outbox.json');
  lockPath = `${path}.lock`;
  mkdirSync(join(path, '..'), { recursive: true });
  traps = [];
  paused = [];
  calls = [];
  fsHook.before = async (call) => {
    const named: FsCall = { ...call, who: who.getStore() };
    const trap = traps.find((t) => t.who === named.who && t.match(named) && --t.remaining === 0);
    if (trap !== undefined) {
      traps = traps.filter((t) => t !== trap);
      await new Promise<void>((resume) => trap.reached(resume));
    }
    // Logged as it goes ahead, after any hold.
    calls.push(named);
  };
});

afterEach(() => {
  // A test that failed half-way must not leave a process held.
  traps = [];
  for (const resume of paused) resume();
});

/** A process of its own: a fresh copy of the module, whose file calls are named `name`. */
async function startProcess(
  name: string,
  options: Partial<FileOutboxOptions> = {},
): Promise<{ add(entry: OutboxEntry): Promise<void>; outbox: AlertOutbox }> {
  vi.resetModules();
  const { createFileOutbox } = await import('./file-outbox.js');
  const outbox = createFileOutbox({ path, clock, ...options });
  return { outbox, add: (entry) => who.run(name, () => outbox.add(entry)) };
}

const isLockFile = (call: FsCall): boolean => call.path.startsWith(lockPath);
// A call that takes, removes or moves a lock file (as opposed to looking at one).
const changesLock = (call: FsCall): boolean =>
  isLockFile(call) &&
  ((call.op === 'open' && call.flags === 'wx') || ['unlink', 'rename', 'link'].includes(call.op));
const readsOutbox = (call: FsCall): boolean => call.op === 'readFile' && call.path === path;
// The rename of the temporary file over the outbox: the moment a change is written.
const commits = (call: FsCall): boolean => call.op === 'rename' && call.path.endsWith('.tmp');

async function ids(): Promise<string[]> {
  const { outbox } = await startProcess('reader');
  return (await outbox.list()).map((entry) => entry.id).sort();
}

describe('createFileOutbox: the lock between processes', () => {
  it('retries, and removes nothing, when the lock is released while it looks at it', async () => {
    const [a, b, c] = [await startProcess('a'), await startProcess('b'), await startProcess('c')];
    const entries = [createOutboxEntry(), createOutboxEntry(), createOutboxEntry()] as const;

    // a takes the lock and is held inside it.
    const aInside = pauseAt('a', readsOutbox);
    const addA = a.add(entries[0]);
    const resumeA = await within(aInside, 'a to take the lock');
    // b finds the lock taken, and is held just before it looks at the lock file.
    const bLooks = pauseAt('b', (call) => call.path === lockPath && !changesLock(call));
    const addB = b.add(entries[1]);
    const resumeB = await within(bLooks, 'b to look at the lock');
    // a finishes and releases the lock: b will find no lock file.
    resumeA();
    await within(addA, 'a to finish');
    const bActs = pauseAt('b', changesLock);
    resumeB();
    const resumeB2 = await within(bActs, 'b to act on what it saw');
    // Before b acts, c takes the now free lock, reads the outbox and is held before it writes.
    const cCommits = pauseAt('c', commits);
    const addC = c.add(entries[2]);
    const resumeC = await within(cCommits, 'c to take the lock and read');
    // b must now find c's lock and wait for it (a poll on the clock), not take it.
    resumeB2();
    const bDone = settled(addB);
    await within(
      vi.waitFor(() => expect(bDone() || clock.pendingTimers > 0).toBe(true)),
      'b to wait or finish',
    );
    resumeC();
    await within(addC, 'c to finish');
    await within(clock.runAll(addB), 'b to finish');
    await addB;
    expect(await ids()).toEqual(entries.map((entry) => entry.id).sort());
    expect(existsSync(lockPath)).toBe(false);
  });

  it('lets only one of two processes break a stale lock: the other keeps off its new lock', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lockPath, `${dead}\n`);
    const [a, b] = [await startProcess('a'), await startProcess('b')];
    const entries = [createOutboxEntry(), createOutboxEntry()] as const;

    // a judges the lock stale and is held before it does anything about it: before its first
    // change to the turn file, which it takes before breaking the lock.
    const aBreaks = pauseAt(
      'a',
      (call) => changesLock(call) && call.path.startsWith(`${lockPath}.break`),
    );
    const addA = a.add(entries[0]);
    const resumeA = await within(aBreaks, 'a to judge the lock stale');
    // b judges it stale too, breaks it, takes the lock, reads and is held before it writes.
    const bCommits = pauseAt('b', commits);
    const addB = b.add(entries[1]);
    const resumeB = await within(bCommits, 'b to break the lock and read');
    // a goes on: the lock it judged stale is gone, and the one there now is b's.
    const before = calls.length;
    resumeA();
    const aDone = settled(addA);
    await within(
      vi.waitFor(() => expect(aDone() || clock.pendingTimers > 0).toBe(true)),
      'a to wait or finish',
    );
    // a never so much as moved b's lock (moving it aside to look, even if put back, would leave
    // a moment in which a third process could take the lock too).
    const touched = calls
      .slice(before)
      .filter((call) => call.who === 'a' && call.path === lockPath && call.op !== 'open');
    expect(touched).toEqual([]);
    resumeB();
    await within(addB, 'b to finish');
    await within(clock.runAll(addA), 'a to finish');
    await addA;
    expect(await ids()).toEqual(entries.map((entry) => entry.id).sort());
    // No lock, turn lock or lock moved aside is left behind.
    expect(readdirSync(join(path, '..'))).toEqual(['outbox.json']);
  });

  it('a holder whose lock was broken as stale neither writes nor removes the new holder’s lock', async () => {
    const logger = createRecordingLogger();
    const a = await startProcess('a', { logger });
    // b takes any lock older than 1 ms to be stale: a, held inside its lock, looks stuck to it.
    const b = await startProcess('b', { staleLockMs: 1 });
    const entries = [createOutboxEntry(), createOutboxEntry()] as const;

    const aInside = pauseAt('a', readsOutbox);
    const addA = a.add(entries[0]);
    const resumeA = await within(aInside, 'a to take the lock');
    const takenAt = statSync(lockPath).mtimeMs;
    await within(
      vi.waitFor(() => expect(Date.now() - takenAt).toBeGreaterThan(1)),
      'the lock to age',
    );
    // b breaks a's lock, takes its own, reads, and is held before it writes.
    const bCommits = pauseAt('b', commits);
    const addB = b.add(entries[1]);
    const resumeB = await within(bCommits, 'b to break the lock and read');
    const bLock = readFileSync(lockPath, 'utf8');
    // a wakes up: its write would overwrite b's, and its release would free b's lock.
    resumeA();
    const error = await within(
      addA.then(
        () => undefined,
        (thrown: unknown) => thrown,
      ),
      'a to finish',
    );
    expect(AlertOutboxError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('was broken while this process held it');
    expect(readFileSync(lockPath, 'utf8')).toBe(bLock);
    expect(logger.messages()).toEqual([
      'alerts: the outbox lock was broken while this process held it (held longer than staleLockMs); it was left to its new holder',
    ]);
    resumeB();
    await within(addB, 'b to finish');
    expect(await ids()).toEqual([entries[1].id]);
    expect(existsSync(lockPath)).toBe(false);
  });
});
