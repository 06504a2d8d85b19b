import {
  type ClientConfig,
  Duration,
  type Message,
  type PublishOptions,
  PubSub,
  type SubscriberOptions,
  type Subscription,
  type Topic,
} from '@google-cloud/pubsub';
import { createRetryPolicy, type Logger, type RetryPolicy, silentLogger } from '@pipewell/retry';
import { pooled } from './pool.js';
import { ClientConfigError, resolveProjectId } from './project.js';

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

/**
 * The process's Pub/Sub client for a project and options, created on first use.
 * `PUBSUB_EMULATOR_HOST` is honoured by the SDK.
 */
export function getPubSub(options: ClientConfig = {}): PubSub {
  const projectId = resolveProjectId(
    options.projectId === undefined ? {} : { projectId: options.projectId },
  );
  const settings = { ...options, projectId };
  return pooled(
    'pubsub',
    { ...settings, emulator: process.env.PUBSUB_EMULATOR_HOST },
    () => new PubSub(settings),
    (client) => client.close(),
  );
}

const topicPattern = /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/** Check a topic or subscription name (short or `projects/P/topics/NAME`) before any call. */
function checkName(kind: 'topic' | 'subscription', name: unknown): string {
  if (typeof name !== 'string') {
    throw new ClientConfigError(kind, `a ${kind} name must be a string (got ${typeof name})`);
  }
  const short = name.split('/').pop() ?? '';
  if (!topicPattern.test(short)) {
    throw new ClientConfigError(
      kind,
      `illegal ${kind} name ${JSON.stringify(name)}: 3-255 characters, starting with a letter, of letters, digits and - _ . ~ + %, not starting with "goog"`,
    );
  }
  return name;
}

function describeIssues(error: {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** A topic and the schema of its messages, shared by publisher and subscriber. */
export interface TypedTopic<T> {
  readonly name: string;
  readonly schema: MessageSchema<T>;
  /** {@link publish} with this topic's schema. */
  publish(data: T, options?: Omit<PublishMessageOptions<T>, 'schema'>): Promise<string>;
  /** {@link subscribe} with this topic's schema. */
  subscribe(
    subscription: string,
    handler: MessageHandler<T>,
    options?: Omit<SubscribeOptions<T>, 'schema'>,
  ): Promise<Subscriber>;
}

/**
 * Bundle a topic name and its zod schema, so publisher and subscriber share one type.
 *
 * @example
 * ```ts
 * const phaseComplete = createTypedTopic('phase-complete', z.object({ phase: z.number(), dataDate: z.string() }));
 * await phaseComplete.publish({ phase: 2, dataDate: '2026-01-24' });
 * ```
 */
export function createTypedTopic<T>(name: string, schema: MessageSchema<T>): TypedTopic<T> {
  checkName('topic', name);
  if (typeof schema?.safeParse !== 'function') {
    throw new ClientConfigError(
      'schema',
      'createTypedTopic needs a zod schema (anything with safeParse)',
    );
  }
  return {
    name,
    schema,
    publish: (data, options = {}) => publish(name, data, { ...options, schema }),
    subscribe: (subscription, handler, options = {}) =>
      subscribe(subscription, handler, { ...options, schema }),
  };
}

/** Options for {@link publish}. */
export interface PublishMessageOptions<T> {
  readonly pubsub?: PubSub;
  readonly attributes?: Readonly<Record<string, string>>;
  /** Messages with the same key are delivered in order (the subscription must enable ordering). */
  readonly orderingKey?: string;
  /** Checked before sending: an invalid message is never sent. */
  readonly schema?: MessageSchema<T>;
  /** The SDK's batching settings for this topic. */
  readonly batching?: PublishOptions['batching'];
  /** @default the `pubsubPublish` preset */
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
}

const topics = new WeakMap<PubSub, Map<string, Topic>>();

function topicFor(
  pubsub: PubSub,
  name: string,
  ordering: boolean,
  batching: PublishOptions['batching'],
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
  options: PublishMessageOptions<T> = {},
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

/** What a handler learns about the message besides its data. */
export interface MessageContext {
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly publishTime: Date;
  readonly orderingKey: string | undefined;
  /** 1 on first delivery; counts up with redeliveries (needs a dead-letter policy to be known). */
  readonly deliveryAttempt: number;
  /** Handlers running now on this subscriber, this one included (flow control). */
  readonly inFlight: number;
  /** Aborts when `close()` gives up waiting for this handler. */
  readonly signal: AbortSignal;
}

/**
 * Process one message. Return (or resolve) to ack it; throw (or reject) to NACK it, so Pub/Sub
 * redelivers it and, after the subscription's `maxDeliveryAttempts`, dead-letters it.
 */
export type MessageHandler<T> = (data: T, context: MessageContext) => unknown;

/** Options for {@link subscribe}. */
export interface SubscribeOptions<T> {
  readonly pubsub?: PubSub;
  /** Messages that fail it are dead-lettered with the validation error, never handled. */
  readonly schema?: MessageSchema<T>;
  /** Flow control: the most messages handled at once. @default 10 */
  readonly maxMessages?: number;
  /** The lease, in seconds (10-600), the client asks for each message; it is extended while a handler runs. */
  readonly ackDeadlineSeconds?: number;
  /**
   * Where messages that fail validation go.
   * @default the subscription's dead-letter topic
   */
  readonly deadLetterTopic?: string;
  /** Further SDK subscriber options (for example `streamingOptions`). */
  readonly subscriberOptions?: SubscriberOptions;
  /** @default silentLogger */
  readonly logger?: Logger;
}

/** A running subscription. */
export interface Subscriber extends AsyncDisposable {
  /**
   * Stop receiving, wait for in-flight handlers (up to `timeoutMs`, default 30 s; then abort
   * their signals and NACK their messages), and close the stream. New messages that arrive while
   * closing are NACKed at once.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
  readonly stats: SubscriberStats;
}

/** What a subscriber has done. */
export interface SubscriberStats {
  readonly received: number;
  readonly acked: number;
  readonly nacked: number;
  readonly deadLettered: number;
  readonly inFlight: number;
}

/**
 * Handle messages from a subscription: a handler that returns acks, one that throws NACKs (never
 * an ack for failed work). With a schema, a message that does not match (or is not JSON) is
 * published to the dead-letter topic with the validation error in its attributes and then acked:
 * never acked silently, never a crash loop. `close()` drains in-flight handlers.
 *
 * @example
 * ```ts
 * const subscriber = await subscribe('phase-complete-raw', async (event, { deliveryAttempt }) => {
 *   await runPhase(event); // throws on failure, so the message comes back
 * }, { schema: PhaseComplete, maxMessages: 4 });
 * process.on('SIGTERM', () => subscriber.close());
 * ```
 */
export async function subscribe<T>(
  subscription: string,
  handler: MessageHandler<T>,
  options: SubscribeOptions<T> = {},
): Promise<Subscriber> {
  checkName('subscription', subscription);
  if (typeof handler !== 'function')
    throw new ClientConfigError('handler', 'subscribe needs a handler function');
  const maxMessages = options.maxMessages ?? 10;
  if (!Number.isInteger(maxMessages) || maxMessages < 1) {
    throw new ClientConfigError(
      'maxMessages',
      `option "maxMessages" must be a whole number >= 1 (got ${maxMessages})`,
    );
  }
  const logger = options.logger ?? silentLogger;
  const pubsub = options.pubsub ?? getPubSub();
  const ackDeadlineSeconds = options.ackDeadlineSeconds;
  if (
    ackDeadlineSeconds !== undefined &&
    !(Number.isInteger(ackDeadlineSeconds) && ackDeadlineSeconds >= 10 && ackDeadlineSeconds <= 600)
  ) {
    throw new ClientConfigError(
      'ackDeadlineSeconds',
      `option "ackDeadlineSeconds" must be a whole number from 10 to 600 (got ${ackDeadlineSeconds})`,
    );
  }
  const handle: Subscription = pubsub.subscription(subscription, {
    ...options.subscriberOptions,
    flowControl: {
      ...options.subscriberOptions?.flowControl,
      maxMessages,
      allowExcessMessages: false,
    },
    // The lease the client asks for (it keeps extending it while a handler runs).
    ...(ackDeadlineSeconds === undefined
      ? {}
      : {
          minAckDeadline: Duration.from({ seconds: ackDeadlineSeconds }),
          maxAckDeadline: Duration.from({ seconds: ackDeadlineSeconds }),
        }),
  });

  let deadLetterTopic = options.deadLetterTopic;
  if (options.schema !== undefined && deadLetterTopic === undefined) {
    const [metadata] = await handle.getMetadata();
    deadLetterTopic = metadata.deadLetterPolicy?.deadLetterTopic ?? undefined;
    if (!deadLetterTopic) {
      throw new ClientConfigError(
        'deadLetterTopic',
        `subscription ${subscription} has no dead-letter topic: messages failing the schema would have nowhere to go (set one with ensureSubscription, or pass { deadLetterTopic })`,
      );
    }
  }

  const stats = { received: 0, acked: 0, nacked: 0, deadLettered: 0 };
  const inFlight = new Map<Message, AbortController>();
  let closing: Promise<void> | undefined;

  const deadLetter = async (message: Message, reason: string): Promise<void> => {
    const topic = topicFor(pubsub, deadLetterTopic as string, false, undefined);
    await topic.publishMessage({
      data: message.data,
      attributes: {
        ...message.attributes,
        pipewell_error: 'validation',
        pipewell_reason: reason.slice(0, 1024),
        pipewell_subscription: subscription,
        pipewell_message_id: message.id,
      },
    });
    stats.deadLettered++;
  };

  const onMessage = async (message: Message): Promise<void> => {
    stats.received++;
    if (closing !== undefined) {
      message.nack();
      stats.nacked++;
      return;
    }
    const controller = new AbortController();
    inFlight.set(message, controller);
    try {
      let data: T;
      if (options.schema !== undefined) {
        let json: unknown;
        let problem: string | undefined;
        try {
          json = JSON.parse(message.data.toString('utf8'));
        } catch (error) {
          problem = `not JSON: ${(error as Error).message}`;
        }
        const parsed = problem === undefined ? options.schema.safeParse(json) : undefined;
        if (parsed !== undefined && !parsed.success) problem = describeIssues(parsed.error);
        if (problem !== undefined || parsed === undefined || !parsed.success) {
          logger.warn(
            { subscription, messageId: message.id, reason: problem },
            'pubsub: message failed validation, dead-lettering',
          );
          try {
            await deadLetter(message, problem ?? 'invalid');
            message.ack();
            stats.acked++;
          } catch (error) {
            logger.error(
              { err: error, subscription, messageId: message.id },
              'pubsub: could not dead-letter, nacking',
            );
            message.nack();
            stats.nacked++;
          }
          return;
        }
        data = parsed.data;
      } else {
        data = message.data as unknown as T;
      }
      await handler(data, {
        id: message.id,
        attributes: message.attributes,
        publishTime: message.publishTime as unknown as Date,
        orderingKey: message.orderingKey || undefined,
        deliveryAttempt: message.deliveryAttempt || 1,
        inFlight: inFlight.size,
        signal: controller.signal,
      });
      if (controller.signal.aborted) return;
      message.ack();
      stats.acked++;
    } catch (error) {
      if (controller.signal.aborted) return;
      logger.warn(
        { err: error, subscription, messageId: message.id },
        'pubsub: handler failed, nacking',
      );
      message.nack();
      stats.nacked++;
    } finally {
      inFlight.delete(message);
    }
  };

  const pending = new Set<Promise<void>>();
  const listener = (message: Message): void => {
    const work = onMessage(message);
    pending.add(work);
    work.finally(() => pending.delete(work));
  };
  handle.on('message', listener);
  handle.on('error', (error: unknown) =>
    logger.error({ err: error, subscription }, 'pubsub: subscription error'),
  );

  const close = (closeOptions: { readonly timeoutMs?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      const timeoutMs = closeOptions.timeoutMs ?? 30_000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const drained = Promise.allSettled([...pending]).then(() => 'drained' as const);
      if ((await Promise.race([drained, timedOut])) === 'timeout') {
        for (const [message, controller] of inFlight) {
          controller.abort(
            new Error(`subscriber for ${subscription} closed before this message was handled`),
          );
          message.nack();
          stats.nacked++;
        }
      }
      clearTimeout(timer);
      handle.removeListener('message', listener);
      await handle.close();
    })();
    return closing;
  };

  return {
    close,
    [Symbol.asyncDispose]: () => close(),
    get stats() {
      return { ...stats, inFlight: inFlight.size };
    },
  };
}

/** Create the topic if it does not exist; resolve either way. */
export async function ensureTopic(
  name: string,
  options: { readonly pubsub?: PubSub } = {},
): Promise<Topic> {
  checkName('topic', name);
  const pubsub = options.pubsub ?? getPubSub();
  const [topic] = await pubsub.topic(name).get({ autoCreate: true });
  return topic;
}

/** Options for {@link ensureSubscription}. */
export interface EnsureSubscriptionOptions {
  readonly pubsub?: PubSub;
  /** The topic the subscription reads. */
  readonly topic: string;
  /** Where messages go after `maxDeliveryAttempts` NACKs (created if missing). */
  readonly deadLetterTopic?: string;
  /** @default 5 */
  readonly maxDeliveryAttempts?: number;
  /** Redelivery backoff. @default 10 s to 600 s */
  readonly retryPolicy?: {
    readonly minimumBackoffSeconds?: number;
    readonly maximumBackoffSeconds?: number;
  };
  readonly ackDeadlineSeconds?: number;
  readonly enableMessageOrdering?: boolean;
}

function isAlreadyExists(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 6;
}

/**
 * Create a subscription (with a dead-letter policy, `maxDeliveryAttempts` 5 by default, and a
 * retry policy) if it does not exist; resolve either way. The topic and dead-letter topic are
 * created too.
 */
export async function ensureSubscription(
  name: string,
  options: EnsureSubscriptionOptions,
): Promise<Subscription> {
  checkName('subscription', name);
  checkName('topic', options?.topic);
  const maxDeliveryAttempts = options.maxDeliveryAttempts ?? 5;
  if (
    !Number.isInteger(maxDeliveryAttempts) ||
    maxDeliveryAttempts < 5 ||
    maxDeliveryAttempts > 100
  ) {
    throw new ClientConfigError(
      'maxDeliveryAttempts',
      `option "maxDeliveryAttempts" must be a whole number from 5 to 100 (got ${maxDeliveryAttempts})`,
    );
  }
  const pubsub = options.pubsub ?? getPubSub();
  const topic = await ensureTopic(options.topic, { pubsub });
  let deadLetterPolicy: { deadLetterTopic: string; maxDeliveryAttempts: number } | undefined;
  if (options.deadLetterTopic !== undefined) {
    const deadLetter = await ensureTopic(options.deadLetterTopic, { pubsub });
    deadLetterPolicy = { deadLetterTopic: deadLetter.name, maxDeliveryAttempts };
  }
  try {
    const [subscription] = await topic.createSubscription(name, {
      ...(deadLetterPolicy === undefined ? {} : { deadLetterPolicy }),
      retryPolicy: {
        minimumBackoff: { seconds: options.retryPolicy?.minimumBackoffSeconds ?? 10 },
        maximumBackoff: { seconds: options.retryPolicy?.maximumBackoffSeconds ?? 600 },
      },
      ...(options.ackDeadlineSeconds === undefined
        ? {}
        : { ackDeadlineSeconds: options.ackDeadlineSeconds }),
      ...(options.enableMessageOrdering ? { enableMessageOrdering: true } : {}),
    });
    return subscription;
  } catch (error) {
    if (isAlreadyExists(error)) return pubsub.subscription(name);
    throw error;
  }
}
