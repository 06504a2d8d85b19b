import type { DateOutcome, PhaseRecord } from '../orchestration/types.js';

/** The CLI's exit codes. */
export const exitCodes = {
  /** Every phase complete. */
  ok: 0,
  /** Every phase finished, with degraded runs, degraded gates or alerts. */
  warnings: 1,
  /** A phase failed, a gate blocked, a phase never finished, or the command could not run. */
  failed: 2,
} as const;

/** One of {@link exitCodes}. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

const worst = (a: ExitCode, b: ExitCode): ExitCode => (a > b ? a : b);

/** The exit code one phase record calls for. */
export function exitCodeOfRecord(record: PhaseRecord): ExitCode {
  switch (record.status) {
    case 'complete': {
      const reports = Object.values(record.reports);
      const warned =
        record.gate?.degraded === true ||
        reports.some((report) => report.status === 'degraded' || report.status === 'failed');
      return warned ? exitCodes.warnings : exitCodes.ok;
    }
    case 'degraded':
      return exitCodes.warnings;
    // A phase still pending or running when the engine returned never finished.
    case 'pending':
    case 'running':
    case 'failed':
    case 'blocked':
      return exitCodes.failed;
  }
}

/** The worst exit code of `records`; {@link exitCodes.failed} when there are none. */
export function exitCodeOfRecords(records: readonly PhaseRecord[]): ExitCode {
  if (records.length === 0) return exitCodes.failed;
  return records.map(exitCodeOfRecord).reduce(worst, exitCodes.ok);
}

/**
 * The exit code of a run: {@link exitCodes.failed} when a phase failed, was blocked or never
 * finished, or a date ran no phase; {@link exitCodes.warnings} when all finished but with
 * degraded runs, degraded phases or gates, or alerts; {@link exitCodes.ok} otherwise.
 */
export function exitCodeOfOutcomes(outcomes: readonly DateOutcome[]): ExitCode {
  let code: ExitCode = exitCodes.ok;
  for (const outcome of outcomes) {
    code = worst(code, exitCodeOfRecords(outcome.phases));
    if (outcome.blockedGates > 0) code = worst(code, exitCodes.failed);
    if (outcome.degradedRuns > 0 || outcome.alerts > 0) code = worst(code, exitCodes.warnings);
  }
  return code;
}
