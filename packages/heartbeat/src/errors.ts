import { calendarDateProblem } from '@pipewell/retry';

const marker = Symbol.for('@pipewell/heartbeat.HeartbeatOptionsError');

/** Thrown when a heartbeat, finder or monitor is created with invalid options; `option` names it. */
export class HeartbeatOptionsError extends TypeError {
  override readonly name = 'HeartbeatOptionsError';
  /** The option that is wrong, such as `"intervalMs"`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`@pipewell/heartbeat: ${message}`);
    this.option = option;
  }

  /** True for any `HeartbeatOptionsError`, even from another installed copy of this package. */
  static isInstance(error: unknown): error is HeartbeatOptionsError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[marker] === true
    );
  }
}
Object.defineProperty(HeartbeatOptionsError.prototype, marker, { value: true });

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
