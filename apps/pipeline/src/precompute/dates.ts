const dayMs = 86_400_000;

/** `date` ('YYYY-MM-DD') moved by `days` calendar days (negative goes back), in UTC arithmetic. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/**
 * The first day counted as the season of `date`: 1 August of the year the season began, so
 * history from an earlier season never enters a season's averages.
 */
export function seasonStart(date: string): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return `${month >= 8 ? year : year - 1}-08-01`;
}
