import {
  Duration,
  type Message,
  type PubSub,
  type SubscriberOptions,
  type Subscription,
} from '@google-cloud/pubsub';
import { type Logger, silentLogger } from '@pipewell/core';
import { isPermanentError } from '@pipewell/retry';
import { ClientConfigError } from './project.js';
import { getPubSub } from './pubsub-client.js';
import {
  type DeadLetterKind,
  deadLetterAttributes,
  maxAttributeBytes,
  truncateUtf8,
} from './pubsub-dead-letter.js';
import { describeIssues, type MessageSchema } from './pubsub-message-schema.js';
import { checkName } from './pubsub-names.js';
import { topicFor } from './pubsub-publish.js';

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

/** How a message left a subscriber, as {@link SubscribeOptions.onSettled} reports it. */
export interface SettledMessage {
  readonly messageId: string;
  /** The delivery that settled (1 on first delivery). */
  readonly deliveryAttempt: number;
  /**
   * `acked`: handled; `dead-lettered`: published to the dead-letter topic, then acked; `nacked`:
   * given back to Pub/Sub for redelivery (or for its own dead-lettering after the
   * subscription's `maxDeliveryAttempts`).
   */
  readonly outcome: 'acked' | 'nacked' | 'dead-lettered';
  /**
   * For `dead-lettered`: why, the dead-letter topic (its full name, `projects/P/topics/NAME`)
   * and the id its copy got there.
   */
  readonly deadLetter?: {
    readonly kind: DeadLetterKind;
    readonly topic: string;
    readonly messageId: string;
  };
}

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
  /**
   * Called once per delivery as it is acked, NACKed or dead-lettered (including messages that
   * failed validation and never reached the handler), for callers that track work in flight.
   * Must not throw; an error it throws is logged and ignored.
   */
  readonly onSettled?: (settled: SettledMessage) => void;
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
  const { onSettled } = options;
  const settled = (
    message: Message,
    outcome: SettledMessage['outcome'],
    deadLetter?: SettledMessage['deadLetter'],
  ): void => {
    if (outcome === 'acked' || outcome === 'dead-lettered') {
      message.ack();
      stats.acked++;
    } else {
      message.nack();
      stats.nacked++;
    }
    if (onSettled === undefined) return;
    try {
      onSettled({
        messageId: message.id,
        deliveryAttempt: message.deliveryAttempt || 1,
        outcome,
        ...(deadLetter === undefined ? {} : { deadLetter }),
      });
    } catch (error) {
      logger.error({ err: error, subscription }, 'pubsub: onSettled threw, ignored');
    }
  };
  const inFlight = new Map<Message, AbortController>();
  let closing: Promise<void> | undefined;

  /**
   * Publish a message that can never succeed to the dead-letter topic with why, then ack it.
   * Without a dead-letter topic, or when publishing fails, NACK it: never lose it.
   */
  const deadLetter = async (
    message: Message,
    controller: AbortController,
    kind: DeadLetterKind,
    why: Record<string, string>,
  ): Promise<void> => {
    let published: SettledMessage['deadLetter'];
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
        const target = topicFor(pubsub, topicName, false, undefined);
        const copyId = await target.publishMessage({ data: message.data, attributes });
        stats.deadLettered++;
        published = { kind, topic: target.name, messageId: copyId };
      }
    } catch (error) {
      logger.error(
        { err: error, subscription, messageId: message.id },
        'pubsub: could not dead-letter, nacking',
      );
    }
    // close() gave up on this message and has NACKed it already.
    if (controller.signal.aborted) return;
    if (published === undefined) settled(message, 'nacked');
    else settled(message, 'dead-lettered', published);
  };

  const onMessage = async (message: Message): Promise<void> => {
    stats.received++;
    if (closing !== undefined) {
      settled(message, 'nacked');
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
        await deadLetter(
          message,
          controller,
          'validation',
          deadLetterAttributes('validation', problem),
        );
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
          await deadLetter(
            message,
            controller,
            'permanent',
            deadLetterAttributes('permanent', error),
          );
          return;
        }
        // Transient or unknown: redelivery is bounded by the subscription's maxDeliveryAttempts.
        logger.warn(
          { err: error, subscription, messageId: message.id },
          'pubsub: handler failed, nacking',
        );
        settled(message, 'nacked');
        return;
      }
      if (controller.signal.aborted) return;
      settled(message, 'acked');
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
          settled(message, 'nacked');
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
