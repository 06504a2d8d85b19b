import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { catchError, createRecordingLogger } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DataDir, dataDirFormat, openDataDir } from './data-dir.js';
import { DataDirBusyError, DataDirError } from './errors.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const holderScript = fileURLToPath(new URL('./lock-holder.fixture.ts', import.meta.url));

let root: string;
const opened: DataDir[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipewell-data-dir-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((dataDir) => dataDir.close()));
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

async function open(path: string, command = 'pipewell run', logger = createRecordingLogger()) {
  const dataDir = await openDataDir(path, { command, logger });
  opened.push(dataDir);
  return dataDir;
}

/** A child process holding the data directory at `path`, once it says so. */
async function holder(path: string, command: string) {
  const child = spawn(
    process.execPath,
    ['--conditions=@pipewell/source', '--import', 'tsx', holderScript, path, command],
    { cwd: repoRoot, stdio: 'pipe' },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`the lock holder did not start: ${stderr}`);
  expect(JSON.parse(first.value)).toEqual({ locked: path, pid: child.pid });
  return { child, exited };
}

describe('openDataDir', () => {
  it('creates the layout on first use and opens it again after close', async () => {
    const path = join(root, '.pipewell');
    const first = await open(path);
    expect(first).toMatchObject({
      path,
      created: true,
      warehousePath: join(path, 'warehouse.duckdb'),
      queueDir: join(path, 'queue'),
      stateDir: join(path, 'state'),
      objectsDir: join(path, 'objects'),
    });
    for (const dir of [first.queueDir, first.stateDir, first.objectsDir]) {
      expect((await stat(dir)).isDirectory()).toBe(true);
    }
    expect(JSON.parse(await readFile(join(path, 'pipewell.json'), 'utf8'))).toMatchObject({
      kind: 'pipewell-data-dir',
      format: dataDirFormat,
    });
    await first.close();
    expect(existsSync(join(path, 'pipewell.lock'))).toBe(false);
    expect((await open(path)).created).toBe(false);
  });

  it('refuses a path that is a file, in one line naming it', async () => {
    const path = join(root, 'notes.txt');
    await writeFile(path, 'hello');
    const error = await catchError(open(path), DataDirError);
    expect(error.message).toBe(`${path} is a file, not a data directory; choose a directory`);
  });

  it('refuses a directory that is not empty and not a data directory, naming what it holds', async () => {
    await writeFile(join(root, 'thesis.tex'), '...');
    const error = await catchError(open(root), DataDirError);
    expect(error.message).toBe(
      `${root} is not a pipewell data directory and is not empty (it holds thesis.tex); choose an empty or new directory`,
    );
    expect(existsSync(join(root, 'pipewell.lock'))).toBe(false);
  });

  it('refuses a corrupt pipewell.json and one of an unknown format, in one line each', async () => {
    const path = join(root, 'data');
    await mkdir(path);
    await writeFile(join(path, 'pipewell.json'), '{"kind": "pipewell-data-dir", "form');
    const corrupt = await catchError(open(path), DataDirError);
    expect(corrupt.message).toMatch(
      /^\S+pipewell\.json is corrupt \(.+\); restore it, or move \S+ away to start afresh$/,
    );
    expect(corrupt.path).toBe(path);

    await writeFile(join(path, 'pipewell.json'), '{"kind": "pipewell-data-dir", "format": 2}');
    const future = await catchError(open(path), DataDirError);
    expect(future.message).toBe(
      `${path} has data format 2, and this pipewell reads format 1; use the pipewell that wrote it, or another directory`,
    );
    for (const error of [corrupt, future]) expect(error.message).not.toContain('\n');
  });

  it('refuses a second open in the same process, naming this process', async () => {
    const path = join(root, 'data');
    await open(path, 'pipewell run');
    const error = await catchError(open(path, 'pipewell status'), DataDirBusyError);
    expect(error.holder.pid).toBe(process.pid);
    expect(error.message).toMatch(
      new RegExp(
        `^pipewell run \\(pid ${process.pid}\\) is using ${path} since \\d\\d:\\d\\d; wait for it or stop it$`,
      ),
    );
  });
});

describe('the data directory lock across processes', () => {
  it('tells a second process which pid and command hold it', async () => {
    const path = join(root, '.pipewell');
    const { child } = await holder(path, 'pipewell backfill');
    const error = await catchError(open(path), DataDirBusyError);
    expect(error.holder).toMatchObject({ pid: child.pid, command: 'pipewell backfill' });
    expect(error.message).toMatch(
      new RegExp(
        `^pipewell backfill \\(pid ${child.pid}\\) is using ${path} since \\d\\d:\\d\\d; wait for it or stop it$`,
      ),
    );
  }, 30_000);

  it('takes over, with a warning, a lock whose process was killed', async () => {
    const path = join(root, '.pipewell');
    const { child, exited } = await holder(path, 'pipewell run');
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(path, 'pipewell.lock'))).toBe(true);
    const logger = createRecordingLogger();
    const dataDir = await open(path, 'pipewell run', logger);
    expect(dataDir.created).toBe(false);
    expect(logger.at('warn')).toEqual([
      expect.objectContaining({
        msg: `pipewell: took over ${path} from pipewell run (pid ${child.pid}), which is no longer running`,
      }),
    ]);
    const lock = JSON.parse(await readFile(join(path, 'pipewell.lock'), 'utf8'));
    expect(lock.pid).toBe(process.pid);
  }, 30_000);

  it('is released when the holding process exits without closing', async () => {
    const path = join(root, '.pipewell');
    const { child, exited } = await holder(path, 'pipewell run');
    child.stdin.write('exit\n');
    expect(await exited).toBe(0);
    expect(existsSync(join(path, 'pipewell.lock'))).toBe(false);
    const logger = createRecordingLogger();
    await open(path, 'pipewell run', logger);
    expect(logger.at('warn')).toEqual([]);
  }, 30_000);
});
