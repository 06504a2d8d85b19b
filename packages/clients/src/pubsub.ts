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
import { type Logger, readEnv, silentLogger } from '@pipewell/core';
import { createRetryPolicy, isPermanentError, type RetryPolicy } from '@pipewell/retry';
import { pooled } from './pool.js';
import { ClientConfigError, resolveProjectId, withoutProcessVariable } from './project.js';

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

// An intersection, not an interface extending ClientConfig: the API docs would copy the SDK's
// option comments, whose links into google-auth-library do not resolve.
/** Options for {@link getPubSub}: the SDK's `ClientConfig`, plus where to read the environment. */
export type GetPubSubOptions = ClientConfig & {
  /**
   * Where `PUBSUB_EMULATOR_HOST` and the project variables are read (see `resolveProjectId`).
   * An explicit `apiEndpoint` wins over `PUBSUB_EMULATOR_HOST`.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
};

const emulatorVariable = 'PUBSUB_EMULATOR_HOST';

/**
 * The process's Pub/Sub client for a project and options, created on first use. When
 * `PUBSUB_EMULATOR_HOST` is set in `env` (and no `apiEndpoint` is given) the client talks to that
 * emulator over plain gRPC, with no credentials; when it is not, to Pub/Sub itself, whatever
 * `process.env` holds.
 *
 * @example
 * ```ts
 * const pubsub = getPubSub(); // project from GCP_PROJECT_ID, emulator from PUBSUB_EMULATOR_HOST
 * const local = getPubSub({ env: { PUBSUB_EMULATOR_HOST: '127.0.0.1:8085', GCP_PROJECT_ID: 'demo-test' } });
 * ```
 */
export function getPubSub(options: GetPubSubOptions = {}): PubSub {
  const { env = readEnv(), ...config } = options;
  const projectId = resolveProjectId(
    config.projectId === undefined ? { env } : { projectId: config.projectId, env },
  );
  const emulator = env[emulatorVariable]?.trim() || undefined;
  const settings: ClientConfig = {
    ...config,
    projectId,
    // Passed explicitly, so the SDK never has to look at process.env for it.
    ...(emulator === undefined || config.apiEndpoint !== undefined
      ? {}
      : { apiEndpoint: emulator, emulatorMode: true }),
  };
  return pooled(
    'pubsub',
    settings,
    // The SDK's constructor falls back to process.env.PUBSUB_EMULATOR_HOST when given no
    // apiEndpoint; hidden for that one synchronous call, the injected env is what decides.
    () => withoutProcessVariable(emulatorVariable, () => new PubSub(settings)),
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
 * Process one message. Return (or resolve) to ack it. Throw (or reject) and the error decides:
 * a permanent one (`isPermanentError` from `@pipewell/retry`: `permanent: true`, a failed
 * validation, an HTTP 4xx other than 408 and 429, a `RetryError` whose last error is permanent)
 * dead-letters the message at once with the reason; any other error, transient or unknown,
 * NACKs it, so Pub/Sub redelivers it and, after the subscription's `maxDeliveryAttempts`,
 * dead-letters it.
 */
export type MessageHandler<T> = (data: T, context: MessageContext) => unknown;

/**
 * How many messages a subscriber handles at once unless told otherwise: the SDK's own default.
 * Handlers mostly wait on I/O, so concurrency sets their throughput, and Pub/Sub sends a stream
 * more messages only as acks come back, which the SDK batches for up to 100 ms: each slot turns
 * over about every (handler time + 0.1 s). At 20 ms a message, 10 slots gave 80 messages a second
 * and 100 gave 800, where the stream delivers about 2,000 (bench/src/subscriber-throughput.ts).
 */
const defaultMaxMessages = 1000;

/** Options for {@link subscribe}. */
export interface SubscribeOptions<T> {
  readonly pubsub?: PubSub;
  /**
   * Messages that fail it are dead-lettered with the validation error, never handled. Without a
   * schema the handler receives the parsed JSON typed as `unknown`.
   */
  readonly schema?: MessageSchema<T>;
  /**
   * Flow control: the most messages handled at once. The default suits handlers that mostly wait
   * on I/O; lower it for handlers that are CPU-bound, hold much memory per message, or call a
   * service with a concurrency limit (a connection pool, a per-project query quota).
   * @default 1000, as the SDK
   */
  readonly maxMessages?: number;
  /** The lease, in seconds (10-600), the client asks for each message; it is extended while a handler runs. */
  readonly ackDeadlineSeconds?: number;
  /**
   * Where messages that can never succeed go at once: those that are not JSON or fail the schema,
   * and those whose handler throws a permanent error.
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
  /** Messages acked: handled, or dead-lettered by this subscriber. */
  readonly acked: number;
  readonly nacked: number;
  /** Messages this subscriber published to the dead-letter topic (invalid, or failed for good). */
  readonly deadLettered: number;
  readonly inFlight: number;
}

/** Pub/Sub's limit on an attribute value, in bytes. */
const maxAttributeBytes = 1024;

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
function permanentErrorAttributes(error: unknown): Record<string, string> {
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

/**
 * Handle messages from a subscription, each parsed from JSON and checked against
 * `options.schema`, so the handler's data is typed as the schema's output. A handler that
 * returns acks. One that throws a transient or unknown error NACKs, so the message comes back
 * (bounded by the subscription's `maxDeliveryAttempts`); one that throws a permanent error (see
 * {@link MessageHandler}) has its message published to the dead-letter topic at once with the
 * reason in its attributes, then acked, so a deterministic failure never loops. A message that
 * is not JSON or fails the schema is dead-lettered the same way, never handled. `close()` drains
 * in-flight handlers.
 *
 * @example
 * ```ts
 * const subscriber = await subscribe('phase-complete-raw', async (event, { deliveryAttempt }) => {
 *   await runPhase(event); // event: { phase: number; dataDate: string }; throw and it comes back
 * }, { schema: PhaseComplete, maxMessages: 4 });
 * process.on('SIGTERM', () => subscriber.close());
 * ```
 */
export function subscribe<T>(
  subscription: string,
  handler: MessageHandler<T>,
  options: SubscribeOptions<T> & { readonly schema: MessageSchema<T> },
): Promise<Subscriber>;
/**
 * Handle messages from a subscription without a schema: the handler gets the parsed JSON typed
 * as `unknown` (`undefined` for a message with no data), never the raw bytes, and checks it
 * itself. Acks, NACKs and dead-letters as with a schema: a return acks, a transient or unknown
 * error NACKs, a permanent error (see {@link MessageHandler}) or a message that is not JSON goes
 * to the dead-letter topic at once. `close()` drains in-flight handlers.
 *
 * @example
 * ```ts
 * const subscriber = await subscribe('audit-events', (data) => {
 *   if (isAuditEvent(data)) record(data); // data: unknown until checked
 * });
 * ```
 */
export function subscribe(
  subscription: string,
  handler: MessageHandler<unknown>,
  options?: SubscribeOptions<unknown> & { readonly schema?: undefined },
): Promise<Subscriber>;
// One implementation for both signatures: without a schema, T is unknown.
export async function subscribe<T>(
  subscription: string,
  handler: MessageHandler<T>,
  options: SubscribeOptions<T> = {},
): Promise<Subscriber> {
  checkName('subscription', subscription);
  if (typeof handler !== 'function')
    throw new ClientConfigError('handler', 'subscribe needs a handler function');
  const maxMessages = options.maxMessages ?? defaultMaxMessages;
  if (!Number.isInteger(maxMessages) || maxMessages < 1) {
    throw new ClientConfigError(
      'maxMessages',
      `option "maxMessages" must be a whole number >= 1 (got ${maxMessages})`,
    );
  }
  if (options.deadLetterTopic !== undefined) checkName('topic', options.deadLetterTopic);
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

  const readDeadLetterTopic = async (): Promise<string | undefined> => {
    const [metadata] = await handle.getMetadata();
    return metadata.deadLetterPolicy?.deadLetterTopic || undefined;
  };
  let deadLetterTopic: Promise<string | undefined> | undefined;
  if (options.deadLetterTopic !== undefined) {
    deadLetterTopic = Promise.resolve(options.deadLetterTopic);
  } else if (options.schema !== undefined) {
    // With a schema, invalid messages are expected: refuse to start without a place for them.
    const topic = await readDeadLetterTopic();
    if (topic === undefined) {
      throw new ClientConfigError(
        'deadLetterTopic',
        `subscription ${subscription} has no dead-letter topic: messages failing the schema would have nowhere to go (set one with ensureSubscription, or pass { deadLetterTopic })`,
      );
    }
    deadLetterTopic = Promise.resolve(topic);
  }
  // Otherwise looked up when first needed: a subscriber whose messages never fail for good needs
  // no permission to read the subscription. A failed lookup is tried again next time.
  const deadLetterTopicName = (): Promise<string | undefined> => {
    if (deadLetterTopic === undefined) {
      const lookup = readDeadLetterTopic();
      deadLetterTopic = lookup;
      lookup.catch(() => {
        if (deadLetterTopic === lookup) deadLetterTopic = undefined;
      });
    }
    return deadLetterTopic;
  };

  const stats = { received: 0, acked: 0, nacked: 0, deadLettered: 0 };
  const inFlight = new Map<Message, AbortController>();
  let closing: Promise<void> | undefined;

  /**
   * Publish a message that can never succeed to the dead-letter topic with why, then ack it.
   * Without a dead-letter topic, or when publishing fails, NACK it: never lose it.
   */
  const deadLetter = async (
    message: Message,
    controller: AbortController,
    why: Record<string, string>,
  ): Promise<void> => {
    let published = false;
    try {
      const topicName = await deadLetterTopicName();
      if (topicName === undefined) {
        logger.error(
          { subscription, messageId: message.id, reason: why.pipewell_reason },
          'pubsub: a message that cannot succeed has no dead-letter topic to go to, nacking (give the subscription one, or pass { deadLetterTopic })',
        );
      } else {
        const attributes: Record<string, string> = { ...message.attributes };
        for (const [key, value] of Object.entries(why)) {
          attributes[key] = truncateUtf8(value, maxAttributeBytes);
        }
        attributes.pipewell_subscription = subscription;
        attributes.pipewell_message_id = message.id;
        attributes.pipewell_delivery_attempt = String(message.deliveryAttempt || 1);
        await topicFor(pubsub, topicName, false, undefined).publishMessage({
          data: message.data,
          attributes,
        });
        stats.deadLettered++;
        published = true;
      }
    } catch (error) {
      logger.error(
        { err: error, subscription, messageId: message.id },
        'pubsub: could not dead-letter, nacking',
      );
    }
    // close() gave up on this message and has NACKed it already.
    if (controller.signal.aborted) return;
    if (published) {
      message.ack();
      stats.acked++;
    } else {
      message.nack();
      stats.nacked++;
    }
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
      let data: unknown;
      let problem: string | undefined;
      try {
        // A message with no data (attributes only) is legal Pub/Sub.
        data = message.data.length === 0 ? undefined : JSON.parse(message.data.toString('utf8'));
      } catch (error) {
        problem = `not JSON: ${(error as Error).message}`;
      }
      if (problem === undefined && options.schema !== undefined) {
        const parsed = options.schema.safeParse(data);
        if (parsed.success) data = parsed.data;
        else problem = describeIssues(parsed.error);
      }
      if (problem !== undefined) {
        logger.warn(
          { subscription, messageId: message.id, reason: problem },
          'pubsub: message failed validation, dead-lettering',
        );
        await deadLetter(message, controller, {
          pipewell_error: 'validation',
          pipewell_reason: problem,
        });
        return;
      }
      try {
        await handler(data as T, {
          id: message.id,
          attributes: message.attributes,
          publishTime: message.publishTime as unknown as Date,
          orderingKey: message.orderingKey || undefined,
          deliveryAttempt: message.deliveryAttempt || 1,
          inFlight: inFlight.size,
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted) return;
        if (isPermanentError(error)) {
          logger.warn(
            { err: error, subscription, messageId: message.id },
            'pubsub: handler failed with a permanent error, dead-lettering',
          );
          await deadLetter(message, controller, permanentErrorAttributes(error));
          return;
        }
        // Transient or unknown: redelivery is bounded by the subscription's maxDeliveryAttempts.
        logger.warn(
          { err: error, subscription, messageId: message.id },
          'pubsub: handler failed, nacking',
        );
        message.nack();
        stats.nacked++;
        return;
      }
      if (controller.signal.aborted) return;
      message.ack();
      stats.acked++;
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

const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

function hasCode(error: unknown, code: number): boolean {
  return isBag(error) && error.code === code;
}

const creating = new WeakMap<PubSub, Map<string, Promise<unknown>>>();

/** Concurrent callers on one client share one creation per resource, instead of racing. */
function shareCreation<R>(pubsub: PubSub, key: string, create: () => Promise<R>): Promise<R> {
  let pending = creating.get(pubsub);
  if (pending === undefined) {
    pending = new Map();
    creating.set(pubsub, pending);
  }
  const existing = pending.get(key);
  if (existing !== undefined) return existing as Promise<R>;
  const map = pending;
  const creation = create().finally(() => map.delete(key));
  map.set(key, creation);
  return creation;
}

function fullName(pubsub: PubSub, kind: 'topics' | 'subscriptions', name: string): string {
  return name.includes('/') ? name : `projects/${pubsub.projectId}/${kind}/${name}`;
}

/**
 * Create the topic if it does not exist; resolve either way. Safe to call concurrently, from
 * one process or many: a creation that loses the race (ALREADY_EXISTS) counts as success, and
 * concurrent calls on one client share one creation.
 *
 * @example
 * ```ts
 * await ensureTopic('phase-complete');
 * ```
 */
export async function ensureTopic(
  name: string,
  options: { readonly pubsub?: PubSub } = {},
): Promise<Topic> {
  checkName('topic', name);
  const pubsub = options.pubsub ?? getPubSub();
  return shareCreation(pubsub, `topic ${fullName(pubsub, 'topics', name)}`, async () => {
    const topic = pubsub.topic(name);
    try {
      await topic.getMetadata();
      return topic;
    } catch (error) {
      if (!hasCode(error, NOT_FOUND)) throw error;
    }
    try {
      const [created] = await pubsub.createTopic(name);
      return created;
    } catch (error) {
      // Someone else created it between our look and our create.
      if (hasCode(error, ALREADY_EXISTS)) return topic;
      throw error;
    }
  });
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

/**
 * Create a subscription (with a dead-letter policy, `maxDeliveryAttempts` 5 by default, and a
 * retry policy) if it does not exist; resolve either way. The topic and dead-letter topic are
 * created too. An existing subscription is left as it is. Safe to call concurrently, from one
 * process or many, even while the topic does not exist yet: ALREADY_EXISTS counts as success.
 *
 * @example
 * ```ts
 * await ensureSubscription('phase-complete-orchestrator', {
 *   topic: 'phase-complete',
 *   deadLetterTopic: 'phase-complete-dlq',
 * });
 * ```
 */
export async function ensureSubscription(
  name: string,
  options: EnsureSubscriptionOptions,
): Promise<Subscription> {
  checkName('subscription', name);
  checkName('topic', options?.topic);
  if (options.deadLetterTopic !== undefined) checkName('topic', options.deadLetterTopic);
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
  return shareCreation(
    pubsub,
    `subscription ${fullName(pubsub, 'subscriptions', name)}`,
    async () => {
      const [topic, deadLetter] = await Promise.all([
        ensureTopic(options.topic, { pubsub }),
        options.deadLetterTopic === undefined
          ? undefined
          : ensureTopic(options.deadLetterTopic, { pubsub }),
      ]);
      try {
        const [subscription] = await topic.createSubscription(name, {
          ...(deadLetter === undefined
            ? {}
            : { deadLetterPolicy: { deadLetterTopic: deadLetter.name, maxDeliveryAttempts } }),
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
        // Someone else created it first.
        if (hasCode(error, ALREADY_EXISTS)) return pubsub.subscription(name);
        throw error;
      }
    },
  );
}
