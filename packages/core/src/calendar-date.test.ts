import { describe, expect, it } from 'vitest';
import { calendarDateProblem, isCalendarDate } from './calendar-date.js';

describe('isCalendarDate', () => {
  it.each([
    ['2024-02-29', true],
    ['2026-02-28', true],
    ['2026-02-29', false],
    ['2026-02-30', false],
    ['2026-04-30', true],
    ['2026-04-31', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2026-12-31', true],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-01-00', false],
    ['2026-1-01', false],
    ['2026-01-01T00:00:00Z', false],
    [' 2026-01-01', false],
    ['', false],
  ])('%s -> %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });

  it('refuses values that are not strings', () => {
    expect(isCalendarDate(20260101)).toBe(false);
    expect(isCalendarDate(new Date())).toBe(false);
    expect(isCalendarDate(undefined)).toBe(false);
  });
});

describe('calendarDateProblem', () => {
  it('is undefined for a real date', () => {
    expect(calendarDateProblem('dataDate', '2024-02-29')).toBeUndefined();
  });

  it('names the option, the value and the missing day', () => {
    expect(calendarDateProblem('dataDate', '2026-02-29')).toBe(
      'option "dataDate" must be a calendar date as YYYY-MM-DD (got "2026-02-29": 2026-02 has no day 29)',
    );
    expect(calendarDateProblem('from', '2026-04-31')).toContain('"from"');
    expect(calendarDateProblem('from', '2026-13-01')).toContain('there is no month 13');
    expect(calendarDateProblem('from', 'yesterday')).toBe(
      'option "from" must be a calendar date as YYYY-MM-DD (got "yesterday")',
    );
  });
});
