const calendarDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * True when `value` is a real calendar date written `YYYY-MM-DD`: the pattern alone is not
 * enough, so `2026-02-30` and `2026-04-31` are refused (JavaScript's `Date` would quietly read
 * them as 2 March and 1 May), and `2026-02-29` is refused while `2024-02-29` is accepted.
 *
 * Every pipewell package checks its date options (a heartbeat's `dataDate`, a `DATE` query
 * parameter) with this one function.
 *
 * @example
 * ```ts
 * isCalendarDate('2024-02-29'); // true
 * isCalendarDate('2026-02-29'); // false: 2026 is not a leap year
 * ```
 */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = calendarDatePattern.exec(value);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const last = month === 2 && isLeapYear(year) ? 29 : (daysInMonth[month - 1] ?? 0);
  return day <= last;
}

/**
 * Why `value` is not a calendar date, as a sentence naming `option`, or `undefined` when it is
 * one. Packages wrap the sentence in their own options error, so every package words the
 * problem the same way.
 *
 * @example
 * ```ts
 * calendarDateProblem('dataDate', '2026-02-30');
 * // 'option "dataDate" must be a calendar date as YYYY-MM-DD (got "2026-02-30": 2026-02 has no day 30)'
 * ```
 */
export function calendarDateProblem(option: string, value: unknown): string | undefined {
  if (isCalendarDate(value)) return undefined;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  const match = typeof value === 'string' ? calendarDatePattern.exec(value) : null;
  if (match !== null) {
    const month = Number(match[2]);
    const why =
      month < 1 || month > 12
        ? `there is no month ${match[2]}`
        : `${match[1]}-${match[2]} has no day ${match[3]}`;
    return `option "${option}" must be a calendar date as YYYY-MM-DD (got ${shown}: ${why})`;
  }
  return `option "${option}" must be a calendar date as YYYY-MM-DD (got ${shown})`;
}
