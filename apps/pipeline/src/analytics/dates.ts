const dayMs = 86_400_000;

function epochDay(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, day) / dayMs;
}

/** `date` (`YYYY-MM-DD`) moved by `days` calendar days, in UTC arithmetic (no time zones). */
export function addDays(date: string, days: number): string {
  return new Date((epochDay(date) + days) * dayMs).toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to` (`YYYY-MM-DD`): 1 from one day to the next. */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}
