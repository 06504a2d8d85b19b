import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import { temporaryPathOf, writeFileAtomic } from './atomic-file.js';
import { DataDirError } from './errors.js';
import { acquireLock } from './lock.js';

/** The data directory format this code writes and reads (`pipewell.json`'s `format`). */
export const dataDirFormat = 1;

const manifestName = 'pipewell.json';
const lockName = 'pipewell.lock';

/** Options for {@link openDataDir}. */
export interface DataDirOptions {
  /** What this process runs, shown to a second process that finds the directory busy: `'pipewell run'`. */
  readonly command: string;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Stamps the lock's start time. @default systemClock */
  readonly clock?: Clock;
}

/** An open data directory: where each backend keeps its files, held by this process. */
export interface DataDir extends AsyncDisposable {
  /** The directory, absolute. */
  readonly path: string;
  /** The DuckDB warehouse file (`warehouse.duckdb`). */
  readonly warehousePath: string;
  /** The queue's journal directory (`queue/`). */
  readonly queueDir: string;
  /** The state store's journal directory (`state/`). */
  readonly stateDir: string;
  /** Raw payloads (`objects/`). */
  readonly objectsDir: string;
  /** True when this open created the directory's layout. */
  readonly created: boolean;
  /** Release the lock. Idempotent. */
  close(): Promise<void>;
}

interface Manifest {
  readonly kind: 'pipewell-data-dir';
  readonly format: number;
  readonly createdAt: string;
}

function errorCode(error: unknown): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The directory's `pipewell.json`, or undefined when there is none. */
async function readManifest(path: string, displayPath: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(path, manifestName), 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new DataDirError(
      displayPath,
      `cannot read ${join(displayPath, manifestName)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(text) as Partial<Manifest>;
  } catch (error) {
    throw new DataDirError(
      displayPath,
      `${join(displayPath, manifestName)} is corrupt (${(error as Error).message}); restore it, or move ${displayPath} away to start afresh`,
      { cause: error },
    );
  }
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    manifest.kind !== 'pipewell-data-dir' ||
    typeof manifest.format !== 'number'
  ) {
    throw new DataDirError(
      displayPath,
      `${join(displayPath, manifestName)} is corrupt (not a pipewell data directory manifest); restore it, or move ${displayPath} away to start afresh`,
    );
  }
  if (manifest.format !== dataDirFormat) {
    throw new DataDirError(
      displayPath,
      `${displayPath} has data format ${manifest.format}, and this pipewell reads format ${dataDirFormat}; use the pipewell that wrote it, or another directory`,
    );
  }
  return manifest as Manifest;
}

/**
 * Open the data directory at `path` for this process: create its layout on first use
 * (`pipewell.json` with the format version, `warehouse.duckdb`'s place, `queue/`, `state/`,
 * `objects/`), and take its lock, so a second process gets {@link DataDirBusyError} naming the
 * one at work. A lock left by a process that is gone is taken over with a warning. Refuses a path
 * that is a file, a non-empty directory that is not a data directory, and a `pipewell.json` that
 * is corrupt or of another format, each with a one-line {@link DataDirError}.
 *
 * @example
 * ```ts
 * await using dataDir = await openDataDir('./.pipewell', { command: 'pipewell run', logger });
 * const queue = await openLocalQueue({ dir: dataDir.queueDir, logger });
 * ```
 */
export async function openDataDir(path: string, options: DataDirOptions): Promise<DataDir> {
  if (typeof path !== 'string' || path === '') {
    throw new DataDirError(String(path), 'the data directory path must be a non-empty string');
  }
  if (typeof options?.command !== 'string' || options.command === '') {
    throw new DataDirError(path, 'openDataDir needs { command }, what this process runs');
  }
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const absolute = resolve(path);

  try {
    const info = await stat(absolute);
    if (!info.isDirectory()) {
      throw new DataDirError(path, `${path} is a file, not a data directory; choose a directory`);
    }
  } catch (error) {
    if (DataDirError.isInstance(error)) throw error;
    if (errorCode(error) !== 'ENOENT') {
      throw new DataDirError(path, `cannot open ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await mkdir(absolute, { recursive: true });
  }

  let manifest = await readManifest(absolute, path);
  if (manifest === undefined) {
    // What a process that died while creating the layout leaves behind does not count.
    const entries = (await readdir(absolute)).filter(
      (name) => !name.startsWith(lockName) && name !== temporaryPathOf(manifestName),
    );
    if (entries.length > 0) {
      const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
      throw new DataDirError(
        path,
        `${path} is not a pipewell data directory and is not empty (it holds ${shown}); choose an empty or new directory`,
      );
    }
  }

  const lock = await acquireLock(join(absolute, lockName), {
    displayPath: path,
    command: options.command,
    logger,
    clock,
  });
  let created = false;
  try {
    // Another process may have created the layout while this one waited for the lock.
    manifest ??= await readManifest(absolute, path);
    if (manifest === undefined) {
      const fresh: Manifest = {
        kind: 'pipewell-data-dir',
        format: dataDirFormat,
        createdAt: new Date(clock.now()).toISOString(),
      };
      await writeFileAtomic(join(absolute, manifestName), [`${JSON.stringify(fresh, null, 2)}\n`]);
      created = true;
    }
    for (const dir of ['queue', 'state', 'objects']) {
      await mkdir(join(absolute, dir), { recursive: true });
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
  if (created) logger.info({ path }, `pipewell: created data directory ${path}`);

  return {
    path: absolute,
    warehousePath: join(absolute, 'warehouse.duckdb'),
    queueDir: join(absolute, 'queue'),
    stateDir: join(absolute, 'state'),
    objectsDir: join(absolute, 'objects'),
    created,
    close: () => lock.release(),
    [Symbol.asyncDispose]: () => lock.release(),
  };
}
