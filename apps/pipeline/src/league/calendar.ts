import type { TeamTimeZone } from './teams.js';

const DAY_MS = 86_400_000;

/** Milliseconds at 00:00 UTC of a `YYYY-MM-DD` date. */
export function dateToUtcMs(date: string): number {
  return Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(5, 7)) - 1,
    Number(date.slice(8, 10)),
  );
}

/** The `YYYY-MM-DD` UTC date of an instant. */
export function utcMsToDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `date` moved by `days` (negative goes back). */
export function addDays(date: string, days: number): string {
  return utcMsToDate(dateToUtcMs(date) + days * DAY_MS);
}

/** Whole days from `from` to `to`. */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateToUtcMs(to) - dateToUtcMs(from)) / DAY_MS);
}

/** Day of the week of a date, 0 = Sunday. */
export function weekdayOf(date: string): number {
  return new Date(dateToUtcMs(date)).getUTCDay();
}

/** The date of the `n`th (1-based) `weekday` of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const day = 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * True when US daylight saving time is in effect in the evening of `date`: from the second
 * Sunday of March to the day before the first Sunday of November.
 */
export function isUsDaylightTime(date: string): boolean {
  const year = Number(date.slice(0, 4));
  return date >= nthWeekday(year, 3, 0, 2) && date < nthWeekday(year, 11, 0, 1);
}

const standardOffsetHours: Record<TeamTimeZone, number> = {
  ET: -5,
  CT: -6,
  MT: -7,
  AZ: -7,
  PT: -8,
};

/** Hours to add to UTC to get local time in `zone` on the evening of `date`. */
export function utcOffsetHours(zone: TeamTimeZone, date: string): number {
  const standard = standardOffsetHours[zone];
  return zone !== 'AZ' && isUsDaylightTime(date) ? standard + 1 : standard;
}

/** The instant of `minutes` after local midnight of `date` in `zone`. */
export function zonedToUtcMs(date: string, minutes: number, zone: TeamTimeZone): number {
  return dateToUtcMs(date) + minutes * 60_000 - utcOffsetHours(zone, date) * 3_600_000;
}

/** An instant as `YYYY-MM-DDTHH:MM:SSZ` (no milliseconds, as The Odds API and NBA.com write it). */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
