import { PipewellError, type PipewellErrorOptions } from '@pipewell/core';

/**
 * A data directory that cannot be used: the path is a file, a non-empty directory that is not a
 * pipewell data directory, or its `pipewell.json` is corrupt or of an unknown format. The message
 * is one line naming the path and the problem.
 */
export class DataDirError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.DataDirError';
  override readonly name: string = 'DataDirError';
  /** The data directory (as given) the error is about. */
  readonly path: string;

  /** Create an error about the data directory at `path`. */
  constructor(path: string, message: string, options?: PipewellErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/** Who holds a data directory's lock, as its lock file says. */
export interface LockHolder {
  readonly pid: number;
  /** The command the holder runs, such as `'pipewell run'`. */
  readonly command: string;
  /** Epoch ms the holder took the lock. */
  readonly startedAt: number;
  readonly hostname: string;
}

/**
 * Another live process holds the data directory's lock:
 * `pipewell run (pid 1234) is using ./.pipewell since 18:02; wait for it or stop it`.
 */
export class DataDirBusyError extends DataDirError {
  static override readonly marker: string = '@pipewell/pipeline.DataDirBusyError';
  override readonly name: string = 'DataDirBusyError';
  /** The process holding the lock. */
  readonly holder: LockHolder;

  /** Create an error saying `holder` uses the data directory at `path`. */
  constructor(path: string, holder: LockHolder, message: string) {
    super(path, message);
    this.holder = holder;
  }
}

/**
 * An append-only journal that cannot be read (a damaged line before the last one, a header of
 * another kind or format) or written (the disk refused a write). The message names the file.
 */
export class JournalError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.JournalError';
  override readonly name: string = 'JournalError';
  /** The journal file. */
  readonly path: string;

  /** Create an error about the journal at `path`. */
  constructor(path: string, message: string, options?: PipewellErrorOptions) {
    super(message, options);
    this.path = path;
  }
}
