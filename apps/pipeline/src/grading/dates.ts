import { calendarDateProblem } from '@pipewell/core';

/**
 * The calendar day before `date` (`'2026-03-01'` → `'2026-02-28'`), by UTC arithmetic so no time
 * zone moves it. Throws a `RangeError` naming the value when `date` is not a `YYYY-MM-DD` date.
 */
export function previousDay(date: string): string {
  const problem = calendarDateProblem('date', date);
  if (problem !== undefined) throw new RangeError(`previousDay: ${problem}`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day - 1)).toISOString().slice(0, 10);
}
