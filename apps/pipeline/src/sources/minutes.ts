import { z } from 'zod';

const wholeOrDecimal = /^\d+(?:\.\d+)?$/;
// "38:12", "7:15", and the "34.000000:12" that stats.nba.com served for a while.
const clock = /^(\d+)(?:\.0+)?:([0-5]?\d)(?:\.\d+)?$/;
const isoDuration = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/;

/**
 * Minutes played as a number of minutes, from any format the providers use, or `undefined` when
 * `value` is none of them:
 * - whole minutes as a string, zero-padded or not (balldontlie): `"38"`, `"05"`, `"00"`, `"5"`;
 * - `MM:SS` (stats.nba.com): `"38:12"` is 38.2, `"7:15"` is 7.25;
 * - an ISO-8601 duration (cdn.nba.com live data): `"PT38M12.00S"` is 38.2;
 * - a number (leaguegamelog's `MIN`);
 * - nothing, for a player who did not play: `""`, `null`, `undefined` are 0.
 */
export function readMinutes(value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const text = value.trim();
  if (text === '') return 0;
  if (wholeOrDecimal.test(text)) return Number(text);
  const mmss = clock.exec(text);
  if (mmss !== null) return Number(mmss[1]) + Number(mmss[2]) / 60;
  const iso = isoDuration.exec(text);
  if (iso !== null && text !== 'PT') {
    return Number(iso[1] ?? 0) * 60 + Number(iso[2] ?? 0) + Number(iso[3] ?? 0) / 60;
  }
  return undefined;
}

/**
 * A zod schema for a minutes field: any format {@link readMinutes} reads, as a number of minutes;
 * anything else is an issue at the field's path.
 */
export const minutesSchema = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value, ctx) => {
    const minutes = readMinutes(value);
    if (minutes === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `unreadable minutes ${JSON.stringify(value)}: expected "38", "38:12", "PT38M12.00S", a number, "" or null`,
      });
      return z.NEVER;
    }
    return minutes;
  });
