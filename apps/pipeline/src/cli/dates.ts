import { calendarDateProblem } from '@pipewell/core';
import { CliInputError } from './errors.js';

const dayMs = 86_400_000;

/** `date` moved by `days` (negative for earlier), on `YYYY-MM-DD` strings in UTC arithmetic. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + days * dayMs).toISOString().slice(0, 10);
}

/** Every calendar date from `from` to `to`, both included, in order (empty when `from > to`). */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) dates.push(date);
  return dates;
}

/** `value` when it is a calendar date `YYYY-MM-DD`; else a {@link CliInputError} naming `option`. */
export function checkDate(option: string, value: string): string {
  const problem = calendarDateProblem(option, value);
  if (problem !== undefined) throw new CliInputError(option, problem);
  return value;
}
