export type { DelayContext, Jitter } from './backoff.js';
export type { RetryBudget, RetryBudgetOptions } from './budget.js';
export { createRetryBudget } from './budget.js';
export { retryable } from './decorator.js';
export { applyJitter, backoffCeiling, parseRetryAfter, retryAfterMsOf } from './deprecated.js';
export type { RetryGiveUpReason } from './errors.js';
export {
  AttemptTimeoutError,
  RetryableResultError,
  RetryError,
  RetryOptionsError,
} from './errors.js';
export type { HttpErrorDetails, HttpErrorOptions, ResponseLike } from './http-error.js';
export { HttpError, throwIfNotOk } from './http-error.js';
export type {
  Clock,
  ClockTimer,
  Logger,
  VirtualClock,
  VirtualClockOptions,
} from './moved-to-core.js';
export {
  calendarDateProblem,
  createVirtualClock,
  isCalendarDate,
  silentLogger,
  systemClock,
} from './moved-to-core.js';
export type {
  GiveUpEvent,
  GiveUpReason,
  RetryEvent,
  RetryPolicyOptions,
  SuccessEvent,
} from './options.js';
export { isPermanentError } from './permanent.js';
export type { RetryContext, RetryPolicy } from './policy.js';
export { createRetryPolicy } from './policy.js';
export type { RetryPresetName } from './presets.js';
export { resolveRetryPreset, retryPresets } from './presets.js';
export type { RetryOptions } from './retry.js';
export { retry } from './retry.js';
export { isTransientError } from './transient.js';
