import type { Phase } from '../runtime/index.js';
import type { PhaseRecord, PhaseStatus, ProcessorReport } from './types.js';

/** The statuses of a record whose phase has ended. */
const finished: ReadonlySet<PhaseStatus> = new Set(['complete', 'degraded', 'failed', 'blocked']);

/** Whether the phase of `record` has ended (complete, degraded, failed or blocked). */
export function isFinished(record: PhaseRecord): boolean {
  return finished.has(record.status);
}

/** Whether every expected processor of `record` has reported. */
export function allReported(record: PhaseRecord): boolean {
  return record.expected.every((name) => record.reports[name] !== undefined);
}

/**
 * The status of a phase whose processors all reported: `failed` when one failed, `degraded`
 * when one ran degraded or the gate into the phase opened on partial outputs, else `complete`.
 */
export function finalStatus(record: PhaseRecord): PhaseStatus {
  const reports = Object.values(record.reports);
  if (reports.some((report) => report.status === 'failed')) return 'failed';
  if (record.gate?.degraded === true || reports.some((report) => report.status === 'degraded')) {
    return 'degraded';
  }
  return 'complete';
}

/** `record` ended, when every expected processor reported; else `record` as it is. */
export function settle(record: PhaseRecord, at: string): PhaseRecord {
  if (isFinished(record) || !allReported(record)) return record;
  return { ...record, status: finalStatus(record), finishedAt: at, decidedBy: 'all-reported' };
}

/** `record` ended by the timer: every processor that did not report is failed with `why`. */
export function decideByTimer(record: PhaseRecord, at: string, why: string): PhaseRecord {
  const reports: Record<string, ProcessorReport> = { ...record.reports };
  for (const name of record.expected) {
    reports[name] ??= {
      status: 'failed',
      rows: 0,
      runId: 'timer',
      at,
      error: `never reported: decided by the timer (${why})`,
    };
  }
  const decided: PhaseRecord = { ...record, reports };
  return { ...decided, status: finalStatus(decided), finishedAt: at, decidedBy: 'timer' };
}

/** What a new record starts from. */
export interface NewRecord {
  readonly phase: Phase;
  readonly dataDate: string;
  readonly correlationId: string;
  readonly expected: readonly string[];
  readonly lastPhase: Phase;
}

/** A fresh `pending` record. */
export function newRecord(input: NewRecord): PhaseRecord {
  return {
    phase: input.phase,
    dataDate: input.dataDate,
    correlationId: input.correlationId,
    status: 'pending',
    expected: [...input.expected],
    reports: {},
    lastPhase: input.lastPhase,
    triggered: [],
  };
}
