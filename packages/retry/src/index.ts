export type { Backoff, DelayContext, DelayFunction, Jitter } from './backoff.js';
export { applyJitter, backoffCeiling } from './backoff.js';
export type { RetryBudget, RetryBudgetOptions } from './budget.js';
export { createRetryBudget } from './budget.js';
export { retryable } from './decorator.js';
export type { RetryErrorDetails, RetryGiveUpReason } from './errors.js';
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
  ParsedRetryOptions,
  RetryEvent,
  RetryPolicyOptions,
  SuccessEvent,
} from './options.js';
export { isPermanentError } from './permanent.js';
export type { Retryable, RetryContext, RetryPolicy } from './policy.js';
export { createRetryPolicy } from './policy.js';
export type {
  ResolvedRetryPreset,
  RetryPresetName,
  RetryPresetSource,
  RetryPresetValues,
} from './presets.js';
export { resolveRetryPreset, retryPresets } from './presets.js';
export type { RetryOptions } from './retry.js';
export { retry } from './retry.js';
export { parseRetryAfter, retryAfterMsOf } from './retry-after.js';
export { isTransientError } from './transient.js';
