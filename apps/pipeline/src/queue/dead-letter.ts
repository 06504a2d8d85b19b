import type { MessageSchema } from './port.js';

/** Pub/Sub's limit on an attribute value, in bytes. */
const maxAttributeBytes = 1024;

/** `text` cut to at most `maxBytes` of UTF-8, never inside a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

type Issues = ReadonlyArray<{ path: PropertyKey[]; message: string }>;

/** The first issues of a failed `safeParse`, as one line: `path: message; ...`. */
export function describeIssues(issues: Issues): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

type Bag = Record<string, unknown>;

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

/** The first status or code along the `cause` chain, for an operator reading the dead letter. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && isBag(current); depth++) {
    const response = isBag(current.response) ? current.response : undefined;
    for (const value of [current.status, current.statusCode, current.code, response?.status]) {
      if (typeof value === 'number' || (typeof value === 'string' && value !== '')) {
        return String(value);
      }
    }
    current = current.cause;
  }
  return undefined;
}

/** Why a message left its subscription. */
export type DeadLetterKind = 'validation' | 'permanent' | 'attempts';

/**
 * Attributes saying why a message was dead-lettered, as `@pipewell/clients/pubsub` writes them:
 * `pipewell_error` (`validation`, `permanent`, or `attempts` after `maxDeliveryAttempts`
 * failures), `pipewell_reason` (at most 1024 bytes), and for an error `pipewell_error_name`,
 * `pipewell_error_class` and `pipewell_error_code` (the first status or code along `cause`).
 */
export function deadLetterReason(kind: DeadLetterKind, error: unknown): Record<string, string> {
  if (kind === 'validation') {
    return {
      pipewell_error: kind,
      pipewell_reason: truncateUtf8(String(error), maxAttributeBytes),
    };
  }
  const bag = isBag(error) ? error : {};
  const name = typeof bag.name === 'string' ? bag.name : typeof error;
  const className =
    typeof bag.constructor === 'function' && bag.constructor.name !== ''
      ? bag.constructor.name
      : name;
  const reason = Array.isArray(bag.issues)
    ? describeIssues(bag.issues as Issues)
    : typeof bag.message === 'string'
      ? bag.message
      : String(error);
  const code = errorCode(error);
  return {
    pipewell_error: kind,
    pipewell_reason: truncateUtf8(reason, maxAttributeBytes),
    pipewell_error_name: name,
    pipewell_error_class: className,
    ...(code === undefined ? {} : { pipewell_error_code: code }),
  };
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
  return parsed.success ? { data: parsed.data } : { problem: describeIssues(parsed.error.issues) };
}
