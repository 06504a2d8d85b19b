import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDataDir } from './data-dir.js';
import { DataDirError } from './errors.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipewell-lock-'));
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

function lockContent(pid: number, token: string): string {
  return JSON.stringify({
    pid,
    command: 'pipewell run',
    startedAt: 0,
    hostname: hostname(),
    token,
  });
}

describe('taking over a stale lock', () => {
  it('waits its turn while a live process is taking the same stale lock over', async () => {
    const path = join(root, '.pipewell');
    await openDataDir(path, { command: 'setup' }).then((dataDir) => dataDir.close());
    const stale = lockContent(await deadPid(), 'stale');
    await writeFile(join(path, 'pipewell.lock'), stale);
    // This very process stands for the live one holding the turn.
    await writeFile(join(path, 'pipewell.lock.break'), lockContent(process.pid, 'turn'));

    const clock = createVirtualClock();
    const opening = openDataDir(path, { command: 'pipewell run', clock });
    await clock.runAll(opening.catch(() => {}));
    const error = await catchError(opening, DataDirError);
    expect(error.message).toContain('other processes keep taking it');
    expect(await readFile(join(path, 'pipewell.lock'), 'utf8')).toBe(stale);
  });

  it('clears a turn left by a process that died while taking over, then takes the lock', async () => {
    const path = join(root, '.pipewell');
    await openDataDir(path, { command: 'setup' }).then((dataDir) => dataDir.close());
    const gone = await deadPid();
    await writeFile(join(path, 'pipewell.lock'), lockContent(gone, 'stale'));
    await writeFile(join(path, 'pipewell.lock.break'), lockContent(gone, 'turn'));

    const logger = createRecordingLogger();
    const dataDir = await openDataDir(path, { command: 'pipewell run', logger });
    try {
      expect(logger.at('warn')).toHaveLength(1);
      expect(JSON.parse(await readFile(join(path, 'pipewell.lock'), 'utf8')).pid).toBe(process.pid);
      expect((await readdir(path)).filter((name) => name.startsWith('pipewell.lock'))).toEqual([
        'pipewell.lock',
      ]);
    } finally {
      await dataDir.close();
    }
  });
});
