import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@pipewell/core';
import { type DataDir, openDataDir } from '../data-dir/index.js';
import { CliInputError } from './errors.js';

function errorCode(error: unknown): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Open a data directory that must already hold a pipeline's data (for `query` and `status`),
 * taking its lock. Unlike {@link openDataDir}, a missing or empty directory is refused, so
 * reading never creates one.
 *
 * @throws CliInputError when `path` does not exist or is not a pipewell data directory
 * @throws DataDirError when its `pipewell.json` is corrupt; DataDirBusyError when a process holds it
 */
export async function openExistingDataDir(
  path: string,
  command: string,
  clock?: Clock,
): Promise<DataDir> {
  if (!(await exists(path))) {
    throw new CliInputError(
      '--data-dir',
      `no pipewell data directory at ${path}: run \`pipewell run\` first, or pass --data-dir`,
    );
  }
  if ((await stat(path)).isDirectory() && !(await exists(join(path, 'pipewell.json')))) {
    throw new CliInputError(
      '--data-dir',
      `${path} is not a pipewell data directory (it has no pipewell.json): pass the --data-dir that \`pipewell run\` used`,
    );
  }
  return openDataDir(path, clock === undefined ? { command } : { command, clock });
}

/** Whether the file at `path` exists. */
export function fileExists(path: string): Promise<boolean> {
  return exists(path);
}
