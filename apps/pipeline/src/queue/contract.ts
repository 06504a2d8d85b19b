import { catchError } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QueueInputError } from './errors.js';
import type { MessageContext, Queue } from './port.js';
import { createTypedTopic } from './typed-topic.js';

/** One open queue for one contract test, and how to wait on it. */
export interface QueueContractKit {
  readonly queue: Queue;
  /**
   * Wait for `promise`, moving time on where the queue runs on a virtual clock (the local queue:
   * `clock.runAll`); on Pub/Sub, real time passes.
   */
  run<T>(promise: Promise<T>): Promise<T>;
  /**
   * Whether a message dead-lettered after `maxDeliveryAttempts` carries the reason attributes
   * (`pipewell_error: attempts`): the local queue writes them; Pub/Sub forwards such a message
   * itself, with none.
   */
  readonly attemptsReason: boolean;
  /** Release the queue (and anything opened for it). */
  close(): Promise<void>;
}

// Unique per run, so suites sharing one backend (an emulator) never see each other's messages.
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let nameCount = 0;
const unique = (base: string): string => `${base}-${runId}-${++nameCount}`;

interface Delivery<T> {
  readonly data: T;
  readonly context: MessageContext;
}

/** Records each delivery; `next()` resolves with the delivery after the last one taken. */
function recorder<T = unknown>() {
  const seen: Array<Delivery<T>> = [];
  const waiting: Array<(delivery: Delivery<T>) => void> = [];
  let taken = 0;
  return {
    seen,
    push(data: T, context: MessageContext): void {
      const item = { data, context };
      seen.push(item);
      waiting.shift()?.(item);
    },
    next(): Promise<Delivery<T>> {
      const ready = seen[taken++];
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

const transient = (): Error => Object.assign(new Error('service unavailable'), { status: 503 });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The behaviours every {@link Queue} adapter promises, as a vitest suite: ack on success, NACK and
 * redelivery, dead-lettering with the reason (a permanent error, too many attempts, a schema
 * failure), ordering keys, and `idle()`. Names are unique per test, so one backend (an emulator)
 * serves the whole suite. Backoffs are 0 or whole seconds, so a real-time backend passes quickly.
 *
 * @example
 * ```ts
 * queueContract('local', async () => {
 *   const clock = createVirtualClock();
 *   const queue = await openLocalQueue({ dir: await mkdtemp(join(tmpdir(), 'q-')), clock });
 *   return { queue, run: async (p) => { await clock.runAll(p); return p; }, attemptsReason: true, close: () => queue.close() };
 * });
 * ```
 */
export function queueContract(name: string, open: () => Promise<QueueContractKit>): void {
  describe(`Queue contract: ${name}`, { timeout: 60_000 }, () => {
    let kit: QueueContractKit;
    let queue: Queue;
    beforeEach(async () => {
      kit = await open();
      queue = kit.queue;
    });
    afterEach(async () => {
      await kit?.close();
    });

    it('delivers a published message with its context, and acks it when the handler resolves', async () => {
      const topic = unique('scraped');
      const sub = unique('raw-games');
      await queue.ensureSubscription({ name: sub, topic });
      const got = recorder();
      await queue.subscribe(sub, (data, context) => got.push(data, context));
      const id = await queue.publish(
        topic,
        { gameKey: '20260124_BOS_CHI' },
        { attributes: { source: 'nba' } },
      );
      const { data, context } = await kit.run(got.next());
      expect(data).toEqual({ gameKey: '20260124_BOS_CHI' });
      expect(context).toMatchObject({
        messageId: id,
        subscription: sub,
        attributes: { source: 'nba' },
        deliveryAttempt: 1,
        orderingKey: undefined,
      });
      expect(context.publishTime).toBeInstanceOf(Date);
      await kit.run(queue.idle());
      expect(queue.stats()[sub]).toEqual({
        delivered: 1,
        acked: 1,
        nacked: 0,
        deadLettered: 0,
        pending: 0,
        delayed: 0,
        inFlight: 0,
      });
    });

    it('NACKs a transient or unknown error, and the message is delivered again', async () => {
      const topic = unique('work');
      const sub = unique('buggy');
      // A dead-letter topic: Pub/Sub counts delivery attempts only with one.
      await queue.ensureSubscription({
        name: sub,
        topic,
        deadLetterTopic: unique('dead-letters'),
        minBackoffMs: 0,
        maxBackoffMs: 0,
      });
      const got = recorder();
      await queue.subscribe(sub, (data, context) => {
        got.push(data, context);
        if (context.deliveryAttempt === 1) throw new Error('boom');
      });
      await queue.publish(topic, { n: 1 });
      await kit.run(queue.idle());
      expect(got.seen.map((d) => [d.data, d.context.deliveryAttempt])).toEqual([
        [{ n: 1 }, 1],
        [{ n: 1 }, 2],
      ]);
      expect(queue.stats()[sub]).toMatchObject({
        delivered: 2,
        acked: 1,
        nacked: 1,
        deadLettered: 0,
        pending: 0,
      });
    });

    it('dead-letters at once on a permanent error, with the reason and error class in attributes', async () => {
      const topic = unique('work');
      const sub = unique('strict');
      const deadLetters = unique('dead-letters');
      const reader = unique('dead-letter-reader');
      await queue.ensureSubscription({ name: sub, topic, deadLetterTopic: deadLetters });
      await queue.ensureSubscription({ name: reader, topic: deadLetters });
      class BadRequestError extends Error {
        readonly status = 400;
        override readonly name = 'BadRequestError';
      }
      const got = recorder();
      await queue.subscribe(sub, (data, context) => {
        got.push(data, context);
        throw new BadRequestError('player id 0 does not exist');
      });
      const dead = recorder();
      await queue.subscribe(reader, (data, context) => dead.push(data, context));
      const id = await queue.publish(topic, { playerId: 0 }, { attributes: { origin: 'test' } });
      const letter = await kit.run(dead.next());
      await kit.run(queue.idle());
      expect(got.seen).toHaveLength(1);
      expect(letter.data).toEqual({ playerId: 0 });
      expect(letter.context.attributes).toEqual({
        origin: 'test',
        pipewell_error: 'permanent',
        pipewell_reason: 'player id 0 does not exist',
        pipewell_error_name: 'BadRequestError',
        pipewell_error_class: 'BadRequestError',
        pipewell_error_code: '400',
        pipewell_subscription: sub,
        pipewell_message_id: id,
        pipewell_delivery_attempt: '1',
      });
      expect(queue.stats()[sub]).toMatchObject({ delivered: 1, nacked: 0, deadLettered: 1 });
    });

    it('dead-letters a message after maxDeliveryAttempts failed deliveries', async () => {
      const topic = unique('work');
      const sub = unique('flaky');
      const deadLetters = unique('dead-letters');
      const reader = unique('dead-letter-reader');
      await queue.ensureSubscription({
        name: sub,
        topic,
        minBackoffMs: 0,
        maxBackoffMs: 0,
        maxDeliveryAttempts: 5,
        deadLetterTopic: deadLetters,
      });
      await queue.ensureSubscription({ name: reader, topic: deadLetters });
      const got = recorder();
      await queue.subscribe(sub, (data, context) => {
        got.push(data, context);
        throw transient();
      });
      const dead = recorder();
      await queue.subscribe(reader, (data, context) => dead.push(data, context));
      await queue.publish(topic, { job: 7 }, { attributes: { origin: 'test' } });
      const letter = await kit.run(dead.next());
      await kit.run(queue.idle());
      expect(got.seen.map((d) => d.context.deliveryAttempt)).toEqual([1, 2, 3, 4, 5]);
      expect(letter.data).toEqual({ job: 7 });
      expect(letter.context.attributes).toMatchObject({ origin: 'test' });
      if (kit.attemptsReason) {
        expect(letter.context.attributes).toMatchObject({
          pipewell_error: 'attempts',
          pipewell_reason: 'service unavailable',
          pipewell_error_code: '503',
          pipewell_subscription: sub,
          pipewell_delivery_attempt: '5',
        });
      }
      expect(queue.stats()[sub]).toMatchObject({
        delivered: 5,
        nacked: 5,
        deadLettered: 1,
        pending: 0,
      });
    });

    it('dead-letters a message failing the subscription schema with the issue, without handing it over', async () => {
      const topicName = unique('phase-complete');
      const sub = unique('typed');
      const deadLetters = unique('dead-letters');
      const reader = unique('dead-letter-reader');
      await queue.ensureSubscription({ name: sub, topic: topicName, deadLetterTopic: deadLetters });
      await queue.ensureSubscription({ name: reader, topic: deadLetters });
      const topic = createTypedTopic(
        queue,
        topicName,
        z.object({ phase: z.number().int(), dataDate: z.string() }),
      );
      const got = recorder<{ phase: number; dataDate: string }>();
      await topic.subscribe(sub, (data, context) => got.push(data, context));
      const dead = recorder();
      await queue.subscribe(reader, (data, context) => dead.push(data, context));
      // A typed publish refuses it before anything is sent...
      const refused = await catchError(
        topic.publish({ phase: 'two' } as unknown as { phase: number; dataDate: string }),
        QueueInputError,
      );
      expect(refused.message).toContain('phase: Invalid input: expected number, received string');
      // ...and a message published without the schema is dead-lettered on arrival.
      await queue.publish(topicName, { phase: 2 });
      await topic.publish({ phase: 3, dataDate: '2026-01-24' });
      await kit.run(queue.idle());
      expect(got.seen.map((d) => d.data)).toEqual([{ phase: 3, dataDate: '2026-01-24' }]);
      expect(
        dead.seen.map((d) => [
          d.data,
          d.context.attributes.pipewell_error,
          d.context.attributes.pipewell_reason,
        ]),
      ).toEqual([
        [
          { phase: 2 },
          'validation',
          'dataDate: Invalid input: expected string, received undefined',
        ],
      ]);
      expect(queue.stats()[sub]).toMatchObject({ acked: 1, deadLettered: 1 });
    });

    it('delivers messages of one ordering key one at a time, in publish order, holding them behind a failure', async () => {
      const topic = unique('work');
      const sub = unique('ordered');
      await queue.ensureSubscription({
        name: sub,
        topic,
        enableMessageOrdering: true,
        deadLetterTopic: unique('dead-letters'),
        minBackoffMs: 1_000,
        maxBackoffMs: 1_000,
      });
      const order: string[] = [];
      let failedOnce = false;
      const running = new Map<string, number>();
      let overlapped = false;
      await queue.subscribe(
        sub,
        async (data: { key: string; n: number }, context) => {
          expect(context.orderingKey).toBe(data.key);
          const now = (running.get(data.key) ?? 0) + 1;
          running.set(data.key, now);
          if (now > 1) overlapped = true;
          order.push(`${data.key}${data.n}`);
          for (let i = 0; i < 5; i++) await tick();
          running.set(data.key, now - 1);
          if (data.key === 'a' && data.n === 1 && !failedOnce) {
            failedOnce = true;
            throw transient();
          }
        },
        { concurrency: 10 },
      );
      // Called in this order (the publisher keeps the order of one key's calls), sent together.
      await Promise.all(
        (
          [
            ['a', 1],
            ['a', 2],
            ['b', 1],
            ['a', 3],
            ['b', 2],
          ] as const
        ).map(([key, n]) => queue.publish(topic, { key, n }, { orderingKey: key })),
      );
      await kit.run(queue.idle());
      expect(order.filter((m) => m.startsWith('a'))).toEqual(['a1', 'a1', 'a2', 'a3']);
      expect(order.filter((m) => m.startsWith('b'))).toEqual(['b1', 'b2']);
      expect(overlapped).toBe(false);
    });

    it('idle waits for a message a handler publishes while it runs, even one it does not await', async () => {
      const start = unique('start');
      const next = unique('next');
      const first = unique('phase-1');
      const second = unique('phase-2');
      await queue.ensureSubscription({ name: first, topic: start });
      await queue.ensureSubscription({ name: second, topic: next });
      const done: string[] = [];
      await queue.subscribe(first, async () => {
        await tick();
        void queue.publish(next, { from: 'phase-1' });
        done.push('phase-1');
      });
      await queue.subscribe(second, async () => {
        await tick();
        done.push('phase-2');
      });
      await queue.publish(start, {});
      await kit.run(queue.idle());
      expect(done).toEqual(['phase-1', 'phase-2']);
    });

    it('idle counts a message waiting for its redelivery as work left, unless includeDelayed is false', async () => {
      const topic = unique('work');
      const sub = unique('retrying');
      await queue.ensureSubscription({
        name: sub,
        topic,
        deadLetterTopic: unique('dead-letters'),
        minBackoffMs: 2_000,
        maxBackoffMs: 2_000,
      });
      const got = recorder();
      await queue.subscribe(sub, (data, context) => {
        got.push(data, context);
        if (context.deliveryAttempt === 1) throw transient();
      });
      await queue.publish(topic, {});
      await kit.run(got.next());
      await kit.run(queue.idle({ includeDelayed: false }));
      expect(queue.stats()[sub]).toMatchObject({ pending: 1, delayed: 1 });
      await kit.run(queue.idle());
      expect(got.seen.map((d) => d.context.deliveryAttempt)).toEqual([1, 2]);
      expect(queue.stats()[sub]).toMatchObject({ acked: 1, pending: 0, delayed: 0 });
    });
  });
}
