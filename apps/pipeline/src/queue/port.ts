/**
 * The part of a zod schema a typed subscription uses: `safeParse`. Any zod 4 (or 3.25+) schema
 * fits.
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

/** A subscription, as {@link Queue.ensureSubscription} creates it. */
export interface SubscriptionOptions {
  /** The subscription's name (Pub/Sub's rules: 3-255 characters, starting with a letter). */
  readonly name: string;
  /** The topic it receives from; created when missing. */
  readonly topic: string;
  /**
   * How long a handler may run before its lease is lost: its signal aborts, the delivery counts
   * as failed, and the message is delivered again (a late ack is ignored).
   * @default 60_000
   */
  readonly ackDeadlineMs?: number;
  /**
   * Failed deliveries (a transient or unknown error, a lost lease) after which the message goes to
   * the dead-letter topic: 5 to 100, as Pub/Sub.
   * @default 5
   */
  readonly maxDeliveryAttempts?: number;
  /**
   * Where messages that can never succeed go: a permanent error, a message failing its schema,
   * too many failed deliveries. Created when missing. Without one, such a message is dropped and
   * logged at error level with its data.
   */
  readonly deadLetterTopic?: string;
  /**
   * The wait before the first redelivery of a failed message; each failure doubles it, up to
   * `maxBackoffMs` (0 to 600 000, as Pub/Sub).
   * @default 10_000
   */
  readonly minBackoffMs?: number;
  /** @default 600_000 */
  readonly maxBackoffMs?: number;
  /**
   * Deliver messages that share an ordering key one at a time, in publish order: the next waits
   * until the one before is acked or dead-lettered.
   * @default false
   */
  readonly enableMessageOrdering?: boolean;
}

/** Options for {@link Queue.publish}. */
export interface PublishOptions {
  /** String attributes delivered with the message. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Messages with one key are delivered in order on subscriptions with message ordering. */
  readonly orderingKey?: string;
}

/** What a handler learns about the message besides its data. */
export interface MessageContext {
  readonly messageId: string;
  readonly subscription: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** 1 on first delivery; counts failed deliveries (including a crash of the process) since. */
  readonly deliveryAttempt: number;
  readonly publishTime: Date;
  readonly orderingKey: string | undefined;
  /** Aborts when the lease is lost (the ack deadline passed) or the subscriber closes without waiting. */
  readonly signal: AbortSignal;
}

/**
 * Handles one message. Resolve to ack it. Throw and the error decides, as with
 * `@pipewell/clients/pubsub`: a permanent error (`isPermanentError` from `@pipewell/retry`)
 * dead-letters the message at once with the reason; any other error NACKs it, and it is delivered
 * again after a backoff, until `maxDeliveryAttempts`.
 */
export type MessageHandler<T> = (data: T, context: MessageContext) => unknown;

/** Options for {@link Queue.subscribe}. */
export interface SubscribeOptions<T> {
  /**
   * The most messages handled at once.
   * @default 10
   */
  readonly concurrency?: number;
  /** Closes the subscriber (waiting for its handlers) when it aborts. */
  readonly signal?: AbortSignal;
  /** Messages that fail it are dead-lettered with the issues, never handled. */
  readonly schema?: MessageSchema<T>;
}

/** What a subscription has done since the queue opened, and holds now. */
export interface SubscriptionStats {
  /** Deliveries started (a redelivery counts again). */
  readonly delivered: number;
  readonly acked: number;
  /** Failed deliveries: a NACK, a lost lease. */
  readonly nacked: number;
  /** Messages sent to the dead-letter topic (or dropped, without one). */
  readonly deadLettered: number;
  /** Messages waiting for a handler, including those waiting for a redelivery. */
  readonly pending: number;
  /** Of `pending`, those waiting for a redelivery's backoff. */
  readonly delayed: number;
  readonly inFlight: number;
}

/** A running subscriber. */
export interface QueueSubscriber extends AsyncDisposable {
  readonly subscription: string;
  /**
   * Stop taking messages and wait for the handlers running (up to `timeoutMs`, default 30 s;
   * then abort their signals and NACK their messages). Idempotent.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

/** Options for {@link Queue.idle}. */
export interface IdleOptions {
  /**
   * The subscriptions to wait for.
   * @default every subscription with an open subscriber in this process
   */
  readonly subscriptions?: readonly string[];
  /**
   * Whether a message waiting for a redelivery's backoff counts as work left. With `false`, idle
   * resolves when only such messages remain.
   * @default true
   */
  readonly includeDelayed?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Topics and subscriptions with Pub/Sub's semantics: at-least-once delivery, ack on success, NACK
 * and redelivery with backoff on a transient error, dead-lettering at once on a permanent one or
 * after `maxDeliveryAttempts` failures. The embedded backend is `openLocalQueue` (a journal under
 * the data directory); on Google Cloud, Pub/Sub. A message published to a topic reaches the
 * subscriptions the topic has at that moment, as on Pub/Sub: create subscriptions first.
 *
 * @example
 * ```ts
 * await queue.ensureSubscription({ name: 'raw-box-scores', topic: 'scraped', deadLetterTopic: 'dead-letters' });
 * const subscriber = await queue.subscribe('raw-box-scores', async (event) => load(event), { concurrency: 4 });
 * await queue.publish('scraped', { gameKey: '20260124_BOS_CHI' });
 * await queue.idle();
 * ```
 */
export interface Queue {
  /** Create the topic if missing. */
  ensureTopic(name: string): Promise<void>;
  /** Create the subscription (and its topics) if missing; an existing one takes these settings. */
  ensureSubscription(options: SubscriptionOptions): Promise<void>;
  /** Publish a JSON message; resolves with its id once it is durable. */
  publish(topic: string, data: unknown, options?: PublishOptions): Promise<string>;
  /** Handle the subscription's messages until the subscriber closes. */
  subscribe<T = unknown>(
    subscription: string,
    handler: MessageHandler<T>,
    options?: SubscribeOptions<T>,
  ): Promise<QueueSubscriber>;
  /**
   * Resolves when, on every subscription waited for (see {@link IdleOptions}), no message is
   * being published, waiting, waiting for a redelivery's backoff or behind another of its
   * ordering key, or in flight, and no handler call is still running (one whose lease was lost
   * included). A message is counted from the moment `publish()` is called, so a chain of handlers
   * that publish to each other never looks idle between links, even when a handler does not
   * await its publish. Not counted: a subscription nobody in this process consumes (unless
   * named), and work a handler leaves running after it returns that publishes later. While it
   * waits it keeps the process alive (the queue's own timers do not).
   */
  idle(options?: IdleOptions): Promise<void>;
  /** Each subscription's figures, by name. */
  stats(): Record<string, SubscriptionStats>;
  /** Close every subscriber (without waiting for handlers), write what is pending, release the files. */
  close(): Promise<void>;
}
