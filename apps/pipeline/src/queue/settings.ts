import { QueueInputError } from './errors.js';
import type { SubscriptionOptions } from './port.js';

const namePattern = /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/**
 * Check a topic or subscription name against Pub/Sub's rules (3-255 characters, starting with a
 * letter, of letters, digits and `- _ . ~ + %`, not starting with `goog`), so a name the embedded
 * queue takes works on Pub/Sub too.
 */
export function checkName(
  kind: 'topic' | 'subscription' | 'deadLetterTopic',
  name: unknown,
): string {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw new QueueInputError(
      kind,
      `illegal ${kind} name ${JSON.stringify(name)}: 3-255 characters, starting with a letter, of letters, digits and - _ . ~ + %, not starting with "goog"`,
    );
  }
  return name;
}

/** A subscription's settings with every default filled in, as the journal stores them. */
export interface SubscriptionSettings {
  readonly name: string;
  readonly topic: string;
  readonly ackDeadlineMs: number;
  readonly maxDeliveryAttempts: number;
  readonly deadLetterTopic: string | undefined;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly enableMessageOrdering: boolean;
}

function wholeNumber(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new QueueInputError(
      option,
      `option "${option}" must be a whole number from ${min} to ${max} (got ${value})`,
    );
  }
  return value;
}

/** Check `options` and fill in the defaults (Pub/Sub's ranges where the meaning is the same). */
export function resolveSubscription(options: SubscriptionOptions): SubscriptionSettings {
  if (typeof options !== 'object' || options === null) {
    throw new QueueInputError('options', 'ensureSubscription needs { name, topic }');
  }
  const name = checkName('subscription', options.name);
  const topic = checkName('topic', options.topic);
  const deadLetterTopic =
    options.deadLetterTopic === undefined
      ? undefined
      : checkName('deadLetterTopic', options.deadLetterTopic);
  if (deadLetterTopic === topic) {
    throw new QueueInputError(
      'deadLetterTopic',
      `subscription ${name}: the dead-letter topic must differ from the topic it reads (${topic})`,
    );
  }
  const minBackoffMs = wholeNumber('minBackoffMs', options.minBackoffMs ?? 10_000, 0, 600_000);
  const maxBackoffMs = wholeNumber('maxBackoffMs', options.maxBackoffMs ?? 600_000, 0, 600_000);
  if (maxBackoffMs < minBackoffMs) {
    throw new QueueInputError(
      'maxBackoffMs',
      `option "maxBackoffMs" (${maxBackoffMs}) must be at least "minBackoffMs" (${minBackoffMs})`,
    );
  }
  return {
    name,
    topic,
    ackDeadlineMs: wholeNumber(
      'ackDeadlineMs',
      options.ackDeadlineMs ?? 60_000,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    maxDeliveryAttempts: wholeNumber(
      'maxDeliveryAttempts',
      options.maxDeliveryAttempts ?? 5,
      5,
      100,
    ),
    deadLetterTopic,
    minBackoffMs,
    maxBackoffMs,
    enableMessageOrdering: options.enableMessageOrdering ?? false,
  };
}

/** The wait before the delivery after failed delivery number `attempts` (1 for the first). */
export function backoffMs(settings: SubscriptionSettings, attempts: number): number {
  return Math.min(settings.maxBackoffMs, settings.minBackoffMs * 2 ** (attempts - 1));
}

/** The message's data as JSON (undefined for none), or {@link QueueInputError}. */
export function encodeData(topic: string, data: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    throw new QueueInputError(
      'data',
      `a message for topic ${topic} is not JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (json === undefined && data !== undefined) {
    throw new QueueInputError('data', `a message for topic ${topic} is not JSON (${typeof data})`);
  }
  return json;
}

/** A copy of the attributes, checked to be strings. */
export function checkAttributes(attributes: unknown): Readonly<Record<string, string>> {
  if (attributes === undefined) return {};
  if (typeof attributes !== 'object' || attributes === null) {
    throw new QueueInputError('attributes', 'option "attributes" must be an object of strings');
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') {
      throw new QueueInputError(
        'attributes',
        `attribute ${JSON.stringify(key)} must be a string (got ${typeof value})`,
      );
    }
  }
  return { ...(attributes as Record<string, string>) };
}
