import { describeIssues } from './pubsub-message-schema.js';

/** Pub/Sub's limit on an attribute value, in bytes. */
export const maxAttributeBytes = 1024;

/** `text` cut to at most `maxBytes` of UTF-8, never inside a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
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

/** Why a handler's error dead-lettered its message, as message attributes. */
export function permanentErrorAttributes(error: unknown): Record<string, string> {
  const bag = isBag(error) ? error : {};
  const name = typeof bag.name === 'string' ? bag.name : typeof error;
  const className =
    typeof bag.constructor === 'function' && bag.constructor.name !== ''
      ? bag.constructor.name
      : name;
  const reason = Array.isArray(bag.issues)
    ? describeIssues(bag as { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> })
    : typeof bag.message === 'string'
      ? bag.message
      : String(error);
  const code = errorCode(error);
  return {
    pipewell_error: 'permanent',
    pipewell_reason: reason,
    pipewell_error_name: name,
    pipewell_error_class: className,
    ...(code === undefined ? {} : { pipewell_error_code: code }),
  };
}
