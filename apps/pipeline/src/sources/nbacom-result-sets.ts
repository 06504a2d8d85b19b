import { z } from 'zod';
import { parseResponse } from './parse-response.js';

const resultSetsSchema = z.object({
  resultSets: z.array(
    z.object({
      name: z.string(),
      headers: z.array(z.string()),
      rowSet: z.array(z.array(z.unknown())),
    }),
  ),
});

/**
 * Parse a stats.nba.com response (`resultSets[]` of `name`, `headers` and `rowSet` arrays) by
 * result set name: each row becomes an object keyed by header, then `schema` validates
 * `{ resultSets: { [name]: { rowSet: rows } } }`, so an issue's path reads
 * `resultSets.PlayerStats.rowSet[3].MIN`.
 * @throws SourceParseError naming `endpoint` and the path of the first issue
 */
export function parseResultSets<Schema extends z.ZodType>(
  schema: Schema,
  json: unknown,
  endpoint: string,
): z.output<Schema> {
  const parsed = parseResponse(resultSetsSchema, json, 'nbacom', endpoint);
  const byName: Record<string, { rowSet: Record<string, unknown>[] }> = {};
  for (const set of parsed.resultSets) {
    const rowSet = set.rowSet.map((row) => {
      const record: Record<string, unknown> = {};
      for (const [i, header] of set.headers.entries()) record[header] = row[i];
      return record;
    });
    byName[set.name] = { rowSet };
  }
  return parseResponse(schema, { resultSets: byName }, 'nbacom', endpoint);
}
