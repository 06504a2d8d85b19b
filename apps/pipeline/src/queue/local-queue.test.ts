import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  catchError,
  createRecordingLogger,
  createVirtualClock,
  type VirtualClock,
} from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queueContract } from './contract.js';
import { LeaseExpiredError, QueueInputError } from './errors.js';
import { type LocalQueue, type LocalQueueOptions, openLocalQueue } from './local-queue.js';
import type { MessageContext } from './port.js';

let dir: string;
let clock: VirtualClock;
const opened: LocalQueue[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipewell-queue-'));
  clock = createVirtualClock({ now: Date.parse('2026-01-24T18:00:00Z') });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((queue) => queue.close()));
  await rm(dir, { recursive: true, force: true });
});

async function open(options: Partial<LocalQueueOptions> = {}): Promise<LocalQueue> {
  const queue = await openLocalQueue({ dir, clock, ...options });
  opened.push(queue);
  return queue;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Records each delivery; `next()` resolves with the next one (real I/O, never a backoff). */
function recorder<T = unknown>() {
  const seen: Array<{ data: T; context: MessageContext; at: number }> = [];
  const waiting: Array<Deferred<{ data: T; context: MessageContext; at: number }>> = [];
  let taken = 0;
  return {
    seen,
    push(data: T, context: MessageContext): void {
      const item = { data, context, at: clock.now() };
      seen.push(item);
      waiting.shift()?.resolve(item);
    },
    /** The delivery after the last one taken. */
    next(): Promise<{ data: T; context: MessageContext; at: number }> {
      const index = taken++;
      const ready = seen[index];
      if (ready !== undefined) return Promise.resolve(ready);
      const wait = deferred<{ data: T; context: MessageContext; at: number }>();
      waiting.push(wait);
      return wait.promise;
    },
  };
}

queueContract('local', async () => {
  const contractDir = await mkdtemp(join(tmpdir(), 'pipewell-queue-contract-'));
  const contractClock = createVirtualClock({ now: Date.parse('2026-01-24T18:00:00Z') });
  const queue = await openLocalQueue({ dir: contractDir, clock: contractClock });
  return {
    queue,
    async run(promise) {
      await contractClock.runAll(promise);
      return promise;
    },
    attemptsReason: true,
    async close() {
      await queue.close();
      await rm(contractDir, { recursive: true, force: true });
    },
  };
});

const transient = (): Error => Object.assign(new Error('service unavailable'), { status: 503 });

describe('openLocalQueue', () => {
  it('fans a message out to every subscription its topic has when it is published', async () => {
    const queue = await open();
    await queue.ensureSubscription({ name: 'first', topic: 'scraped' });
    await queue.ensureSubscription({ name: 'second', topic: 'scraped' });
    await queue.publish('scraped', { n: 1 });
    // Created after the publish: it does not receive it (as on Pub/Sub).
    await queue.ensureSubscription({ name: 'late', topic: 'scraped' });
    expect(queue.stats().first?.pending).toBe(1);
    expect(queue.stats().second?.pending).toBe(1);
    expect(queue.stats().late?.pending).toBe(0);
  });

  it('NACKs a transient error and delivers again after a backoff doubling from min to max, then dead-letters after maxDeliveryAttempts', async () => {
    const queue = await open();
    await queue.ensureSubscription({
      name: 'flaky',
      topic: 'work',
      minBackoffMs: 1_000,
      maxBackoffMs: 3_000,
      maxDeliveryAttempts: 5,
      deadLetterTopic: 'dead-letters',
    });
    await queue.ensureSubscription({ name: 'dead-letter-reader', topic: 'dead-letters' });
    const start = clock.now();
    const got = recorder();
    await queue.subscribe('flaky', (data, context) => {
      got.push(data, context);
      throw transient();
    });
    const dead = recorder();
    await queue.subscribe('dead-letter-reader', (data, context) => dead.push(data, context));
    await queue.publish('work', { job: 7 }, { attributes: { origin: 'test' } });
    await clock.runAll(queue.idle());

    expect(got.seen.map((d) => [d.context.deliveryAttempt, d.at - start])).toEqual([
      [1, 0],
      [2, 1_000],
      [3, 3_000],
      [4, 6_000],
      [5, 9_000],
    ]);
    expect(dead.seen).toHaveLength(1);
    expect(dead.seen[0]?.data).toEqual({ job: 7 });
    expect(dead.seen[0]?.context.attributes).toMatchObject({
      origin: 'test',
      pipewell_error: 'attempts',
      pipewell_reason: 'service unavailable',
      pipewell_error_code: '503',
      pipewell_subscription: 'flaky',
      pipewell_delivery_attempt: '5',
    });
    expect(queue.stats().flaky).toMatchObject({
      delivered: 5,
      nacked: 5,
      deadLettered: 1,
      pending: 0,
    });
  });

  it('drops a message that can never succeed and logs it at error level when the subscription has no dead-letter topic', async () => {
    const logger = createRecordingLogger();
    const queue = await open({ logger });
    await queue.ensureSubscription({ name: 'strict', topic: 'work' });
    await queue.subscribe('strict', () => {
      throw Object.assign(new Error('forbidden'), { permanent: true });
    });
    await queue.publish('work', { secretless: 'data' });
    await clock.runAll(queue.idle());
    expect(queue.stats().strict).toMatchObject({ deadLettered: 1, pending: 0 });
    expect(logger.at('error')).toEqual([
      expect.objectContaining({
        msg: expect.stringContaining(
          'dropped (permanent; the subscription has no dead-letter topic): forbidden',
        ),
        fields: expect.objectContaining({ data: '{"secretless":"data"}', subscription: 'strict' }),
      }),
    ]);
  });

  it('takes the lease from a handler that runs past the ack deadline: its signal aborts, the message goes out again, and its late ack is ignored', async () => {
    const queue = await open();
    await queue.ensureSubscription({
      name: 'slow',
      topic: 'work',
      ackDeadlineMs: 10_000,
      minBackoffMs: 0,
      maxBackoffMs: 0,
    });
    const got = recorder();
    const releaseFirst = deferred();
    const failSecond = deferred();
    await queue.subscribe(
      'slow',
      async (data, context) => {
        got.push(data, context);
        if (context.deliveryAttempt === 1) await releaseFirst.promise;
        if (context.deliveryAttempt === 2) await failSecond.promise;
      },
      { concurrency: 2 },
    );
    await queue.publish('work', { job: 1 });
    const first = await got.next();
    await clock.advance(9_999);
    expect(first.context.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(first.context.signal.aborted).toBe(true);
    expect(first.context.signal.reason).toBeInstanceOf(LeaseExpiredError);
    const second = await got.next();
    expect(second.context.deliveryAttempt).toBe(2);

    // The first handler finishes late: its ack must not ack the redelivery in flight.
    releaseFirst.resolve();
    await clock.advance(0);
    expect(queue.stats().slow).toMatchObject({ acked: 0, inFlight: 1 });
    failSecond.reject(transient());
    const third = await got.next();
    expect(third.context.deliveryAttempt).toBe(3);
    await clock.runAll(queue.idle());
    expect(queue.stats().slow).toMatchObject({ delivered: 3, acked: 1, nacked: 2 });
  });

  it('delivers a backlog in publish order, one at a time with concurrency 1', async () => {
    const queue = await open();
    await queue.ensureSubscription({ name: 'backlog', topic: 'work' });
    for (let wave = 0; wave < 3; wave++) {
      await Promise.all(
        Array.from({ length: 1_000 }, (_, i) => queue.publish('work', { n: wave * 1_000 + i })),
      );
    }
    const seen: number[] = [];
    await queue.subscribe(
      'backlog',
      (data: { n: number }) => {
        seen.push(data.n);
      },
      { concurrency: 1 },
    );
    await queue.idle();
    expect(seen).toEqual(Array.from({ length: 3_000 }, (_, n) => n));
  });

  it('shares a subscription between its subscribers', async () => {
    const queue = await open();
    await queue.ensureSubscription({ name: 'shared', topic: 'work' });
    const hang = deferred();
    const first = recorder();
    const second = recorder();
    await queue.subscribe(
      'shared',
      async (data, context) => {
        first.push(data, context);
        await hang.promise;
      },
      { concurrency: 1 },
    );
    await queue.subscribe(
      'shared',
      async (data, context) => {
        second.push(data, context);
        await hang.promise;
      },
      { concurrency: 1 },
    );
    await Promise.all([queue.publish('work', { n: 1 }), queue.publish('work', { n: 2 })]);
    const got = [await first.next(), await second.next()].map((d) => d.data);
    expect(got).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
    hang.resolve();
    await queue.idle();
    expect(queue.stats().shared?.acked).toBe(2);
  });

  it('stops handing a subscriber messages once its signal aborts', async () => {
    const queue = await open();
    await queue.ensureSubscription({ name: 'stoppable', topic: 'work' });
    const controller = new AbortController();
    const got = recorder();
    await queue.subscribe('stoppable', (data, context) => got.push(data, context), {
      signal: controller.signal,
    });
    await queue.publish('work', { n: 1 });
    await got.next();
    controller.abort();
    await queue.publish('work', { n: 2 });
    await queue.idle();
    expect(got.seen.map((d) => d.data)).toEqual([{ n: 1 }]);
    expect(queue.stats().stoppable).toMatchObject({ acked: 1, pending: 1 });
  });

  it('hands no more than `concurrency` messages to a subscriber at once', async () => {
    const queue = await open();
    await queue.ensureSubscription({ name: 'limited', topic: 'work' });
    let running = 0;
    let most = 0;
    await queue.subscribe(
      'limited',
      async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 20 }, (_, i) => queue.publish('work', { i })));
    await queue.idle();
    expect(most).toBe(3);
    expect(queue.stats().limited?.acked).toBe(20);
  });

  it('delivers messages of one ordering key one at a time, in publish order, holding them behind a failure', async () => {
    const queue = await open();
    await queue.ensureSubscription({
      name: 'ordered',
      topic: 'work',
      enableMessageOrdering: true,
      minBackoffMs: 1_000,
      maxBackoffMs: 1_000,
    });
    const order: string[] = [];
    let failedOnce = false;
    await queue.subscribe(
      'ordered',
      async (data: { key: string; n: number }) => {
        order.push(`${data.key}${data.n}`);
        await new Promise((resolve) => setImmediate(resolve));
        if (data.key === 'a' && data.n === 1 && !failedOnce) {
          failedOnce = true;
          throw transient();
        }
      },
      { concurrency: 10 },
    );
    await Promise.all([
      queue.publish('work', { key: 'a', n: 1 }, { orderingKey: 'a' }),
      queue.publish('work', { key: 'a', n: 2 }, { orderingKey: 'a' }),
      queue.publish('work', { key: 'b', n: 1 }, { orderingKey: 'b' }),
      queue.publish('work', { key: 'a', n: 3 }, { orderingKey: 'a' }),
      queue.publish('work', { key: 'b', n: 2 }, { orderingKey: 'b' }),
    ]);
    await clock.runAll(queue.idle());
    expect(order.filter((m) => m.startsWith('a'))).toEqual(['a1', 'a1', 'a2', 'a3']);
    expect(order.filter((m) => m.startsWith('b'))).toEqual(['b1', 'b2']);
    // b went on while a waited for its redelivery.
    expect(order.indexOf('b1')).toBeLessThan(order.lastIndexOf('a1'));
  });

  it('closes a subscriber after its handlers finish, and NACKs what is still running at the timeout', async () => {
    const queue = await open();
    await queue.ensureSubscription({
      name: 'work-sub',
      topic: 'work',
      minBackoffMs: 0,
      maxBackoffMs: 0,
    });
    const got = recorder();
    const hang = deferred();
    const subscriber = await queue.subscribe('work-sub', async (data, context) => {
      got.push(data, context);
      await hang.promise;
    });
    await queue.publish('work', { job: 1 });
    const first = await got.next();
    let closed = false;
    const closing = subscriber.close({ timeoutMs: 5_000 }).then(() => {
      closed = true;
    });
    await clock.advance(4_999);
    expect(closed).toBe(false);
    await clock.advance(1);
    await closing;
    expect(first.context.signal.aborted).toBe(true);
    expect(queue.stats()['work-sub']).toMatchObject({ nacked: 1, pending: 1, inFlight: 0 });
  });
});

describe('LocalQueue.idle', () => {
  it('waits for a handler that lost its lease to return, though its message was handled again', async () => {
    const queue = await open();
    await queue.ensureSubscription({
      name: 'slow',
      topic: 'work',
      ackDeadlineMs: 10_000,
      minBackoffMs: 0,
      maxBackoffMs: 0,
    });
    const releaseFirst = deferred();
    const got = recorder();
    await queue.subscribe('slow', async (data, context) => {
      got.push(data, context);
      if (context.deliveryAttempt === 1) await releaseFirst.promise;
    });
    await queue.publish('work', {});
    await got.next();
    await clock.advance(10_000);
    await got.next();
    let idle = false;
    const waiting = queue.idle().then(() => {
      idle = true;
    });
    await expect.poll(() => queue.stats().slow?.acked).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    releaseFirst.resolve();
    await waiting;
  });

  it('counts a message waiting for its redelivery as work left, unless includeDelayed is false', async () => {
    const queue = await open();
    await queue.ensureSubscription({
      name: 'retrying',
      topic: 'work',
      minBackoffMs: 60_000,
      maxBackoffMs: 60_000,
    });
    const got = recorder();
    await queue.subscribe('retrying', (data, context) => {
      got.push(data, context);
      if (context.deliveryAttempt === 1) throw transient();
    });
    await queue.publish('work', {});
    await got.next();
    await queue.idle({ includeDelayed: false });
    expect(queue.stats().retrying).toMatchObject({ pending: 1, delayed: 1 });

    let idle = false;
    const waiting = queue.idle().then(() => {
      idle = true;
    });
    await clock.advance(59_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    await clock.runAll(waiting);
    expect(got.seen.map((d) => d.context.deliveryAttempt)).toEqual([1, 2]);
    expect(queue.stats().retrying).toMatchObject({ acked: 1, pending: 0 });
  });

  it('leaves out subscriptions nobody consumes in this process, unless they are named', async () => {
    const queue = await open();
    await queue.ensureSubscription({
      name: 'consumed',
      topic: 'work',
      deadLetterTopic: 'dead-letters',
    });
    await queue.ensureSubscription({ name: 'dead-letter-store', topic: 'dead-letters' });
    await queue.subscribe('consumed', () => {
      throw Object.assign(new Error('no'), { permanent: true });
    });
    await queue.publish('work', {});
    await queue.idle();
    expect(queue.stats()['dead-letter-store']?.pending).toBe(1);

    let named = false;
    void queue.idle({ subscriptions: ['dead-letter-store'] }).then(() => {
      named = true;
    });
    // Every waiting idle() is checked at once: the default one resolving means this one was not.
    await queue.idle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(named).toBe(false);
    await queue.subscribe('dead-letter-store', () => {});
    await expect.poll(() => named).toBe(true);
  });
});

describe('openLocalQueue across restarts', () => {
  it('delivers again every message not acked before the queue closed, counting the interrupted delivery', async () => {
    const first = await open();
    await first.ensureSubscription({ name: 'work-sub', topic: 'work' });
    const got = recorder();
    const hang = deferred();
    await first.subscribe('work-sub', async (data: { n: number }, context) => {
      got.push(data, context);
      if (data.n === 2) await hang.promise;
    });
    await first.publish('work', { n: 1 });
    await first.publish('work', { n: 2 });
    await got.next();
    await got.next();
    await expect.poll(() => first.stats()['work-sub']?.acked).toBe(1);
    await first.close();

    const second = await open();
    expect(second.recovery).toMatchObject({ pending: 1 });
    const again = recorder();
    await second.subscribe('work-sub', (data, context) => again.push(data, context));
    await second.idle();
    expect(again.seen.map((d) => [d.data, d.context.deliveryAttempt])).toEqual([[{ n: 2 }, 2]]);
    // Ids go on from where they were.
    await second.ensureSubscription({ name: 'work-sub', topic: 'work' });
    expect(Number(await second.publish('work', { n: 3 }))).toBe(3);
  });

  it('keeps a pending backoff across a restart', async () => {
    const first = await open();
    await first.ensureSubscription({
      name: 'retrying',
      topic: 'work',
      minBackoffMs: 30_000,
      maxBackoffMs: 30_000,
    });
    const got = recorder();
    await first.subscribe('retrying', (data, context) => {
      got.push(data, context);
      throw transient();
    });
    const start = clock.now();
    await first.publish('work', {});
    await got.next();
    await first.idle({ includeDelayed: false });
    await first.close();

    const second = await open();
    const again = recorder();
    await second.subscribe('retrying', (data, context) => again.push(data, context));
    await clock.runAll(second.idle());
    expect(again.seen.map((d) => [d.context.deliveryAttempt, d.at - start])).toEqual([[2, 30_000]]);
  });

  it('dead-letters on reopen a message whose last allowed delivery was interrupted, so a crash loop ends', async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const queue = await open();
      await queue.ensureSubscription({
        name: 'crashy',
        topic: 'work',
        deadLetterTopic: 'dead-letters',
        minBackoffMs: 0,
        maxBackoffMs: 0,
      });
      await queue.ensureSubscription({ name: 'dead-letter-store', topic: 'dead-letters' });
      if (attempt === 1) await queue.publish('work', { poison: true });
      const got = recorder();
      await queue.subscribe('crashy', (data, context) => {
        got.push(data, context);
        return new Promise(() => {});
      });
      expect((await got.next()).context.deliveryAttempt).toBe(attempt);
      await queue.close();
    }
    const last = await open();
    expect(last.stats().crashy).toMatchObject({ pending: 0, deadLettered: 1 });
    const dead = recorder();
    await last.subscribe('dead-letter-store', (data, context) => dead.push(data, context));
    expect((await dead.next()).context.attributes).toMatchObject({
      pipewell_error: 'attempts',
      pipewell_reason: 'the process stopped during delivery 5',
    });
  });

  it('drops a last journal line cut short by a crash and reports it', async () => {
    const first = await open();
    await first.ensureSubscription({ name: 'work-sub', topic: 'work' });
    await first.publish('work', { n: 1 });
    await first.close();
    const torn = '{"t":"pub","id":"2","topic":"work","to":["work-sub"],"at":1,"d":{"n":';
    await appendFile(join(dir, 'queue.jsonl'), torn);

    const logger = createRecordingLogger();
    const second = await open({ logger });
    expect(second.recovery.journal.tornTail).toMatchObject({ bytes: torn.length });
    expect(logger.at('warn')[0]?.msg).toContain('cut short by a crash');
    const got = recorder();
    await second.subscribe('work-sub', (data, context) => got.push(data, context));
    await second.idle();
    expect(got.seen.map((d) => d.data)).toEqual([{ n: 1 }]);
  });

  it('compacts the journal as it grows, keeping what is not acked with its attempts and backoff, and the id sequence', async () => {
    const first = await open({ compactAfterBytes: 16_384 });
    await first.ensureSubscription({ name: 'work-sub', topic: 'work' });
    await first.ensureSubscription({
      name: 'held',
      topic: 'kept',
      minBackoffMs: 60_000,
      maxBackoffMs: 60_000,
    });
    const start = clock.now();
    await first.publish('kept', { keep: true });
    const held = recorder();
    await first.subscribe('held', (data, context) => {
      held.push(data, context);
      throw transient();
    });
    await held.next();
    await first.subscribe('work-sub', () => {}, { concurrency: 50 });
    for (let i = 0; i < 10; i++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, n) => first.publish('work', { i, n, pad: 'x'.repeat(40) })),
      );
    }
    await first.idle({ includeDelayed: false });
    await first.close();
    // 500 messages published, delivered and acked take about 110 KB uncompacted.
    expect((await stat(join(dir, 'queue.jsonl'))).size).toBeLessThan(20_000);

    const second = await open();
    expect(second.recovery.pending).toBe(1);
    const again = recorder();
    await second.subscribe('held', (data, context) => again.push(data, context));
    await clock.runAll(second.idle());
    expect(again.seen.map((d) => [d.data, d.context.deliveryAttempt, d.at - start])).toEqual([
      [{ keep: true }, 2, 60_000],
    ]);
    await second.compact();
    await second.close();
    expect((await readFile(join(dir, 'queue.jsonl'), 'utf8')).split('\n')[0]).toContain(
      '"next":502',
    );

    // Nothing is left to read ids from but the header: they go on all the same.
    const third = await open();
    await third.ensureSubscription({
      name: 'held',
      topic: 'kept',
      minBackoffMs: 60_000,
      maxBackoffMs: 60_000,
    });
    expect(await third.publish('kept', {})).toBe('502');
  });
});

describe('LocalQueue input checks', () => {
  it('refuses an unknown topic or subscription, data that is not JSON and illegal names, naming the input', async () => {
    const queue = await open();
    expect((await catchError(queue.publish('missing', {}), QueueInputError)).message).toContain(
      'topic missing does not exist',
    );
    await queue.ensureTopic('work');
    expect((await catchError(queue.publish('work', { n: 1n }), QueueInputError)).option).toBe(
      'data',
    );
    expect(
      (
        await catchError(
          queue.publish('work', {}, { attributes: { n: 1 as unknown as string } }),
          QueueInputError,
        )
      ).option,
    ).toBe('attributes');
    expect(
      (
        await catchError(
          queue.subscribe('nobody', () => {}),
          QueueInputError,
        )
      ).option,
    ).toBe('subscription');
    expect((await catchError(queue.ensureTopic('goog-x'), QueueInputError)).option).toBe('topic');
    expect(
      (
        await catchError(
          queue.ensureSubscription({ name: 'sub', topic: 'work', maxDeliveryAttempts: 2 }),
          QueueInputError,
        )
      ).option,
    ).toBe('maxDeliveryAttempts');
    await queue.ensureSubscription({ name: 'sub', topic: 'work' });
    expect(
      (await catchError(queue.ensureSubscription({ name: 'sub', topic: 'other' }), QueueInputError))
        .message,
    ).toBe('subscription sub exists on topic work, not other');
    expect(
      (
        await catchError(
          queue.ensureSubscription({ name: 'sub', topic: 'work', deadLetterTopic: 'work' }),
          QueueInputError,
        )
      ).option,
    ).toBe('deadLetterTopic');
  });
});
