import type { Logger } from './logger.js';

/** A {@link Logger} level. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One call to a {@link RecordingLogger}, shaped as pino writes it: level, message, fields. */
export interface LogEntry {
  readonly level: LogLevel;
  /** The message, or `undefined` when the call gave none. */
  readonly msg: string | undefined;
  /** A shallow copy of the fields object, taken at the call. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A {@link Logger} that keeps what it is told, for tests. Create one with {@link createRecordingLogger}. */
export interface RecordingLogger extends Logger {
  /** Every call so far, oldest first. */
  readonly entries: readonly LogEntry[];
  /** The entries at `level`. */
  at(level: LogLevel): LogEntry[];
  /** The messages so far, oldest first (a call without a message gives `''`). */
  messages(): string[];
  /** Forget every entry. */
  clear(): void;
}

/**
 * A logger for tests: pass it wherever a `Logger` goes, then look at `entries`.
 *
 * @example
 * ```ts
 * const logger = createRecordingLogger();
 * startHeartbeat({ ...key, store: failingStore, logger, clock });
 * await clock.advance(30_000);
 * expect(logger.at('warn')).toEqual([
 *   expect.objectContaining({ msg: 'heartbeat: could not write a beat' }),
 * ]);
 * ```
 */
export function createRecordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const method =
    (level: LogLevel) =>
    (fields: object, msg?: string): void => {
      entries.push({ level, msg, fields: { ...fields } });
    };
  return {
    entries,
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    at: (level) => entries.filter((entry) => entry.level === level),
    messages: () => entries.map((entry) => entry.msg ?? ''),
    clear: () => {
      entries.length = 0;
    },
  };
}
