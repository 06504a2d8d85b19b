import { type FileHandle, open, readFile, truncate, unlink } from 'node:fs/promises';
import { type Logger, silentLogger } from '@pipewell/core';
import { temporaryPathOf, writeFileAtomic } from './atomic-file.js';
import { JournalError } from './errors.js';

/** The journal format this code writes and reads. */
export const journalFormat = 1;

/** One record of a journal: a JSON object, one per line. */
export type JournalRecord = Readonly<Record<string, unknown>>;

/** Options for {@link openJournal}. */
export interface JournalOptions {
  /** The journal file; created (with its header) when missing. */
  readonly path: string;
  /** What the journal holds, such as `'queue'`: written in the header, checked on open. */
  readonly kind: string;
  /** Extra header fields of a new journal. */
  readonly header?: JournalRecord;
  /**
   * Receives each record on open, in order (the header excluded), with its line's length in
   * characters. A throw stops the open.
   */
  readonly onRecord: (record: JournalRecord, length: number) => void;
  /** @default silentLogger */
  readonly logger?: Logger;
}

/** What opening a journal found. */
export interface JournalRecovery {
  /** The journal did not exist and was created. */
  readonly created: boolean;
  /** Records replayed (the header excluded). */
  readonly records: number;
  /** The last line, cut short by a crash during a write: dropped, and the file truncated. */
  readonly tornTail: { readonly line: number; readonly bytes: number } | undefined;
}

/** How far a write is taken before {@link Journal.commit} resolves. */
export type Durability = 'write' | 'sync';

/**
 * An append-only file of JSON lines with group commit: lines appended while a write is under way
 * go out together in the next one, and a `sync` commit shares that write's flush to disk.
 */
export interface Journal {
  readonly path: string;
  readonly recovery: JournalRecovery;
  /** The header read or written on open, or written by the latest {@link Journal.rewrite}. */
  readonly header: JournalRecord;
  /** The file's size in bytes, counting lines not yet written. */
  readonly bytes: number;
  /** Append `line` (JSON, no newline) without waiting: it goes out with the next write. */
  append(line: string): void;
  /**
   * Append `line` and resolve once it is written to the operating system (`'write'`: survives a
   * crash of this process) or also flushed to disk (`'sync'`: survives a power loss).
   */
  commit(line: string, durability: Durability): Promise<void>;
  /**
   * Replace the file with a snapshot's header and lines, atomically (temporary file and rename).
   * `snapshot` is called when the rewrite runs, between writes, and must hold the effect of every
   * line appended until then: those lines are dropped, and their commits resolve with the rewrite.
   */
  rewrite(snapshot: () => Snapshot): Promise<void>;
  /** Write and flush what is pending, then close the file. Idempotent. */
  close(): Promise<void>;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** What a journal is rewritten with: its header's own fields, and its lines. */
export interface Snapshot {
  readonly header: JournalRecord;
  readonly lines: Iterable<string>;
}

interface RewriteRequest {
  readonly snapshot: () => Snapshot;
  /** Callers of rewrite() waiting on it: a later request replaces the content of an earlier one. */
  readonly waiters: Waiter[];
}

function headerLine(kind: string, header: JournalRecord): string {
  return `${JSON.stringify({ ...header, journal: `pipewell-${kind}`, format: journalFormat })}\n`;
}

function isRecord(value: unknown): value is JournalRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replay the file's lines; returns the header, the record count and the torn tail, if any. */
function replay(
  path: string,
  kind: string,
  content: Buffer,
  onRecord: (record: JournalRecord, length: number) => void,
): { header: JournalRecord; records: number; lines: number; goodBytes: number; torn: number } {
  let header: JournalRecord | undefined;
  let records = 0;
  let start = 0;
  let line = 0;
  for (;;) {
    const end = content.indexOf(10, start);
    if (end === -1) break;
    line++;
    const text = content.toString('utf8', start, end);
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new JournalError(
        path,
        `journal ${path} is damaged at line ${line} (not JSON: ${(error as Error).message}); it was not written by pipewell or the disk corrupted it`,
        { cause: error },
      );
    }
    if (!isRecord(record)) {
      throw new JournalError(path, `journal ${path} is damaged at line ${line} (not an object)`);
    }
    if (header === undefined) {
      if (record.journal !== `pipewell-${kind}`) {
        throw new JournalError(
          path,
          `${path} is not a pipewell ${kind} journal (its first line is ${text.slice(0, 80)})`,
        );
      }
      if (record.format !== journalFormat) {
        throw new JournalError(
          path,
          `journal ${path} has format ${String(record.format)}; this pipewell reads format ${journalFormat}`,
        );
      }
      header = record;
    } else {
      try {
        onRecord(record, text.length);
      } catch (error) {
        throw new JournalError(
          path,
          `journal ${path} line ${line} cannot be replayed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      records++;
    }
    start = end + 1;
  }
  if (header === undefined) {
    throw new JournalError(path, `journal ${path} has no header line`);
  }
  return { header, records, lines: line, goodBytes: start, torn: content.length - start };
}

/**
 * Open (or create) the journal at `options.path`, replaying its records through
 * `options.onRecord`. A last line cut short by a crash is dropped, the file truncated to the last
 * whole line, and a warning logged; a damaged line before it, or a header of another kind or
 * format, rejects with {@link JournalError}.
 *
 * @example
 * ```ts
 * const journal = await openJournal({ path, kind: 'state', onRecord: (r) => apply(r) });
 * await journal.commit(JSON.stringify({ t: 'set', id: 'a' }), 'sync');
 * ```
 */
export async function openJournal(options: JournalOptions): Promise<Journal> {
  const { path, kind, onRecord } = options;
  const logger = options.logger ?? silentLogger;
  let content: Buffer | undefined;
  try {
    content = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // A rewrite that a crash interrupted leaves its temporary file: the journal itself is whole.
  await unlink(temporaryPathOf(path)).catch(() => {});

  let header: JournalRecord;
  let bytes: number;
  let recovery: JournalRecovery;
  if (content === undefined || content.length === 0) {
    const text = headerLine(kind, options.header ?? {});
    bytes = await writeFileAtomic(path, [text]);
    header = JSON.parse(text) as JournalRecord;
    recovery = { created: true, records: 0, tornTail: undefined };
  } else {
    const replayed = replay(path, kind, content, onRecord);
    header = replayed.header;
    bytes = replayed.goodBytes;
    let tornTail: JournalRecovery['tornTail'];
    if (replayed.torn > 0) {
      const line = replayed.lines + 1;
      tornTail = { line, bytes: replayed.torn };
      await truncate(path, replayed.goodBytes);
      logger.warn(
        { path, line, bytes: replayed.torn },
        `journal: dropped a last line cut short by a crash (line ${line}, ${replayed.torn} bytes); nothing it held was confirmed`,
      );
    }
    recovery = { created: false, records: replayed.records, tornTail };
  }

  let handle: FileHandle = await open(path, 'a');
  let buffer: string[] = [];
  let waiters: Waiter[] = [];
  let syncWanted = false;
  let rewriteRequest: RewriteRequest | undefined;
  let running: Promise<void> | undefined;
  let failure: JournalError | undefined;
  let closed: Promise<void> | undefined;

  const fail = (error: unknown): JournalError => {
    failure ??= new JournalError(
      path,
      `journal ${path} could not be written (${(error as Error).message}); nothing after the failure is stored`,
      { cause: error },
    );
    logger.error({ err: error, path }, failure.message);
    return failure;
  };

  const settle = (settled: readonly Waiter[], error?: unknown): void => {
    for (const waiter of settled) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  };

  const runRewrite = async (request: RewriteRequest): Promise<void> => {
    // The snapshot holds the effect of every buffered line: they are not written again.
    const dropped = waiters;
    buffer = [];
    waiters = [];
    syncWanted = false;
    try {
      const snapshot = request.snapshot();
      const first = headerLine(kind, snapshot.header);
      const written = await writeFileAtomic(path, withNewlines(first, snapshot.lines));
      const previous = handle;
      handle = await open(path, 'a');
      await previous.close().catch(() => {});
      bytes = written + pendingBytes();
      header = JSON.parse(first) as JournalRecord;
      settle(dropped);
      settle(request.waiters);
    } catch (error) {
      const failed = fail(error);
      settle(dropped, failed);
      settle(request.waiters, failed);
    }
  };

  const loop = async (): Promise<void> => {
    while (failure === undefined && (buffer.length > 0 || rewriteRequest !== undefined)) {
      if (rewriteRequest !== undefined) {
        const request = rewriteRequest;
        rewriteRequest = undefined;
        await runRewrite(request);
        continue;
      }
      const text = buffer.join('');
      const batch = waiters;
      const sync = syncWanted;
      buffer = [];
      waiters = [];
      syncWanted = false;
      try {
        await handle.writeFile(text);
        if (sync) await handle.datasync();
        settle(batch);
      } catch (error) {
        settle(batch, fail(error));
      }
    }
    if (failure !== undefined) {
      settle(waiters, failure);
      waiters = [];
      if (rewriteRequest !== undefined) settle(rewriteRequest.waiters, failure);
      rewriteRequest = undefined;
    }
    running = undefined;
  };

  const kick = (): void => {
    // Start on the next microtask, so a burst of synchronous appends shares one write.
    running ??= Promise.resolve().then(loop);
  };

  const pendingBytes = (): number => {
    let total = 0;
    for (const line of buffer) total += Buffer.byteLength(line);
    return total;
  };

  const checkOpen = (): void => {
    if (failure !== undefined) throw failure;
    if (closed !== undefined) throw new JournalError(path, `journal ${path} is closed`);
  };

  const push = (line: string): void => {
    checkOpen();
    const text = `${line}\n`;
    buffer.push(text);
    bytes += Buffer.byteLength(text);
    kick();
  };

  return {
    path,
    recovery,
    get header() {
      return header;
    },
    get bytes() {
      return bytes;
    },
    append: push,
    commit(line, durability) {
      try {
        push(line);
      } catch (error) {
        return Promise.reject(error);
      }
      if (durability === 'sync') syncWanted = true;
      return new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject });
      });
    },
    rewrite(snapshot) {
      try {
        checkOpen();
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<void>((resolve, reject) => {
        const earlier = rewriteRequest?.waiters ?? [];
        rewriteRequest = { snapshot, waiters: [...earlier, { resolve, reject }] };
        kick();
      });
    },
    close() {
      closed ??= (async () => {
        if (failure === undefined) {
          syncWanted = true;
          const done = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
          buffer.push('');
          kick();
          await done.catch(() => {});
        }
        await running;
        await handle.close().catch(() => {});
      })();
      return closed;
    },
  };
}

function* withNewlines(first: string, lines: Iterable<string>): Iterable<string> {
  yield first;
  for (const line of lines) yield `${line}\n`;
}
