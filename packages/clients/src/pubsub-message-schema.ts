/**
 * The part of a zod schema these helpers use: `safeParse`. Any zod 3.25+ or 4 schema fits; so
 * does anything else with the same shape.
 */
export interface MessageSchema<T> {
  /** Validate a message without throwing (a zod schema's method). */
  safeParse(data: unknown):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> };
      };
}

/** The first issues of a failed `safeParse`, as one line: `path: message; ...`. */
export function describeIssues(error: {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
