import { z } from 'zod';
import { findTeam, parseInstant, type TeamSource, type Tricode } from './game-ids.js';

/**
 * A team code, id or name of `source`, output as its NBA.com tricode; an unknown one is an issue
 * at the field's path.
 */
export function tricodeSchema(source: TeamSource): z.ZodType<Tricode, string | number> {
  return z.union([z.string(), z.number()]).transform((code, ctx) => {
    const tricode = findTeam(code, source);
    if (tricode === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown team ${JSON.stringify(code)} for source "${source}"`,
      });
      return z.NEVER;
    }
    return tricode;
  });
}

/**
 * An ISO-8601 instant with a zone (`Z`, `+hh:mm`; seconds optional), output as a UTC ISO string
 * (`2024-01-16T00:30:00.000Z`).
 */
export const instantSchema: z.ZodType<string, string> = z.string().transform((value, ctx) => {
  try {
    return new Date(parseInstant(value)).toISOString();
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not an ISO-8601 instant with a zone`,
    });
    return z.NEVER;
  }
});

/** A count that real payloads sometimes leave null (a player who did not play): null is 0. */
export const countSchema: z.ZodType<number, number | null | undefined> = z
  .number()
  .nullish()
  .transform((value) => value ?? 0);
