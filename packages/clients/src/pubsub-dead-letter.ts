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

/**
 * Why a message left its subscription: `validation` (not JSON, or failing the schema),
 * `permanent` (its handler threw a permanent error) or `attempts` (it failed
 * `maxDeliveryAttempts` times; a local queue writes this, Pub/Sub's own dead-lettering adds no
 * attributes).
 */
export type DeadLetterKind = 'validation' | 'permanent' | 'attempts';

/**
 * The attributes saying why a message was dead-lettered, as `@pipewell/clients/pubsub` writes
 * them: `pipewell_error` (the `kind`) and `pipewell_reason` (at most 1024 bytes of UTF-8); for
 * `validation`, `error` is the problem (such as {@link describeIssues}' line) and that is all.
 * Otherwise `error` is what the handler threw: the reason is its zod issues or message, and
 * `pipewell_error_name`, `pipewell_error_class` and `pipewell_error_code` (the first HTTP status
 * or gRPC code along the `cause` chain, when there is one) follow.
 *
 * @example
 * ```ts
 * deadLetterAttributes('permanent', Object.assign(new Error('forbidden'), { status: 403 }));
 * // { pipewell_error: 'permanent', pipewell_reason: 'forbidden', pipewell_error_name: 'Error',
 * //   pipewell_error_class: 'Error', pipewell_error_code: '403' }
 * ```
 */
export function deadLetterAttributes(kind: DeadLetterKind, error: unknown): Record<string, string> {
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
    ? describeIssues(bag as { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> })
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
