import {
  deadLetterAttributes,
  describeIssues as describeError,
} from '@pipewell/clients/dead-letter';
import type { MessageSchema } from './port.js';

export type { DeadLetterKind } from '@pipewell/clients/dead-letter';

/**
 * Attributes saying why a message was dead-lettered, exactly as `@pipewell/clients/pubsub` writes
 * them (`deadLetterAttributes` of `@pipewell/clients/dead-letter`, which loads no Google SDK):
 * `pipewell_error` (`validation`, `permanent`, or `attempts` after `maxDeliveryAttempts`
 * failures), `pipewell_reason` (at most 1024 bytes), and for an error `pipewell_error_name`,
 * `pipewell_error_class` and `pipewell_error_code` (the first status or code along `cause`).
 */
export const deadLetterReason = deadLetterAttributes;

type Issues = ReadonlyArray<{ path: PropertyKey[]; message: string }>;

/** The first issues of a failed `safeParse`, as one line: `path: message; ...`. */
export function describeIssues(issues: Issues): string {
  return describeError({ issues });
}

/**
 * Parse a stored message for a handler: JSON, then the schema. Returns the data, or the problem
 * that sends the message to the dead-letter topic.
 */
export function decodeMessage<T>(
  json: string | undefined,
  schema: MessageSchema<T> | undefined,
): { readonly data: T } | { readonly problem: string } {
  const data: unknown = json === undefined ? undefined : JSON.parse(json);
  if (schema === undefined) return { data: data as T };
  const parsed = schema.safeParse(data);
  return parsed.success ? { data: parsed.data } : { problem: describeError(parsed.error) };
}
