import type { z } from 'zod';
import { type SourceIssue, SourceParseError } from './errors.js';

/** `['data', 3, 'min']` as `data[3].min`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

/**
 * Validate `json` against `schema` and return its output, or throw a {@link SourceParseError}
 * naming `source`, `endpoint` and each zod issue's path.
 */
export function parseResponse<Schema extends z.ZodType>(
  schema: Schema,
  json: unknown,
  source: string,
  endpoint: string,
): z.output<Schema> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issues: SourceIssue[] = result.error.issues.map((issue) => ({
    path: formatIssuePath(issue.path),
    message: issue.message,
  }));
  throw new SourceParseError(source, endpoint, issues, { cause: result.error });
}
