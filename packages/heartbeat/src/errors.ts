import { calendarDateProblem, PipewellOptionsError } from '@pipewell/core';

/**
 * Thrown when a heartbeat, finder or monitor is created with invalid options; `option` names it.
 * A {@link PipewellOptionsError}, like every pipewell options error.
 */
export class HeartbeatOptionsError extends PipewellOptionsError {
  static override readonly marker = '@pipewell/heartbeat.HeartbeatOptionsError';
  override readonly name = 'HeartbeatOptionsError';

  /** Create an error naming `option`; the message gets the package prefix. */
  constructor(option: string, message: string) {
    super(option, `@pipewell/heartbeat: ${message}`);
  }
}

/** Throw unless `value` is a finite number > 0. */
export function positiveMs(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new HeartbeatOptionsError(
      option,
      `option "${option}" must be a finite number of milliseconds > 0 (got ${String(value)})`,
    );
  }
  return value;
}

/** Throw unless `value` is a non-empty string. */
export function nonEmpty(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new HeartbeatOptionsError(
      option,
      `option "${option}" must be a non-empty string (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/** Throw unless `value` is a real calendar date as `YYYY-MM-DD` (not `2026-02-30`). */
export function calendarDate(option: string, value: unknown): string {
  const problem = calendarDateProblem(option, value);
  if (problem !== undefined) throw new HeartbeatOptionsError(option, problem);
  return value as string;
}
