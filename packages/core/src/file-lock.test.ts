import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  breakStaleLock,
  createLockFile,
  isProcessGone,
  type LockFile,
  readLockFile,
  removeLockFileIfSame,
} from './file-lock.js';

let root: string;
let lockPath: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipewell-file-lock-'));
  lockPath = join(root, 'app.lock');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

/** Stale when the pid on its first line is gone, as a caller might judge. */
const isStale = (file: LockFile): boolean => isProcessGone(Number.parseInt(file.content, 10));

async function read(path: string): Promise<LockFile> {
  const file = await readLockFile(path);
  if (file === undefined) throw new Error(`no lock file at ${path}`);
  return file;
}

describe('createLockFile', () => {
  it('takes a free lock with its content, refuses a taken one, and leaves no temporary file', async () => {
    const mine = await createLockFile(lockPath, 'mine\n');
    expect(mine?.content).toBe('mine\n');
    expect(await createLockFile(lockPath, 'theirs\n')).toBeUndefined();
    expect(await readFile(lockPath, 'utf8')).toBe('mine\n');
    expect(await readdir(root)).toEqual(['app.lock']);
    expect(await readLockFile(join(root, 'missing.lock'))).toBeUndefined();
  });
});

describe('removeLockFileIfSame', () => {
  it('removes the lock it judged, and leaves a lock that replaced it in place', async () => {
    await writeFile(lockPath, 'judged');
    const judged = await read(lockPath);
    // Another process took a fresh lock meanwhile (a new file, as the lock is always created).
    await writeFile(join(root, 'fresh'), 'fresh');
    await rename(join(root, 'fresh'), lockPath);
    expect(await removeLockFileIfSame(lockPath, judged)).toBe(false);
    expect(await readFile(lockPath, 'utf8')).toBe('fresh');
    expect(await readdir(root)).toEqual(['app.lock']);

    expect(await removeLockFileIfSame(lockPath, await read(lockPath))).toBe(true);
    expect(existsSync(lockPath)).toBe(false);
    expect(await removeLockFileIfSame(lockPath, judged)).toBe(false);
  });
});

describe('isProcessGone', () => {
  it('is true for an exited process and false for this one', async () => {
    expect(isProcessGone(await deadPid())).toBe(true);
    expect(isProcessGone(process.pid)).toBe(false);
  });
});

describe('breakStaleLock', () => {
  it('breaks the lock it judged, and leaves no turn file behind', async () => {
    await writeFile(lockPath, `${await deadPid()}\n`);
    const judged = await read(lockPath);
    const content = `${process.pid}\n`;
    expect(await breakStaleLock(lockPath, judged, { content, isStale })).toBe('broken');
    expect(await readdir(root)).toEqual([]);
  });

  it('removes nothing when the lock was replaced since it was judged', async () => {
    await writeFile(lockPath, `${await deadPid()}\n`);
    const judged = await read(lockPath);
    await rm(lockPath);
    expect(await createLockFile(lockPath, `${process.pid}\nnew\n`)).toBeDefined();
    const content = `${process.pid}\n`;
    expect(await breakStaleLock(lockPath, judged, { content, isStale })).toBe('changed');
    expect(await readFile(lockPath, 'utf8')).toBe(`${process.pid}\nnew\n`);
    expect(await readdir(root)).toEqual(['app.lock']);
  });

  it('waits while a live process holds the turn, and clears a dead one’s turn', async () => {
    const gone = await deadPid();
    await writeFile(lockPath, `${gone}\n`);
    const judged = await read(lockPath);
    const content = `${process.pid}\n`;
    // This very process stands for the live one taking the lock over.
    await writeFile(`${lockPath}.break`, `${process.pid}\n`);
    expect(await breakStaleLock(lockPath, judged, { content, isStale })).toBe('busy');
    expect(await readFile(lockPath, 'utf8')).toBe(`${gone}\n`);

    await writeFile(`${lockPath}.break`, `${gone}\n`);
    expect(await breakStaleLock(lockPath, judged, { content, isStale })).toBe('turn-cleared');
    expect(await readdir(root)).toEqual(['app.lock']);
    expect(await breakStaleLock(lockPath, judged, { content, isStale })).toBe('broken');
  });
});
