import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import { isPermanentError } from '@pipewell/retry';
import {
  type Journal,
  type JournalRecord,
  type JournalRecovery,
  openJournal,
} from '../data-dir/journal.js';
import { type DeadLetterKind, deadLetterReason, decodeMessage } from './dead-letter.js';
import { LeaseExpiredError, QueueClosedError, QueueInputError } from './errors.js';
import { type IdleWaiter, waitForIdle } from './idle-waiter.js';
import {
  ackRecord,
  deadRecord,
  deliveryRecord,
  nackRecord,
  publishRecord,
  subscriptionRecord,
  topicRecord,
} from './journal-records.js';
import type {
  IdleOptions,
  MessageHandler,
  PublishOptions,
  Queue,
  SubscribeOptions,
  SubscriptionStats,
} from './port.js';
import {
  backoffMs,
  checkAttributes,
  checkName,
  encodeData,
  resolveSubscription,
  type SubscriptionSettings,
} from './settings.js';
import {
  addEntry,
  createSubscriptionState,
  type Delivery,
  type Entry,
  joinKey,
  leaveKey,
  type StoredMessage,
  type SubscriberState,
  type SubscriptionState,
  setState,
  takeReady,
} from './subscription-state.js';

/** Options for {@link openLocalQueue}. */
export interface LocalQueueOptions {
  /** The directory of the queue's journal (`queue.jsonl`); created when missing. */
  readonly dir: string;
  /** Times ack deadlines and backoffs. @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /**
   * Rewrite the journal with only the messages not yet acked once it is larger than this and
   * more than twice their size.
   * @default 8 MiB
   */
  readonly compactAfterBytes?: number;
}

/** What opening the queue found. */
export interface QueueRecovery {
  readonly journal: JournalRecovery;
  /** Messages not acked when the queue last closed or crashed: they are delivered again. */
  readonly pending: number;
}

/** The embedded {@link Queue}, with what it found on open. `await using` closes it. */
export interface LocalQueue extends Queue, AsyncDisposable {
  readonly recovery: QueueRecovery;
  /** Rewrite the journal with only what is not yet acked. */
  compact(): Promise<void>;
}

/**
 * Open the embedded {@link Queue} in `options.dir`. Every publish, delivery, ack, NACK and
 * dead-letter is a line of an append-only journal (`queue.jsonl`); a publish resolves only once
 * its line is flushed to disk (concurrent publishes share one flush). On open the journal is
 * replayed: every message not acked is delivered again, one whose handler was running when the
 * process stopped with its delivery counted. A last line cut short by a crash is dropped and
 * reported. The journal is compacted as it grows. Ack deadlines and backoffs run on `clock`. One
 * process per directory (the data directory's lock sees to it).
 *
 * @example
 * ```ts
 * const queue = await openLocalQueue({ dir: dataDir.queueDir, logger });
 * await queue.ensureSubscription({ name: 'raw', topic: 'scraped', deadLetterTopic: 'dead-letters' });
 * ```
 */
export async function openLocalQueue(options: LocalQueueOptions): Promise<LocalQueue> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const compactAfterBytes = options.compactAfterBytes ?? 8 * 1024 * 1024;
  /** Topic -> the names of its subscriptions. */
  const topics = new Map<string, Set<string>>();
  const subscriptions = new Map<string, SubscriptionState>();
  /** Messages some subscription still holds, in publish order. */
  const messages = new Map<string, StoredMessage>();
  const idleWaiters = new Set<IdleWaiter>();
  let nextId = 1;
  let liveBytes = 0;
  let idleCheckScheduled = false;
  let compacting: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  // Assigned once the journal is open; replay does not write.
  let journal: Journal | undefined;

  const subscriptionOf = (name: string): SubscriptionState => {
    const subscription = subscriptions.get(name);
    if (subscription === undefined) {
      throw new QueueInputError(
        'subscription',
        `subscription ${name} does not exist: create it with ensureSubscription`,
      );
    }
    return subscription;
  };

  const addSubscription = (settings: SubscriptionSettings): void => {
    subscriptions.set(settings.name, createSubscriptionState(settings));
    topicOf(settings.topic).add(settings.name);
  };

  const topicOf = (name: string): Set<string> => {
    let subscribers = topics.get(name);
    if (subscribers === undefined) {
      subscribers = new Set();
      topics.set(name, subscribers);
    }
    return subscribers;
  };

  /** Append a line that need not wait for the disk (deliveries, acks): a crash only repeats work. */
  const record = (line: string): void => {
    try {
      journal?.append(line);
    } catch (error) {
      logger.error({ err: error }, 'queue: could not journal a delivery outcome');
    }
  };

  /** The message's ordering key, when the subscription delivers in order. */
  const keyOn = (sub: SubscriptionState, message: StoredMessage): string | undefined =>
    sub.settings.enableMessageOrdering ? message.orderingKey : undefined;

  const scheduleIdleCheck = (): void => {
    if (idleWaiters.size === 0 || idleCheckScheduled) return;
    idleCheckScheduled = true;
    // Once, after the change under way: a burst of acks makes one check.
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

  const isIdle = (idleOptions: IdleOptions): boolean => {
    const includeDelayed = idleOptions.includeDelayed ?? true;
    const watched =
      idleOptions.subscriptions?.map(subscriptionOf) ??
      [...subscriptions.values()].filter((sub) => sub.subscribers.length > 0 || sub.running > 0);
    for (const sub of watched) {
      const { counts } = sub;
      if (sub.running > 0 || counts.unconfirmed + counts.ready + counts['in-flight'] > 0) {
        return false;
      }
      if (includeDelayed && counts.delayed + counts.blocked > 0) return false;
    }
    return true;
  };

  const makeReady = (sub: SubscriptionState, entry: Entry): void => {
    setState(sub, entry, { kind: 'ready' });
    sub.ready.push(entry);
  };

  /** An entry that may go out now or at its due time, unless an earlier one holds its key. */
  const release = (sub: SubscriptionState, entry: Entry): void => {
    const key = keyOn(sub, entry.message);
    if (key !== undefined && sub.keys.get(key)?.[0] !== entry) {
      setState(sub, entry, { kind: 'blocked' });
      return;
    }
    const wait = entry.due - clock.now();
    if (wait <= 0) {
      makeReady(sub, entry);
      return;
    }
    const timer = clock
      .setTimeout(() => {
        if (closed !== undefined || entry.state.kind !== 'delayed') return;
        makeReady(sub, entry);
        dispatch(sub);
      }, wait)
      .unref();
    setState(sub, entry, { kind: 'delayed', timer });
  };

  const removeEntry = (sub: SubscriptionState, entry: Entry): void => {
    sub.entries.delete(entry.message.id);
    sub.counts[entry.state.kind]--;
    const message = entry.message;
    message.holders--;
    if (message.holders === 0) {
      messages.delete(message.id);
      liveBytes -= message.bytes;
    }
    const key = keyOn(sub, entry.message);
    if (key === undefined) return;
    const next = leaveKey(sub, key, entry);
    if (next?.state.kind === 'blocked') release(sub, next);
  };

  /** Store a message for every subscription of `topic`; resolves once it is durable. */
  const store = (
    topic: string,
    json: string | undefined,
    attributes: Readonly<Record<string, string>>,
    orderingKey: string | undefined,
  ): { readonly id: string; readonly durable: Promise<void> } => {
    const to = [...(topics.get(topic) ?? [])];
    const id = String(nextId++);
    const fields = { id, topic, json, attributes, orderingKey, publishTime: clock.now() };
    const line = publishRecord(fields, to);
    const message: StoredMessage = { ...fields, bytes: line.length, holders: to.length };
    const entries: Array<[SubscriptionState, Entry]> = [];
    if (to.length > 0) {
      messages.set(id, message);
      liveBytes += message.bytes;
      for (const name of to) {
        const sub = subscriptionOf(name);
        entries.push([sub, addEntry(sub, message, keyOn(sub, message))]);
      }
    }
    const durable = (journal as Journal).commit(line, 'sync');
    durable.then(
      () => {
        for (const [sub, entry] of entries) {
          if (entry.state.kind !== 'unconfirmed') continue;
          release(sub, entry);
          dispatch(sub);
        }
      },
      () => {
        // Never stored: forget it (the publisher sees the rejection).
        for (const [sub, entry] of entries) {
          if (sub.entries.get(id) === entry) removeEntry(sub, entry);
        }
        scheduleIdleCheck();
      },
    );
    return { id, durable };
  };

  /** Take the message off the subscription for good: to the dead-letter topic, or dropped. */
  const deadLetter = (
    sub: SubscriptionState,
    entry: Entry,
    kind: DeadLetterKind,
    reason: unknown,
  ): void => {
    const { message } = entry;
    const why = deadLetterReason(kind, reason);
    const deadLetterTopic = sub.settings.deadLetterTopic;
    const fields = {
      subscription: sub.settings.name,
      messageId: message.id,
      deliveryAttempt: entry.attempts,
      reason: why.pipewell_reason,
    };
    if (deadLetterTopic !== undefined) {
      const attributes = {
        ...message.attributes,
        ...why,
        pipewell_subscription: sub.settings.name,
        pipewell_message_id: message.id,
        pipewell_delivery_attempt: String(Math.max(entry.attempts, 1)),
      };
      const { id, durable } = store(deadLetterTopic, message.json, attributes, undefined);
      durable.catch((error: unknown) =>
        logger.error({ err: error, ...fields }, 'queue: could not store a dead letter'),
      );
      logger.warn(
        { ...fields, deadLetterTopic, deadLetterId: id, error: kind },
        `queue: message dead-lettered (${kind}): ${why.pipewell_reason}`,
      );
    } else {
      logger.error(
        {
          ...fields,
          error: kind,
          attributes: message.attributes,
          data: message.json?.slice(0, 2_048),
        },
        `queue: message dropped (${kind}; the subscription has no dead-letter topic): ${why.pipewell_reason}`,
      );
    }
    record(deadRecord(sub.quoted, message.id, kind));
    sub.totals.deadLettered++;
    removeEntry(sub, entry);
  };

  /** A failed delivery: NACK with backoff, or dead-letter after the last attempt. */
  const fail = (sub: SubscriptionState, entry: Entry, error: unknown): void => {
    sub.totals.nacked++;
    if (entry.attempts >= sub.settings.maxDeliveryAttempts) {
      deadLetter(sub, entry, 'attempts', error);
      return;
    }
    entry.due = clock.now() + backoffMs(sub.settings, entry.attempts);
    record(nackRecord(sub.quoted, entry.message.id, entry.attempts, entry.due));
    logger.warn(
      {
        err: error,
        subscription: sub.settings.name,
        messageId: entry.message.id,
        deliveryAttempt: entry.attempts,
      },
      'queue: handler failed, message will be delivered again',
    );
    release(sub, entry);
  };

  /** End a delivery: frees its subscriber's slot. */
  const finish = (delivery: Delivery): void => {
    delivery.current = false;
    delivery.lease.clear();
    const { subscriber } = delivery;
    subscriber.inFlight.delete(delivery);
    if (subscriber.inFlight.size === 0) subscriber.onDrained?.();
  };

  const settle = (
    sub: SubscriptionState,
    delivery: Delivery,
    failure: { error: unknown } | undefined,
  ): void => {
    sub.running--;
    if (!delivery.current) {
      if (closed === undefined) {
        logger.debug(
          { subscription: sub.settings.name, messageId: delivery.entry.message.id },
          'queue: a handler returned after its lease was lost; its outcome is ignored',
        );
      }
      scheduleIdleCheck();
      return;
    }
    finish(delivery);
    const { entry } = delivery;
    if (failure === undefined) {
      record(ackRecord(sub.quoted, entry.message.id));
      sub.totals.acked++;
      removeEntry(sub, entry);
    } else if (isPermanentError(failure.error)) {
      deadLetter(sub, entry, 'permanent', failure.error);
    } else {
      fail(sub, entry, failure.error);
    }
    dispatch(sub);
    maybeCompact();
    scheduleIdleCheck();
  };

  const deliver = (sub: SubscriptionState, subscriber: SubscriberState, entry: Entry): void => {
    const { message } = entry;
    entry.attempts++;
    sub.totals.delivered++;
    record(deliveryRecord(sub.quoted, message.id, entry.attempts));
    let decoded: ReturnType<typeof decodeMessage>;
    try {
      decoded = decodeMessage(message.json, subscriber.schema);
    } catch (error) {
      decoded = { problem: `the schema threw: ${(error as Error).message}` };
    }
    if ('problem' in decoded) {
      deadLetter(sub, entry, 'validation', decoded.problem);
      scheduleIdleCheck();
      return;
    }
    const controller = new AbortController();
    const lease = clock.setTimeout(() => expire(sub, delivery), sub.settings.ackDeadlineMs).unref();
    const delivery: Delivery = { entry, subscriber, controller, lease, current: true };
    setState(sub, entry, { kind: 'in-flight', delivery });
    subscriber.inFlight.add(delivery);
    sub.running++;
    const context = {
      messageId: message.id,
      subscription: sub.settings.name,
      attributes: message.attributes,
      deliveryAttempt: entry.attempts,
      publishTime: new Date(message.publishTime),
      orderingKey: message.orderingKey,
      signal: controller.signal,
    };
    // Called on a later microtask: a handler never runs inside publish() or another handler's settle.
    Promise.resolve()
      .then(() => subscriber.handler(decoded.data, context))
      .then(
        () => settle(sub, delivery, undefined),
        (error: unknown) => settle(sub, delivery, { error }),
      );
  };

  /** The ack deadline passed: the lease is lost and the message goes out again. */
  const expire = (sub: SubscriptionState, delivery: Delivery): void => {
    if (!delivery.current) return;
    finish(delivery);
    const error = new LeaseExpiredError(
      sub.settings.name,
      delivery.entry.message.id,
      sub.settings.ackDeadlineMs,
    );
    delivery.controller.abort(error);
    fail(sub, delivery.entry, error);
    dispatch(sub);
    scheduleIdleCheck();
  };

  const nextSubscriber = (sub: SubscriptionState): SubscriberState | undefined => {
    const count = sub.subscribers.length;
    for (let i = 0; i < count; i++) {
      const subscriber = sub.subscribers[(sub.nextSubscriber + i) % count] as SubscriberState;
      if (subscriber.inFlight.size < subscriber.concurrency) {
        sub.nextSubscriber = (sub.nextSubscriber + i + 1) % count;
        return subscriber;
      }
    }
    return undefined;
  };

  const dispatch = (sub: SubscriptionState): void => {
    if (sub.dispatching || closed !== undefined) return;
    sub.dispatching = true;
    try {
      for (let subscriber = nextSubscriber(sub); subscriber !== undefined; ) {
        const entry = takeReady(sub);
        if (entry === undefined) break;
        deliver(sub, subscriber, entry);
        subscriber = nextSubscriber(sub);
      }
    } finally {
      sub.dispatching = false;
    }
  };

  const snapshotLines = function* (): Iterable<string> {
    for (const name of topics.keys()) yield topicRecord(name);
    for (const sub of subscriptions.values()) yield subscriptionRecord(sub.settings);
    for (const message of messages.values()) {
      const holding = [...subscriptions.values()].filter((sub) => sub.entries.has(message.id));
      yield publishRecord(
        message,
        holding.map((sub) => sub.settings.name),
      );
      for (const sub of holding) {
        const entry = sub.entries.get(message.id) as Entry;
        if (entry.attempts === 0) continue;
        yield entry.state.kind === 'in-flight'
          ? deliveryRecord(sub.quoted, message.id, entry.attempts)
          : nackRecord(sub.quoted, message.id, entry.attempts, entry.due);
      }
    }
  };

  const compact = (): Promise<void> => {
    if (closed !== undefined) return Promise.reject(new QueueClosedError('the queue is closed'));
    compacting ??= (journal as Journal)
      .rewrite(() => ({ header: { next: nextId }, lines: snapshotLines() }))
      .then(() => logger.debug({ bytes: journal?.bytes }, 'queue: journal compacted'))
      .finally(() => {
        compacting = undefined;
      });
    return compacting;
  };

  const maybeCompact = (): void => {
    const bytes = journal?.bytes ?? 0;
    if (compacting === undefined && bytes > compactAfterBytes && bytes > 2 * liveBytes) {
      compact().catch((error: unknown) => logger.error({ err: error }, 'queue: compaction failed'));
    }
  };

  // Replay: rebuild topics, subscriptions and what each subscription still holds.
  const replayEntry = (record: JournalRecord): [SubscriptionState, Entry] | undefined => {
    const sub = subscriptions.get(record.s as string);
    const entry = sub?.entries.get(record.id as string);
    return sub === undefined || entry === undefined ? undefined : [sub, entry];
  };
  const onRecord = (line: JournalRecord, length: number): void => {
    switch (line.t) {
      case 'topic':
        topicOf(line.name as string);
        return;
      case 'sub': {
        const { t: _, ...settings } = line;
        const existing = subscriptions.get(settings.name as string);
        if (existing === undefined) addSubscription(settings as unknown as SubscriptionSettings);
        else existing.settings = settings as unknown as SubscriptionSettings;
        return;
      }
      case 'pub': {
        const id = line.id as string;
        nextId = Math.max(nextId, Number(id) + 1);
        const to = (line.to as string[]).filter((name) => subscriptions.has(name));
        if (to.length === 0) return;
        const message: StoredMessage = {
          id,
          topic: line.topic as string,
          json: line.d === undefined ? undefined : JSON.stringify(line.d),
          attributes: (line.a as Record<string, string> | undefined) ?? {},
          orderingKey: line.k as string | undefined,
          publishTime: line.at as number,
          bytes: length,
          holders: to.length,
        };
        messages.set(id, message);
        liveBytes += message.bytes;
        // Ordering keys are joined once every record is read, below.
        for (const name of to) addEntry(subscriptionOf(name), message, undefined);
        return;
      }
      case 'dlv':
      case 'nack': {
        const found = replayEntry(line);
        if (found === undefined) return;
        const [, entry] = found;
        entry.attempts = line.n as number;
        entry.interrupted = line.t === 'dlv';
        entry.due = line.t === 'nack' ? (line.due as number) : 0;
        return;
      }
      case 'ack':
      case 'dead': {
        const found = replayEntry(line);
        if (found !== undefined) removeEntry(...found);
        return;
      }
      default:
        throw new Error(`unknown record type ${JSON.stringify(line.t)}`);
    }
  };

  await mkdir(options.dir, { recursive: true });
  journal = await openJournal({
    path: join(options.dir, 'queue.jsonl'),
    kind: 'queue',
    header: { next: 1 },
    logger,
    onRecord,
  });
  nextId = Math.max(nextId, Number(journal.header.next ?? 1));

  // What was pending goes out again, in publish order; a delivery the process stopped during
  // counts as failed, so a message that crashes the process every time is dead-lettered in the end.
  const replayed: Array<[SubscriptionState, Entry]> = [];
  for (const sub of subscriptions.values()) {
    for (const entry of sub.entries.values()) {
      replayed.push([sub, entry]);
      const key = keyOn(sub, entry.message);
      if (key !== undefined) joinKey(sub, key, entry);
    }
  }
  for (const [sub, entry] of replayed) {
    if (entry.interrupted && entry.attempts >= sub.settings.maxDeliveryAttempts) {
      sub.totals.nacked++;
      const error = new Error(`the process stopped during delivery ${entry.attempts}`);
      deadLetter(sub, entry, 'attempts', error);
    } else {
      // Not yet released when an earlier message of its ordering key was dead-lettered above.
      if (entry.state.kind === 'unconfirmed') release(sub, entry);
    }
    entry.interrupted = false;
  }
  const pending = replayed.length;
  if (pending > 0) {
    logger.info(
      { dir: options.dir, pending, tornTail: journal.recovery.tornTail },
      `queue: ${pending} messages not acked before the last stop will be delivered again`,
    );
  }
  const recovery: QueueRecovery = { journal: journal.recovery, pending };
  maybeCompact();

  const checkOpen = (): void => {
    if (closed !== undefined) throw new QueueClosedError('the queue is closed');
  };

  const ensureTopic = async (name: string): Promise<void> => {
    checkName('topic', name);
    checkOpen();
    if (topics.has(name)) return;
    topicOf(name);
    await (journal as Journal).commit(topicRecord(name), 'sync');
  };

  const closeQueue = (): Promise<void> => {
    closed ??= (async () => {
      // Handlers still running lose their messages' leases: those are delivered again next time.
      for (const sub of subscriptions.values()) {
        sub.subscribers.length = 0;
        for (const entry of sub.entries.values()) {
          if (entry.state.kind === 'delayed') entry.state.timer.clear();
          if (entry.state.kind === 'in-flight') {
            const { delivery } = entry.state;
            finish(delivery);
            delivery.controller.abort(new QueueClosedError('the queue closed'));
          }
        }
      }
      for (const waiter of idleWaiters) waiter.reject(new QueueClosedError('the queue closed'));
      idleWaiters.clear();
      await compacting?.catch(() => {});
      await journal?.close();
    })();
    return closed;
  };

  return {
    recovery,
    compact,
    ensureTopic,
    async ensureSubscription(subscriptionOptions) {
      const settings = resolveSubscription(subscriptionOptions);
      checkOpen();
      await ensureTopic(settings.topic);
      if (settings.deadLetterTopic !== undefined) await ensureTopic(settings.deadLetterTopic);
      const existing = subscriptions.get(settings.name);
      if (existing !== undefined) {
        if (existing.settings.topic !== settings.topic) {
          throw new QueueInputError(
            'topic',
            `subscription ${settings.name} exists on topic ${existing.settings.topic}, not ${settings.topic}`,
          );
        }
        if (JSON.stringify(existing.settings) === JSON.stringify(settings)) return;
        if (existing.settings.enableMessageOrdering !== settings.enableMessageOrdering) {
          throw new QueueInputError(
            'enableMessageOrdering',
            `subscription ${settings.name}: message ordering cannot be changed on an existing subscription`,
          );
        }
        existing.settings = settings;
      } else {
        addSubscription(settings);
      }
      await (journal as Journal).commit(subscriptionRecord(settings), 'sync');
    },
    async publish(topic, data, publishOptions: PublishOptions = {}) {
      checkName('topic', topic);
      checkOpen();
      if (!topics.has(topic)) {
        throw new QueueInputError(
          'topic',
          `topic ${topic} does not exist: create it with ensureTopic`,
        );
      }
      const json = encodeData(topic, data);
      const attributes = checkAttributes(publishOptions.attributes);
      const { orderingKey } = publishOptions;
      if (orderingKey !== undefined && (typeof orderingKey !== 'string' || orderingKey === '')) {
        throw new QueueInputError('orderingKey', 'option "orderingKey" must be a non-empty string');
      }
      // Stored (and counted by idle()) now, before the first await; delivered once durable.
      const { id, durable } = store(topic, json, attributes, orderingKey);
      await durable;
      return id;
    },
    async subscribe<T>(
      name: string,
      handler: MessageHandler<T>,
      subscribeOptions: SubscribeOptions<T> = {},
    ) {
      checkName('subscription', name);
      checkOpen();
      const sub = subscriptionOf(name);
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
      const subscriber: SubscriberState = {
        handler: handler as MessageHandler<unknown>,
        schema: subscribeOptions.schema,
        concurrency,
        inFlight: new Set(),
        onDrained: undefined,
      };
      sub.subscribers.push(subscriber);
      let closing: Promise<void> | undefined;
      const { signal } = subscribeOptions;
      const onAbort = (): void => {
        void close();
      };
      const close = (closeOptions: { readonly timeoutMs?: number } = {}): Promise<void> => {
        closing ??= (async () => {
          signal?.removeEventListener('abort', onAbort);
          const at = sub.subscribers.indexOf(subscriber);
          if (at !== -1) sub.subscribers.splice(at, 1);
          if (subscriber.inFlight.size > 0 && closed === undefined) {
            const stopWaiting = new AbortController();
            const drained = new Promise<void>((resolve) => {
              subscriber.onDrained = resolve;
            });
            await Promise.race([
              drained,
              clock.sleep(closeOptions.timeoutMs ?? 30_000, stopWaiting.signal).catch(() => {}),
            ]);
            stopWaiting.abort();
            subscriber.onDrained = undefined;
            for (const delivery of [...subscriber.inFlight]) {
              finish(delivery);
              const error = new QueueClosedError(
                `the subscriber of ${name} closed before message ${delivery.entry.message.id} was handled`,
              );
              delivery.controller.abort(error);
              fail(sub, delivery.entry, error);
            }
          }
          dispatch(sub);
          scheduleIdleCheck();
        })();
        return closing;
      };
      if (signal?.aborted) void close();
      else signal?.addEventListener('abort', onAbort, { once: true });
      dispatch(sub);
      return { subscription: name, close, [Symbol.asyncDispose]: () => close() };
    },
    idle(idleOptions: IdleOptions = {}) {
      try {
        checkOpen();
        for (const name of idleOptions.subscriptions ?? []) subscriptionOf(name);
      } catch (error) {
        return Promise.reject(error);
      }
      return waitForIdle(idleWaiters, idleOptions, scheduleIdleCheck);
    },
    stats() {
      const result: Record<string, SubscriptionStats> = {};
      for (const [name, sub] of subscriptions) {
        const inFlight = sub.counts['in-flight'];
        result[name] = {
          ...sub.totals,
          pending: sub.entries.size - inFlight,
          delayed: sub.counts.delayed,
          inFlight,
        };
      }
      return result;
    },
    close: closeQueue,
    [Symbol.asyncDispose]: closeQueue,
  };
}
