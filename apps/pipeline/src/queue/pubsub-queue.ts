import type { PubSub, SubscriberOptions } from '@google-cloud/pubsub';
import {
  ensureSubscription as ensurePubSubSubscription,
  ensureTopic as ensurePubSubTopic,
  getPubSub,
  type MessageContext as PubSubMessageContext,
  publish as publishPubSub,
  type SettledMessage,
  subscribe as subscribePubSub,
} from '@pipewell/clients/pubsub';
import { type Logger, PipewellError, silentLogger } from '@pipewell/core';
import { isPermanentError } from '@pipewell/retry';
import { QueueClosedError, QueueInputError } from './errors.js';
import { type IdleWaiter, waitForIdle } from './idle-waiter.js';
import type {
  IdleOptions,
  MessageHandler,
  PublishOptions,
  Queue,
  QueueSubscriber,
  SubscribeOptions,
  SubscriptionOptions,
  SubscriptionStats,
} from './port.js';
import { checkAttributes, checkName, encodeData, resolveSubscription } from './settings.js';

/** Options for {@link openPubSubQueue}. */
export interface PubSubQueueOptions {
  /**
   * The client: a `PubSub` of `@google-cloud/pubsub`, such as `getPubSub()` of
   * `@pipewell/clients/pubsub` (which honours `PUBSUB_EMULATOR_HOST`). Not closed by `close()`.
   * @default getPubSub()
   */
  readonly pubsub?: PubSub;
  /** @default silentLogger */
  readonly logger?: Logger;
  /**
   * Whether this process is the only consumer of the subscriptions it subscribes to. Then
   * `idle()` also waits for the messages this process published (until it settles them on each
   * of its consumed subscriptions of their topic) and for those it NACKed (until they come back
   * and settle, or Pub/Sub dead-letters them). Set `false` in a fleet, where another process may
   * take them: `idle()` then waits only for unconfirmed publishes and handlers running here.
   * @default true
   */
  readonly exclusiveSubscriptions?: boolean;
  /**
   * SDK subscriber options for every subscriber (for example `streamingOptions: { maxStreams: 1 }`,
   * which tests on the emulator use).
   */
  readonly subscriberOptions?: SubscriberOptions;
}

/** The {@link Queue} on Pub/Sub. `await using` closes it. */
export interface PubSubQueue extends Queue, AsyncDisposable {
  /** The client the queue uses. */
  readonly pubsub: PubSub;
}

/**
 * Why a message is NACKed without being handled: an earlier message of its ordering key failed,
 * and Pub/Sub redelivers the key's messages from that one on, in order.
 */
class OrderingKeyHeldError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.OrderingKeyHeldError';
  override readonly name: string = 'OrderingKeyHeldError';
  /** Always true: it goes out again after the one before it. */
  readonly transient = true as const;
}

/** The messages of one ordering key handed to this process, handled one after another. */
interface KeyChain {
  tail: Promise<void>;
  /** A message before failed (not for good): the rest go back to Pub/Sub, to come again in order. */
  failed: boolean;
  members: number;
}

/** What this process knows of one subscription. */
interface Track {
  readonly name: string;
  topic: string;
  /** Failed deliveries after which Pub/Sub dead-letters; undefined without a dead-letter topic. */
  maxDeliveryAttempts: number | undefined;
  ordering: boolean;
  /** Ordering key -> its messages here; the SDK hands them over in order, but all at once. */
  readonly keys: Map<string, KeyChain>;
  subscribers: number;
  /** Handler calls running, including ones `close()` gave up on. */
  running: number;
  /** Message id -> deliveries handed out and not yet settled. */
  readonly inFlight: Map<string, number>;
  /** Published by this process, not yet settled here (exclusive mode). */
  readonly expected: Set<string>;
  /** NACKed here, waiting for Pub/Sub to redeliver them (exclusive mode). */
  readonly delayed: Set<string>;
  /** Settled while a publish was unconfirmed: its id may not be known to `expected` yet. */
  readonly settledEarly: Set<string>;
  readonly totals: { delivered: number; acked: number; nacked: number; deadLettered: number };
}

const NOT_FOUND = 5;

function isNotFound(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if ((current as { code?: unknown }).code === NOT_FOUND) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** `projects/P/topics/NAME` (or `NAME`) -> `NAME`. */
const shortName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/** A port duration in ms as whole Pub/Sub seconds in `[min, max]`, or {@link QueueInputError}. */
function wholeSeconds(option: string, ms: number, min: number, max: number): number {
  const seconds = ms / 1000;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new QueueInputError(
      option,
      `option "${option}" must be a whole number of seconds from ${min * 1000} to ${max * 1000} ms on Pub/Sub (got ${ms})`,
    );
  }
  return seconds;
}

/** A protobuf Duration's seconds (the SDK returns them as a string or a Long). */
const durationSeconds = (duration: { seconds?: unknown } | null | undefined): number =>
  Number(duration?.seconds ?? 0);

/**
 * Open the {@link Queue} on Pub/Sub, through `@pipewell/clients/pubsub`: subscriptions with a
 * retry policy and a dead-letter policy; confirmed publishes (resolving with the server's id);
 * pull delivery where a handler that resolves acks, a permanent error dead-letters at once with
 * the reason attributes and acks, a message failing the schema is dead-lettered, and any other
 * error NACKs (Pub/Sub redelivers it after the backoff, and forwards it to the dead-letter topic
 * itself after `maxDeliveryAttempts`, without reason attributes).
 *
 * What `idle()` can know here is this process's share: publishes not yet confirmed, handlers
 * running, and (with `exclusiveSubscriptions`) messages it published or NACKed that have not come
 * back and settled on a subscription it consumes. It cannot see messages other processes
 * published, a backlog the subscription held before this process subscribed, copies Pub/Sub
 * forwarded to a dead-letter topic after too many attempts, or subscriptions other processes
 * consume.
 *
 * @example
 * ```ts
 * const queue = openPubSubQueue({ pubsub: getPubSub(), logger });
 * await queue.ensureSubscription({ name: 'raw-box-scores', topic: 'scraped', deadLetterTopic: 'dead-letters' });
 * ```
 */
export function openPubSubQueue(options: PubSubQueueOptions = {}): PubSubQueue {
  const pubsub = options.pubsub ?? getPubSub();
  const logger = options.logger ?? silentLogger;
  const exclusive = options.exclusiveSubscriptions ?? true;
  const tracks = new Map<string, Track>();
  const subscribers = new Set<QueueSubscriber>();
  const idleWaiters = new Set<IdleWaiter>();
  let unconfirmed = 0;
  let idleCheckScheduled = false;
  let closed: Promise<void> | undefined;

  const checkOpen = (): void => {
    if (closed !== undefined) throw new QueueClosedError('the queue is closed');
  };

  const trackOf = (
    name: string,
    topic: string,
    maxDeliveryAttempts: number | undefined,
    ordering: boolean,
  ): Track => {
    let track = tracks.get(name);
    if (track === undefined) {
      track = {
        name,
        topic,
        maxDeliveryAttempts,
        ordering,
        keys: new Map(),
        subscribers: 0,
        running: 0,
        inFlight: new Map(),
        expected: new Set(),
        delayed: new Set(),
        settledEarly: new Set(),
        totals: { delivered: 0, acked: 0, nacked: 0, deadLettered: 0 },
      };
      tracks.set(name, track);
    } else {
      track.topic = topic;
      track.maxDeliveryAttempts = maxDeliveryAttempts;
      track.ordering = ordering;
    }
    return track;
  };

  const knownTrack = (name: string): Track => {
    const track = tracks.get(name);
    if (track === undefined) {
      throw new QueueInputError(
        'subscription',
        `subscription ${name} is unknown to this queue: ensure it or subscribe to it first`,
      );
    }
    return track;
  };

  const isIdle = (idleOptions: IdleOptions): boolean => {
    if (unconfirmed > 0) return false;
    const includeDelayed = idleOptions.includeDelayed ?? true;
    const watched =
      idleOptions.subscriptions?.map(knownTrack) ??
      [...tracks.values()].filter((track) => track.subscribers > 0 || track.running > 0);
    for (const track of watched) {
      if (track.running > 0 || track.inFlight.size > 0 || track.expected.size > 0) return false;
      if (includeDelayed && track.delayed.size > 0) return false;
    }
    return true;
  };

  const scheduleIdleCheck = (): void => {
    if (idleWaiters.size === 0 || idleCheckScheduled) return;
    idleCheckScheduled = true;
    queueMicrotask(() => {
      idleCheckScheduled = false;
      for (const waiter of idleWaiters) {
        let idle: boolean;
        try {
          idle = isIdle(waiter.options);
        } catch (error) {
          idleWaiters.delete(waiter);
          waiter.reject(error);
          continue;
        }
        if (idle) {
          idleWaiters.delete(waiter);
          waiter.resolve();
        }
      }
    });
  };

  /** The message is done on this subscription: it needs no more work here. */
  const forget = (track: Track, messageId: string): void => {
    track.expected.delete(messageId);
    track.delayed.delete(messageId);
    if (unconfirmed > 0) track.settledEarly.add(messageId);
  };

  /** A copy this process published to `topic` (a dead letter, a publish) is expected on its consumed subscriptions. */
  const expectOn = (topic: string, messageId: string): void => {
    if (!exclusive) return;
    for (const track of tracks.values()) {
      if (track.topic !== topic || track.subscribers === 0) continue;
      if (track.settledEarly.has(messageId)) continue;
      track.expected.add(messageId);
    }
  };

  const onSettled = (track: Track, settled: SettledMessage): void => {
    const { messageId } = settled;
    const count = track.inFlight.get(messageId);
    // A message that failed the schema (or came while closing) never reached the handler.
    if (count === undefined) track.totals.delivered++;
    else if (count <= 1) track.inFlight.delete(messageId);
    else track.inFlight.set(messageId, count - 1);
    if (settled.outcome === 'acked') {
      track.totals.acked++;
      forget(track, messageId);
    } else if (settled.outcome === 'dead-lettered') {
      track.totals.deadLettered++;
      forget(track, messageId);
      if (settled.deadLetter !== undefined) {
        expectOn(shortName(settled.deadLetter.topic), settled.deadLetter.messageId);
      }
    } else {
      track.totals.nacked++;
      if (
        track.maxDeliveryAttempts !== undefined &&
        settled.deliveryAttempt >= track.maxDeliveryAttempts
      ) {
        // Pub/Sub forwards it to the dead-letter topic itself.
        track.totals.deadLettered++;
        forget(track, messageId);
      } else if (exclusive) {
        track.expected.delete(messageId);
        track.delayed.add(messageId);
      }
    }
    scheduleIdleCheck();
  };

  /** Run `call` after the key's earlier messages here; NACK it unhandled after a failure. */
  const inOrder = async (
    track: Track,
    key: string,
    messageId: string,
    call: () => unknown,
  ): Promise<void> => {
    let chain = track.keys.get(key);
    if (chain === undefined) {
      chain = { tail: Promise.resolve(), failed: false, members: 0 };
      track.keys.set(key, chain);
    }
    const previous = chain.tail;
    let done!: () => void;
    chain.tail = new Promise((resolve) => {
      done = resolve;
    });
    chain.members++;
    try {
      await previous;
      if (chain.failed) {
        throw new OrderingKeyHeldError(
          `message ${messageId} on ${track.name} waits for an earlier message of ordering key ${key} to succeed`,
        );
      }
      try {
        await call();
      } catch (error) {
        // A dead-lettered message lets the next go on; a NACKed one comes back first.
        if (!isPermanentError(error)) chain.failed = true;
        throw error;
      }
    } finally {
      done();
      chain.members--;
      if (chain.members === 0) track.keys.delete(key);
    }
  };

  const ensureTopic = async (name: string): Promise<void> => {
    checkName('topic', name);
    checkOpen();
    await ensurePubSubTopic(name, { pubsub });
  };

  const ensureSubscription = async (subscriptionOptions: SubscriptionOptions): Promise<void> => {
    const settings = resolveSubscription(subscriptionOptions);
    const ackDeadlineSeconds = wholeSeconds('ackDeadlineMs', settings.ackDeadlineMs, 10, 600);
    const minimumBackoffSeconds = wholeSeconds('minBackoffMs', settings.minBackoffMs, 0, 600);
    const maximumBackoffSeconds = wholeSeconds('maxBackoffMs', settings.maxBackoffMs, 0, 600);
    checkOpen();
    const subscription = await ensurePubSubSubscription(settings.name, {
      pubsub,
      topic: settings.topic,
      ...(settings.deadLetterTopic === undefined
        ? {}
        : { deadLetterTopic: settings.deadLetterTopic }),
      maxDeliveryAttempts: settings.maxDeliveryAttempts,
      retryPolicy: { minimumBackoffSeconds, maximumBackoffSeconds },
      ackDeadlineSeconds,
      enableMessageOrdering: settings.enableMessageOrdering,
    });
    // The package leaves an existing subscription as it is; the port gives it these settings.
    const [metadata] = await subscription.getMetadata();
    const topic = shortName(metadata.topic ?? '');
    if (topic !== settings.topic) {
      throw new QueueInputError(
        'topic',
        `subscription ${settings.name} exists on topic ${topic}, not ${settings.topic}`,
      );
    }
    if (Boolean(metadata.enableMessageOrdering) !== settings.enableMessageOrdering) {
      throw new QueueInputError(
        'enableMessageOrdering',
        `subscription ${settings.name}: message ordering cannot be changed on an existing subscription`,
      );
    }
    const deadLetterTopic = settings.deadLetterTopic;
    const current = metadata.deadLetterPolicy;
    const currentDeadLetter = current?.deadLetterTopic
      ? shortName(current.deadLetterTopic)
      : undefined;
    const same =
      metadata.ackDeadlineSeconds === ackDeadlineSeconds &&
      durationSeconds(metadata.retryPolicy?.minimumBackoff) === minimumBackoffSeconds &&
      durationSeconds(metadata.retryPolicy?.maximumBackoff) === maximumBackoffSeconds &&
      currentDeadLetter === deadLetterTopic &&
      (deadLetterTopic === undefined ||
        current?.maxDeliveryAttempts === settings.maxDeliveryAttempts);
    if (!same) {
      if (deadLetterTopic !== undefined) await ensurePubSubTopic(deadLetterTopic, { pubsub });
      await subscription.setMetadata({
        ackDeadlineSeconds,
        retryPolicy: {
          minimumBackoff: { seconds: minimumBackoffSeconds },
          maximumBackoff: { seconds: maximumBackoffSeconds },
        },
        deadLetterPolicy:
          deadLetterTopic === undefined
            ? null
            : {
                deadLetterTopic: pubsub.topic(deadLetterTopic).name,
                maxDeliveryAttempts: settings.maxDeliveryAttempts,
              },
      });
      logger.info({ subscription: settings.name }, 'queue: updated the subscription settings');
    }
    trackOf(
      settings.name,
      settings.topic,
      deadLetterTopic === undefined ? undefined : settings.maxDeliveryAttempts,
      settings.enableMessageOrdering,
    );
  };

  const publish = async (
    topic: string,
    data: unknown,
    publishOptions: PublishOptions = {},
  ): Promise<string> => {
    checkName('topic', topic);
    checkOpen();
    encodeData(topic, data);
    const attributes = checkAttributes(publishOptions.attributes);
    const { orderingKey } = publishOptions;
    if (orderingKey !== undefined && (typeof orderingKey !== 'string' || orderingKey === '')) {
      throw new QueueInputError('orderingKey', 'option "orderingKey" must be a non-empty string');
    }
    // Counted by idle() from here, before the first await.
    unconfirmed++;
    try {
      const id = await publishPubSub(topic, data, {
        pubsub,
        ...(Object.keys(attributes).length === 0 ? {} : { attributes }),
        ...(orderingKey === undefined ? {} : { orderingKey }),
      });
      expectOn(topic, id);
      return id;
    } catch (error) {
      if (isNotFound(error)) {
        throw new QueueInputError(
          'topic',
          `topic ${topic} does not exist: create it with ensureTopic`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      unconfirmed--;
      if (unconfirmed === 0) for (const track of tracks.values()) track.settledEarly.clear();
      scheduleIdleCheck();
    }
  };

  const subscribe = async <T>(
    name: string,
    handler: MessageHandler<T>,
    subscribeOptions: SubscribeOptions<T> = {},
  ): Promise<QueueSubscriber> => {
    checkName('subscription', name);
    checkOpen();
    if (typeof handler !== 'function') {
      throw new QueueInputError('handler', 'subscribe needs a handler function');
    }
    const concurrency = subscribeOptions.concurrency ?? 10;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new QueueInputError(
        'concurrency',
        `option "concurrency" must be a whole number >= 1 (got ${concurrency})`,
      );
    }
    let track = tracks.get(name);
    if (track === undefined) {
      const [metadata] = await pubsub
        .subscription(name)
        .getMetadata()
        .catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
          throw new QueueInputError(
            'subscription',
            `subscription ${name} does not exist: create it with ensureSubscription`,
            { cause: error },
          );
        });
      const policy = metadata.deadLetterPolicy;
      track = trackOf(
        name,
        shortName(metadata.topic ?? ''),
        policy?.deadLetterTopic ? (policy.maxDeliveryAttempts ?? 5) : undefined,
        Boolean(metadata.enableMessageOrdering),
      );
    }
    const own = track;
    const wrapped = async (data: T, context: PubSubMessageContext): Promise<void> => {
      own.totals.delivered++;
      own.delayed.delete(context.id);
      own.inFlight.set(context.id, (own.inFlight.get(context.id) ?? 0) + 1);
      own.running++;
      const call = (): unknown =>
        handler(data, {
          messageId: context.id,
          subscription: name,
          attributes: context.attributes,
          deliveryAttempt: context.deliveryAttempt,
          publishTime: context.publishTime,
          orderingKey: context.orderingKey,
          signal: context.signal,
        });
      try {
        const key = own.ordering ? context.orderingKey : undefined;
        if (key === undefined) await call();
        else await inOrder(own, key, context.id, call);
      } finally {
        own.running--;
        scheduleIdleCheck();
      }
    };
    const { schema, signal } = subscribeOptions;
    const common = {
      pubsub,
      maxMessages: concurrency,
      logger,
      onSettled: (settled: SettledMessage) => onSettled(own, settled),
      ...(options.subscriberOptions === undefined
        ? {}
        : { subscriberOptions: options.subscriberOptions }),
    };
    const inner =
      schema === undefined
        ? await subscribePubSub(name, (data, context) => wrapped(data as T, context), common)
        : await subscribePubSub(name, wrapped, { ...common, schema });
    own.subscribers++;
    let closing: Promise<void> | undefined;
    const onAbort = (): void => {
      void close();
    };
    const close = (closeOptions: { readonly timeoutMs?: number } = {}): Promise<void> => {
      closing ??= (async () => {
        signal?.removeEventListener('abort', onAbort);
        try {
          await inner.close(closeOptions);
        } finally {
          own.subscribers--;
          subscribers.delete(subscriber);
          scheduleIdleCheck();
        }
      })();
      return closing;
    };
    const subscriber: QueueSubscriber = {
      subscription: name,
      close,
      [Symbol.asyncDispose]: () => close(),
    };
    subscribers.add(subscriber);
    if (signal?.aborted) void close();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return subscriber;
  };

  const idle = (idleOptions: IdleOptions = {}): Promise<void> => {
    try {
      checkOpen();
      for (const name of idleOptions.subscriptions ?? []) knownTrack(name);
    } catch (error) {
      return Promise.reject(error);
    }
    return waitForIdle(idleWaiters, idleOptions, scheduleIdleCheck);
  };

  const stats = (): Record<string, SubscriptionStats> => {
    const result: Record<string, SubscriptionStats> = {};
    for (const [name, track] of tracks) {
      let waiting = 0;
      for (const id of track.expected) if (!track.inFlight.has(id)) waiting++;
      result[name] = {
        ...track.totals,
        pending: waiting + track.delayed.size,
        delayed: track.delayed.size,
        inFlight: track.inFlight.size,
      };
    }
    return result;
  };

  const close = (): Promise<void> => {
    closed ??= (async () => {
      // Without waiting: what is running is NACKed and comes back, here or elsewhere.
      await Promise.allSettled([...subscribers].map((s) => s.close({ timeoutMs: 0 })));
      for (const waiter of idleWaiters) waiter.reject(new QueueClosedError('the queue closed'));
      idleWaiters.clear();
    })();
    return closed;
  };

  return {
    pubsub,
    ensureTopic,
    ensureSubscription,
    publish,
    subscribe,
    idle,
    stats,
    close,
    [Symbol.asyncDispose]: close,
  };
}
