import {
  type Clock as CoreClock,
  type ClockTimer as CoreClockTimer,
  type Logger as CoreLogger,
  calendarDateProblem as coreCalendarDateProblem,
  isCalendarDate as coreIsCalendarDate,
  silentLogger as coreSilentLogger,
  systemClock as coreSystemClock,
} from '@pipewell/core';
import {
  type VirtualClock as CoreVirtualClock,
  type VirtualClockOptions as CoreVirtualClockOptions,
  createVirtualClock as coreCreateVirtualClock,
} from '@pipewell/core/testing';

// What moved to @pipewell/core, kept here for one minor version so imports from
// @pipewell/retry go on compiling, each marked deprecated so editors point at the new home.

/**
 * The source of time every pipewell package takes.
 * @deprecated Import `Clock` from `@pipewell/core`; this re-export is removed in the next minor release.
 */
export type Clock = CoreClock;

/**
 * A scheduled callback returned by `Clock.setTimeout`.
 * @deprecated Import `ClockTimer` from `@pipewell/core`; this re-export is removed in the next minor release.
 */
export type ClockTimer = CoreClockTimer;

/**
 * The real clock: `Date.now()` and Node's timers.
 * @deprecated Import `systemClock` from `@pipewell/core`; this re-export is removed in the next minor release.
 */
export const systemClock: CoreClock = coreSystemClock;

/**
 * The logger interface every pipewell package accepts (pino's method shape).
 * @deprecated Import `Logger` from `@pipewell/core`; this re-export is removed in the next minor release.
 */
export type Logger = CoreLogger;

/**
 * A logger that drops everything.
 * @deprecated Import `silentLogger` from `@pipewell/core`; this re-export is removed in the next minor release.
 */
export const silentLogger: CoreLogger = coreSilentLogger;

/**
 * A clock for tests whose time moves only when the test moves it.
 * @deprecated Import `createVirtualClock` from `@pipewell/core/testing`; this re-export is
 *   removed in the next minor release.
 */
export const createVirtualClock: typeof coreCreateVirtualClock = coreCreateVirtualClock;

/**
 * The clock {@link createVirtualClock} returns.
 * @deprecated Import `VirtualClock` from `@pipewell/core/testing`; this re-export is removed in
 *   the next minor release.
 */
export type VirtualClock = CoreVirtualClock;

/**
 * Options for {@link createVirtualClock}.
 * @deprecated Import `VirtualClockOptions` from `@pipewell/core/testing`; this re-export is
 *   removed in the next minor release.
 */
export type VirtualClockOptions = CoreVirtualClockOptions;

/**
 * True when `value` is a real calendar date written `YYYY-MM-DD`.
 * @deprecated Import `isCalendarDate` from `@pipewell/core`; this re-export is removed in
 *   the next minor release.
 */
export const isCalendarDate: typeof coreIsCalendarDate = coreIsCalendarDate;

/**
 * Why `value` is not a calendar date, as a sentence naming `option`, or `undefined`.
 * @deprecated Import `calendarDateProblem` from `@pipewell/core`; this re-export is removed in
 *   the next minor release.
 */
export const calendarDateProblem: typeof coreCalendarDateProblem = coreCalendarDateProblem;
