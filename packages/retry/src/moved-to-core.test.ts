import * as core from '@pipewell/core';
import * as coreTesting from '@pipewell/core/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as retry from './index.js';

describe('what moved to @pipewell/core', () => {
  it('is still exported from @pipewell/retry, as the very same values', () => {
    expect(retry.systemClock).toBe(core.systemClock);
    expect(retry.silentLogger).toBe(core.silentLogger);
    expect(retry.isCalendarDate).toBe(core.isCalendarDate);
    expect(retry.calendarDateProblem).toBe(core.calendarDateProblem);
    expect(retry.createVirtualClock).toBe(coreTesting.createVirtualClock);
  });

  it('keeps the types interchangeable', () => {
    expectTypeOf<retry.Clock>().toEqualTypeOf<core.Clock>();
    expectTypeOf<retry.ClockTimer>().toEqualTypeOf<core.ClockTimer>();
    expectTypeOf<retry.Logger>().toEqualTypeOf<core.Logger>();
    expectTypeOf<retry.VirtualClock>().toEqualTypeOf<coreTesting.VirtualClock>();
    expectTypeOf<retry.VirtualClockOptions>().toEqualTypeOf<coreTesting.VirtualClockOptions>();
  });
});
