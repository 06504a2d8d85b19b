import type { PubSub, PublishOptions as SdkPublishOptions, Topic } from '@google-cloud/pubsub';
import { createRetryPolicy, type RetryPolicy } from '@pipewell/retry';
import { ClientConfigError } from './project.js';
import { getPubSub } from './pubsub-client.js';
import { describeIssues, type MessageSchema } from './pubsub-message-schema.js';
import { checkName } from './pubsub-names.js';

/** Options for {@link publish}. */
export interface PublishOptions<T> {
  readonly pubsub?: PubSub;
  readonly attributes?: Readonly<Record<string, string>>;
  /** Messages with the same key are delivered in order (the subscription must enable ordering). */
  readonly orderingKey?: string;
  /** Checked before sending: an invalid message is never sent. */
  readonly schema?: MessageSchema<T>;
  /** The SDK's batching settings for this topic. */
  readonly batching?: SdkPublishOptions['batching'];
  /** @default the `pubsubPublish` preset */
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
}

const topics = new WeakMap<PubSub, Map<string, Topic>>();

/**
 * The topic handle for a name and settings on a client, reused so its publisher (and its
 * batching) is. Internal: the subscriber dead-letters through it too; not exported.
 */
export function topicFor(
  pubsub: PubSub,
  name: string,
  ordering: boolean,
  batching: SdkPublishOptions['batching'],
): Topic {
  let cache = topics.get(pubsub);
  if (cache === undefined) {
    cache = new Map();
    topics.set(pubsub, cache);
  }
  const key = JSON.stringify([name, ordering, batching ?? null]);
  let topic = cache.get(key);
  if (topic === undefined) {
    topic = pubsub.topic(name, {
      ...(batching === undefined ? {} : { batching }),
      ...(ordering ? { messageOrdering: true } : {}),
    });
    cache.set(key, topic);
  }
  return topic;
}

let publishPolicy: RetryPolicy | undefined;

/**
 * Publish one JSON message and resolve with the server's message id, once the server has it.
 * With a schema the message is validated first and an invalid one throws
 * {@link ClientConfigError} without being sent. Failures are retried with the `pubsubPublish`
 * preset (ordered publishing is resumed between attempts).
 *
 * @example
 * ```ts
 * const id = await publish('phase-complete', { phase: 2, dataDate }, { attributes: { processor: 'raw' } });
 * ```
 */
export async function publish<T>(
  topic: string,
  data: T,
  options: PublishOptions<T> = {},
): Promise<string> {
  checkName('topic', topic);
  let payload: unknown = data;
  if (options.schema !== undefined) {
    const parsed = options.schema.safeParse(data);
    if (!parsed.success) {
      throw new ClientConfigError(
        'message',
        `message for ${topic} does not match its schema: ${describeIssues(parsed.error)}`,
      );
    }
    payload = parsed.data;
  }
  const body = JSON.stringify(payload);
  if (body === undefined)
    throw new ClientConfigError('message', `message for ${topic} is not JSON-serialisable`);
  const pubsub = options.pubsub ?? getPubSub();
  const ordering = options.orderingKey !== undefined;
  const handle = topicFor(pubsub, topic, ordering, options.batching);
  publishPolicy ??= createRetryPolicy({ preset: 'pubsubPublish' });
  return (options.retry ?? publishPolicy).execute(async ({ attempt }) => {
    // After a failed ordered publish the SDK pauses the key until told to resume.
    if (attempt > 1 && options.orderingKey !== undefined)
      handle.resumePublishing(options.orderingKey);
    return handle.publishMessage({
      data: Buffer.from(body),
      ...(options.attributes === undefined ? {} : { attributes: { ...options.attributes } }),
      ...(options.orderingKey === undefined ? {} : { orderingKey: options.orderingKey }),
    });
  }, options.signal);
}

/**
 * The old name of {@link PublishOptions}.
 * @deprecated Use `PublishOptions`; this name is removed in the next minor release.
 */
export type PublishMessageOptions<T> = PublishOptions<T>;
