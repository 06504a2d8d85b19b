import { PubSub } from '@google-cloud/pubsub';
import type { Logger } from '@pipewell/core';
import { type RunningEmulator, requireEmulators, startPubSubEmulator } from '@pipewell/emulators';
import { RetryError } from '@pipewell/retry';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { closeAll } from './pool.js';
import { ClientConfigError } from './project.js';
import {
  createTypedTopic,
  ensureSubscription,
  ensureTopic,
  getPubSub,
  publish,
  subscribe,
} from './pubsub.js';

const PhaseComplete = z.object({
  phase: z.number().int().min(1).max(6),
  dataDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});

describe('bad input fails before any network call', () => {
  it('a topic name under 3 characters', async () => {
    const error = await publish('ab', { x: 1 }, { pubsub: {} as never }).catch((e: unknown) => e);
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('illegal topic name "ab"');
  });

  it('a message that does not match its schema is never sent', async () => {
    const sends = vi.fn();
    const pubsub = { topic: () => ({ publishMessage: sends }) } as never;
    const error = await publish(
      'phase-complete',
      { phase: 9, dataDate: 'yesterday' },
      { pubsub, schema: PhaseComplete },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'message for phase-complete does not match its schema: phase:',
    );
    expect((error as Error).message).toContain('dataDate:');
    expect(sends).not.toHaveBeenCalled();
  });
});

describe('getPubSub reads the emulator host from its env option', () => {
  const saved = process.env.PUBSUB_EMULATOR_HOST;
  afterEach(async () => {
    if (saved === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
    else process.env.PUBSUB_EMULATOR_HOST = saved;
    await closeAll();
  });

  it('uses env, not process.env, and pools one client per emulator host', () => {
    // A different host in process.env must not be the one used.
    process.env.PUBSUB_EMULATOR_HOST = '127.0.0.1:9';
    const env = { PUBSUB_EMULATOR_HOST: '127.0.0.1:4242', GCP_PROJECT_ID: 'demo-env' };
    const client = getPubSub({ env });
    expect(client.isEmulator).toBe(true);
    expect(client.options).toMatchObject({ servicePath: '127.0.0.1', port: 4242 });
    expect(client.projectId).toBe('demo-env');
    expect(getPubSub({ env: { ...env } })).toBe(client);
    const other = getPubSub({ env: { ...env, PUBSUB_EMULATOR_HOST: '127.0.0.1:4343' } });
    expect(other).not.toBe(client);
    expect(other.options.port).toBe(4343);
  });

  it('ignores process.env when the env it is given names no emulator', () => {
    process.env.PUBSUB_EMULATOR_HOST = '127.0.0.1:9';
    const client = getPubSub({ env: { GCP_PROJECT_ID: 'demo-env' } });
    expect(client.isEmulator).toBe(false);
    expect(client.options.port).toBeUndefined();
    // Hidden only while the client was built.
    expect(process.env.PUBSUB_EMULATOR_HOST).toBe('127.0.0.1:9');
  });

  it('lets an explicit apiEndpoint win over the env', () => {
    const client = getPubSub({
      apiEndpoint: '127.0.0.1:5151',
      env: { PUBSUB_EMULATOR_HOST: '127.0.0.1:4242', GCP_PROJECT_ID: 'demo-env' },
    });
    expect(client.options.port).toBe(5151);
  });

  it('names the project variables when env has none', () => {
    expect(() => getPubSub({ env: { PUBSUB_EMULATOR_HOST: '127.0.0.1:4242' } })).toThrow(
      /no Google Cloud project: set GCP_PROJECT_ID/,
    );
  });
});

const available = requireEmulators('@pipewell/clients Pub/Sub');

describe.skipIf(!available)('Pub/Sub against the emulator', () => {
  let emulator: RunningEmulator;
  let pubsub: PubSub;
  let counter = 0;
  const unique = (base: string): string => `${base}-${++counter}-${Date.now().toString(36)}`;
  // One stream per subscriber: with several, the emulator was seen redelivering acked messages.
  const subscriberOptions = { streamingOptions: { maxStreams: 1 } };

  /** Collect what a plain SDK subscription receives (for dead-letter topics). */
  async function collect(subscriptionName: string) {
    const received: Array<{ data: string; attributes: Record<string, string> }> = [];
    const subscription = pubsub.subscription(subscriptionName, subscriberOptions);
    subscription.on('message', (message) => {
      received.push({ data: message.data.toString(), attributes: message.attributes });
      message.ack();
    });
    return { received, close: () => subscription.close() };
  }

  beforeAll(async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    emulator = await startPubSubEmulator({ projectId: 'demo-clients' });
    pubsub = new PubSub({
      projectId: emulator.projectId,
      apiEndpoint: emulator.host,
      emulatorMode: true,
    });
  }, 90_000);

  afterAll(async () => {
    await pubsub?.close();
    await emulator?.stop();
  });

  it('publishes, awaiting the message id, and delivers to a typed subscriber', async () => {
    const topic = createTypedTopic(unique('phase-complete'), PhaseComplete);
    const subscription = unique('phase-complete-sub');
    await ensureSubscription(subscription, {
      pubsub,
      topic: topic.name,
      deadLetterTopic: unique('dlq'),
    });
    const seen: Array<{ data: unknown; id: string; attributes: unknown; deliveryAttempt: number }> =
      [];
    const subscriber = await topic.subscribe(
      subscription,
      (data, context) => {
        seen.push({
          data,
          id: context.id,
          attributes: context.attributes,
          deliveryAttempt: context.deliveryAttempt,
        });
      },
      { pubsub, subscriberOptions },
    );
    const id = await topic.publish(
      { phase: 2, dataDate: '2026-01-24' },
      { pubsub, attributes: { processor: 'raw' } },
    );
    expect(id).toMatch(/^\d+$/);
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 15_000 });
    expect(seen[0]).toEqual({
      data: { phase: 2, dataDate: '2026-01-24' },
      id,
      attributes: { processor: 'raw' },
      deliveryAttempt: 1,
    });
    await subscriber.close();
    expect(subscriber.stats).toMatchObject({ received: 1, acked: 1, nacked: 0 });
  }, 30_000);

  it('NACKs a message whose handler throws an unknown error, so it is redelivered', async () => {
    const topic = unique('box-scores');
    const subscription = unique('box-scores-sub');
    await ensureSubscription(subscription, {
      pubsub,
      topic,
      deadLetterTopic: unique('dlq'),
      retryPolicy: { minimumBackoffSeconds: 0, maximumBackoffSeconds: 1 },
    });
    const attempts: number[] = [];
    const subscriber = await subscribe(
      subscription,
      (_data, { deliveryAttempt }) => {
        attempts.push(deliveryAttempt);
        // Neither transient nor permanent: it might be a blip, so it comes back.
        if (attempts.length === 1) throw new Error('boom');
      },
      { pubsub, subscriberOptions },
    );
    await publish(topic, { gameId: '0022500647' }, { pubsub });
    await vi.waitFor(() => expect(attempts).toHaveLength(2), { timeout: 20_000 });
    expect(attempts).toEqual([1, 2]);
    await subscriber.close();
    expect(subscriber.stats).toMatchObject({ nacked: 1, acked: 1, deadLettered: 0 });
  }, 30_000);

  it('after five failures the message is on the dead-letter topic, attributes intact', async () => {
    const topic = unique('daily-cache');
    const subscription = unique('daily-cache-sub');
    const deadLetterTopic = unique('daily-cache-dlq');
    await ensureSubscription(subscription, {
      pubsub,
      topic,
      deadLetterTopic,
      maxDeliveryAttempts: 5,
      retryPolicy: { minimumBackoffSeconds: 0, maximumBackoffSeconds: 1 },
    });
    const deadLetterSubscription = unique('daily-cache-dlq-sub');
    await ensureSubscription(deadLetterSubscription, { pubsub, topic: deadLetterTopic });
    const dead = await collect(deadLetterSubscription);
    let calls = 0;
    const subscriber = await subscribe(
      subscription,
      () => {
        calls++;
        throw new Error('always fails');
      },
      { pubsub, subscriberOptions },
    );
    await publish(
      topic,
      { dataDate: '2026-01-24' },
      { pubsub, attributes: { processor: 'player_daily_cache' } },
    );
    await vi.waitFor(() => expect(dead.received).toHaveLength(1), {
      timeout: 40_000,
      interval: 200,
    });
    expect(calls).toBe(5);
    expect(JSON.parse(dead.received[0]?.data ?? '')).toEqual({ dataDate: '2026-01-24' });
    expect(dead.received[0]?.attributes).toMatchObject({ processor: 'player_daily_cache' });
    await subscriber.close();
    await dead.close();
  }, 60_000);

  it('reports each settled delivery to onSettled: acked, nacked, and dead-lettered with the copy id', async () => {
    const topic = unique('settled');
    const subscription = unique('settled-sub');
    const deadLetterTopic = unique('settled-dlq');
    await ensureSubscription(subscription, {
      pubsub,
      topic,
      deadLetterTopic,
      retryPolicy: { minimumBackoffSeconds: 0, maximumBackoffSeconds: 1 },
    });
    const deadLetterSubscription = unique('settled-dlq-sub');
    await ensureSubscription(deadLetterSubscription, { pubsub, topic: deadLetterTopic });
    const dead = await collect(deadLetterSubscription);
    const settled: Array<Record<string, unknown>> = [];
    let failed = false;
    const subscriber = await subscribe(
      subscription,
      () => {
        if (!failed) {
          failed = true;
          throw new Error('blip');
        }
      },
      {
        pubsub,
        schema: PhaseComplete,
        subscriberOptions,
        onSettled: (event) => settled.push({ ...event }),
      },
    );
    const good = await publish(topic, { phase: 2, dataDate: '2026-01-24' }, { pubsub });
    await vi.waitFor(() => expect(settled).toHaveLength(2), { timeout: 20_000 });
    const bad = await pubsub.topic(topic).publishMessage({ json: { phase: 'two' } });
    await vi.waitFor(() => expect(settled).toHaveLength(3), { timeout: 20_000 });
    await vi.waitFor(() => expect(dead.received).toHaveLength(1), { timeout: 20_000 });
    expect(settled).toEqual([
      { messageId: good, deliveryAttempt: 1, outcome: 'nacked' },
      { messageId: good, deliveryAttempt: 2, outcome: 'acked' },
      {
        messageId: bad,
        deliveryAttempt: 1,
        outcome: 'dead-lettered',
        deadLetter: {
          kind: 'validation',
          topic: `projects/${emulator.projectId}/topics/${deadLetterTopic}`,
          messageId: expect.any(String),
        },
      },
    ]);
    await subscriber.close();
    await dead.close();
  }, 30_000);

  it('dead-letters an invalid payload with the reason, and never calls the handler', async () => {
    const topic = unique('phase-events');
    const subscription = unique('phase-events-sub');
    const deadLetterTopic = unique('phase-events-dlq');
    await ensureSubscription(subscription, { pubsub, topic, deadLetterTopic });
    const deadLetterSubscription = unique('phase-events-dlq-sub');
    await ensureSubscription(deadLetterSubscription, { pubsub, topic: deadLetterTopic });
    const dead = await collect(deadLetterSubscription);
    const handler = vi.fn();
    const subscriber = await subscribe(subscription, handler, {
      pubsub,
      schema: PhaseComplete,
      subscriberOptions,
    });
    // A producer without the schema sends junk.
    await pubsub
      .topic(topic)
      .publishMessage({ json: { phase: 'two' }, attributes: { from: 'legacy' } });
    await vi.waitFor(() => expect(dead.received).toHaveLength(1), { timeout: 20_000 });
    expect(handler).not.toHaveBeenCalled();
    expect(dead.received[0]?.attributes).toMatchObject({
      from: 'legacy',
      pipewell_error: 'validation',
      pipewell_subscription: subscription,
    });
    expect(dead.received[0]?.attributes.pipewell_reason).toContain('phase:');
    expect(dead.received[0]?.attributes.pipewell_reason).toContain('dataDate:');
    await subscriber.close();
    expect(subscriber.stats).toMatchObject({ deadLettered: 1, acked: 1 });
    await dead.close();
  }, 30_000);

  it('refuses a schema subscription without a dead-letter topic', async () => {
    const topic = unique('no-dlq');
    const subscription = unique('no-dlq-sub');
    await ensureSubscription(subscription, { pubsub, topic });
    await expect(
      subscribe(subscription, () => {}, { pubsub, schema: PhaseComplete }),
    ).rejects.toThrow('has no dead-letter topic');
  }, 30_000);

  it('keeps the order of messages with one ordering key', async () => {
    const topic = unique('odds-lines');
    const subscription = unique('odds-lines-sub');
    await ensureSubscription(subscription, { pubsub, topic, enableMessageOrdering: true });
    const seen: number[] = [];
    const subscriber = await subscribe(
      subscription,
      (data, { orderingKey }) => {
        expect(orderingKey).toBe('game-0022500647');
        seen.push((data as { seq: number }).seq);
      },
      { pubsub, subscriberOptions },
    );
    for (let seq = 0; seq < 10; seq++) {
      await publish(topic, { seq }, { pubsub, orderingKey: 'game-0022500647' });
    }
    await vi.waitFor(() => expect(seen).toHaveLength(10), { timeout: 20_000 });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await subscriber.close();
  }, 30_000);

  it('drains in-flight handlers on close', async () => {
    const topic = unique('drain');
    const subscription = unique('drain-sub');
    await ensureSubscription(subscription, { pubsub, topic });
    let started = 0;
    let finished = 0;
    const subscriber = await subscribe(
      subscription,
      async () => {
        started++;
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished++;
      },
      { pubsub, subscriberOptions, maxMessages: 3 },
    );
    await Promise.all([1, 2, 3].map((n) => publish(topic, { n }, { pubsub })));
    await vi.waitFor(() => expect(started).toBeGreaterThan(0), { timeout: 15_000 });
    await subscriber.close();
    expect(finished).toBe(started);
    expect(subscriber.stats.inFlight).toBe(0);
    expect(subscriber.stats.acked).toBe(started);
  }, 30_000);

  /** A topic and subscription with a dead-letter topic that a plain SDK subscriber collects. */
  async function withDeadLetters(base: string, settings: { deadLetter?: boolean } = {}) {
    const topic = unique(base);
    const subscription = unique(`${base}-sub`);
    const deadLetterTopic = unique(`${base}-dlq`);
    await ensureSubscription(subscription, {
      pubsub,
      topic,
      ...(settings.deadLetter === false ? {} : { deadLetterTopic }),
      maxDeliveryAttempts: 5,
      // Quick redelivery, so a NACK that should not happen shows up within the test.
      retryPolicy: { minimumBackoffSeconds: 0, maximumBackoffSeconds: 1 },
    });
    const deadLetterSubscription = unique(`${base}-dlq-sub`);
    await ensureSubscription(deadLetterSubscription, { pubsub, topic: deadLetterTopic });
    const dead = await collect(deadLetterSubscription);
    return { topic, subscription, dead };
  }

  function permanentErrorFor(kind: string): unknown {
    switch (kind) {
      case 'flagged':
        return Object.assign(new Error('game 0022500647 is not in the schedule'), {
          permanent: true,
        });
      case 'http-404':
        return Object.assign(new Error('box score not found'), { status: 404 });
      case 'validation':
        return PhaseComplete.safeParse({ phase: 9, dataDate: '2026-01-24' }).error;
      default:
        // Retried through a 503, then refused for good with a 403.
        return new RetryError({
          attempts: 2,
          errors: [
            Object.assign(new Error('backend unavailable'), { status: 503 }),
            Object.assign(new Error('access denied to nba_raw'), { status: 403 }),
          ],
          reason: 'maxAttempts',
          elapsedMs: 100,
        });
    }
  }

  it('dead-letters a message whose handler throws a permanent error after one delivery, with the reason', async () => {
    const { topic, subscription, dead } = await withDeadLetters('permanent');
    const calls = new Map<string, number>();
    const subscriber = await subscribe(
      subscription,
      (data) => {
        const { kind } = data as { kind: string };
        calls.set(kind, (calls.get(kind) ?? 0) + 1);
        throw permanentErrorFor(kind);
      },
      { pubsub, subscriberOptions },
    );
    const kinds = ['flagged', 'http-404', 'validation', 'retry-error'];
    for (const kind of kinds) {
      await publish(topic, { kind }, { pubsub, attributes: { processor: 'raw', kind } });
    }
    await vi.waitFor(() => expect(dead.received).toHaveLength(4), { timeout: 20_000 });
    await subscriber.close();
    // One delivery each: Pub/Sub's own dead-lettering would have taken five.
    expect(Object.fromEntries(calls)).toEqual({
      flagged: 1,
      'http-404': 1,
      validation: 1,
      'retry-error': 1,
    });
    expect(subscriber.stats).toMatchObject({ deadLettered: 4, acked: 4, nacked: 0 });
    const byKind = new Map(dead.received.map((m) => [m.attributes.kind, m]));
    expect(JSON.parse(byKind.get('flagged')?.data ?? '')).toEqual({ kind: 'flagged' });
    expect(byKind.get('flagged')?.attributes).toMatchObject({
      processor: 'raw',
      pipewell_error: 'permanent',
      pipewell_reason: 'game 0022500647 is not in the schedule',
      pipewell_error_name: 'Error',
      pipewell_error_class: 'Error',
      pipewell_subscription: subscription,
      pipewell_delivery_attempt: '1',
    });
    expect(byKind.get('flagged')?.attributes.pipewell_message_id).toMatch(/^\d+$/);
    expect(byKind.get('http-404')?.attributes).toMatchObject({
      pipewell_reason: 'box score not found',
      pipewell_error_code: '404',
    });
    expect(byKind.get('validation')?.attributes).toMatchObject({
      pipewell_error: 'permanent',
      pipewell_error_class: 'ZodError',
    });
    expect(byKind.get('validation')?.attributes.pipewell_reason).toContain('phase:');
    expect(byKind.get('retry-error')?.attributes).toMatchObject({
      pipewell_error_name: 'RetryError',
      pipewell_error_code: '403',
    });
    expect(byKind.get('retry-error')?.attributes.pipewell_reason).toContain(
      'access denied to nba_raw',
    );
    await dead.close();
  }, 40_000);

  it('NACKs a transient error (503, 429, a RetryError that ran out on a 503) for redelivery', async () => {
    const { topic, subscription, dead } = await withDeadLetters('transient');
    const attempts = new Map<string, number[]>();
    const transient: Record<string, unknown> = {
      'http-503': Object.assign(new Error('backend unavailable'), { status: 503 }),
      'http-429': Object.assign(new Error('slow down'), { status: 429 }),
      'retry-error': new RetryError({
        attempts: 3,
        errors: [Object.assign(new Error('deadline'), { code: 4 })],
        reason: 'maxAttempts',
        elapsedMs: 100,
      }),
    };
    const subscriber = await subscribe(
      subscription,
      (data, { deliveryAttempt }) => {
        const { kind } = data as { kind: string };
        const seen = [...(attempts.get(kind) ?? []), deliveryAttempt];
        attempts.set(kind, seen);
        if (seen.length === 1) throw transient[kind];
      },
      { pubsub, subscriberOptions },
    );
    for (const kind of Object.keys(transient)) await publish(topic, { kind }, { pubsub });
    await vi.waitFor(
      () => expect([...attempts.values()].map((seen) => seen.length)).toEqual([2, 2, 2]),
      { timeout: 20_000 },
    );
    await subscriber.close();
    expect(Object.fromEntries(attempts)).toEqual({
      'http-503': [1, 2],
      'http-429': [1, 2],
      'retry-error': [1, 2],
    });
    expect(subscriber.stats).toMatchObject({ nacked: 3, acked: 3, deadLettered: 0 });
    expect(dead.received).toHaveLength(0);
    await dead.close();
  }, 40_000);

  it('NACKs a permanent error loudly when the subscription has no dead-letter topic', async () => {
    const { topic, subscription } = await withDeadLetters('permanent-nowhere', {
      deadLetter: false,
    });
    const errors: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (_fields: object, message?: string) => errors.push(message ?? ''),
    };
    let calls = 0;
    const subscriber = await subscribe(
      subscription,
      () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('bad request'), { status: 400 });
      },
      { pubsub, subscriberOptions, logger },
    );
    await publish(topic, { n: 1 }, { pubsub });
    await vi.waitFor(() => expect(calls).toBe(2), { timeout: 20_000 });
    await subscriber.close();
    expect(subscriber.stats).toMatchObject({ nacked: 1, acked: 1, deadLettered: 0 });
    expect(errors).toEqual([expect.stringContaining('has no dead-letter topic to go to, nacking')]);
  }, 30_000);

  it('gives a handler without a schema the parsed JSON, not a Buffer', async () => {
    const { topic, subscription, dead } = await withDeadLetters('untyped');
    const seen: unknown[] = [];
    const subscriber = await subscribe(
      subscription,
      (data) => {
        seen.push(data);
      },
      { pubsub, subscriberOptions },
    );
    await publish(topic, { gameId: '0022500647', points: [31, 12] }, { pubsub });
    // Attributes only, no data: legal Pub/Sub.
    await pubsub.topic(topic).publishMessage({ data: Buffer.alloc(0), attributes: { ping: '1' } });
    // Bytes that are not JSON can never be handled: dead-lettered, not looped.
    await pubsub.topic(topic).publishMessage({ data: Buffer.from('<xml/>') });
    await vi.waitFor(
      () => {
        expect(seen).toHaveLength(2);
        expect(dead.received).toHaveLength(1);
      },
      { timeout: 20_000 },
    );
    await subscriber.close();
    expect(seen.some((data) => Buffer.isBuffer(data))).toBe(false);
    expect(seen).toContainEqual({ gameId: '0022500647', points: [31, 12] });
    expect(seen).toContainEqual(undefined);
    expect(dead.received[0]?.data).toBe('<xml/>');
    expect(dead.received[0]?.attributes).toMatchObject({ pipewell_error: 'validation' });
    expect(dead.received[0]?.attributes.pipewell_reason).toContain('not JSON');
    await dead.close();
  }, 30_000);

  it('handles up to 1000 messages at once by default, as the SDK', async () => {
    const topic = unique('concurrency');
    const subscription = unique('concurrency-sub');
    await ensureSubscription(subscription, { pubsub, topic });
    // A backlog larger than the default, waiting before the subscriber starts.
    await Promise.all(Array.from({ length: 1_100 }, (_, n) => publish(topic, { n }, { pubsub })));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let maxInFlight = 0;
    let handled = 0;
    const opened = vi.spyOn(pubsub, 'subscription');
    let subscriber: Awaited<ReturnType<typeof subscribe>> | undefined;
    try {
      subscriber = await subscribe(
        subscription,
        async (_data, { inFlight }) => {
          maxInFlight = Math.max(maxInFlight, inFlight);
          await gate;
          handled++;
        },
        { pubsub, subscriberOptions },
      );
      // The flow control the SDK was given caps it at 1000, however large the backlog...
      expect(opened).toHaveBeenCalledWith(
        subscription,
        expect.objectContaining({
          flowControl: expect.objectContaining({ maxMessages: 1_000, allowExcessMessages: false }),
        }),
      );
      // ...and 1000 really run at once against the emulator (the old default ran 10).
      const running = subscriber;
      await vi.waitFor(() => expect(running.stats.inFlight).toBe(1_000), { timeout: 20_000 });
    } finally {
      opened.mockRestore();
      release();
    }
    await vi.waitFor(() => expect(handled).toBe(1_100), { timeout: 20_000 });
    await subscriber.close();
    expect(maxInFlight).toBe(1_000);
  }, 40_000);

  it('ten concurrent ensureSubscription calls on a topic that does not exist yet all succeed', async () => {
    const topic = unique('racy-topic');
    const deadLetterTopic = unique('racy-dlq');
    const creates = vi.spyOn(pubsub, 'createTopic');
    try {
      const names = Array.from({ length: 5 }, (_, n) => unique(`racy-sub-${n}`));
      const same = unique('racy-same-sub');
      const results = await Promise.allSettled([
        ...names.map((name) => ensureSubscription(name, { pubsub, topic, deadLetterTopic })),
        ...Array.from({ length: 5 }, () =>
          ensureSubscription(same, { pubsub, topic, deadLetterTopic }),
        ),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      // One creation per topic, shared by every caller on this client.
      expect(creates.mock.calls.map(([name]) => name).sort()).toEqual(
        [deadLetterTopic, topic].sort(),
      );
      for (const name of [...names, same]) {
        const [metadata] = await pubsub.subscription(name).getMetadata();
        expect(metadata.topic).toContain(topic);
      }
    } finally {
      creates.mockRestore();
    }
  }, 30_000);

  it('concurrent ensureTopic and ensureSubscription from two clients all succeed', async () => {
    const clients = [0, 1].map(
      () =>
        new PubSub({
          projectId: emulator.projectId,
          apiEndpoint: emulator.host,
          emulatorMode: true,
        }),
    );
    try {
      // Open both channels first, so their calls really overlap.
      await Promise.all(clients.map((client) => client.getTopics()));
      const topic = unique('two-clients');
      const deadLetterTopic = unique('two-clients-dlq');
      const same = unique('two-clients-sub');
      const calls = Array.from({ length: 10 }, (_, n) => {
        const client = clients[n % 2] as PubSub;
        return n < 4
          ? ensureTopic(topic, { pubsub: client })
          : ensureSubscription(same, { pubsub: client, topic, deadLetterTopic });
      });
      const results = await Promise.allSettled(calls);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const [metadata] = await pubsub.subscription(same).getMetadata();
      expect(metadata.deadLetterPolicy?.deadLetterTopic).toContain(deadLetterTopic);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  }, 30_000);

  it('a client from getPubSub({ env }) talks to the emulator named there', async () => {
    const saved = process.env.PUBSUB_EMULATOR_HOST;
    // Nothing listens on the discard port: reading process.env would miss the emulator.
    process.env.PUBSUB_EMULATOR_HOST = '127.0.0.1:9';
    try {
      const client = getPubSub({
        env: { PUBSUB_EMULATOR_HOST: emulator.host, GCP_PROJECT_ID: emulator.projectId },
      });
      // Checked before any call, so a client aimed elsewhere fails here, not by timing out.
      expect(client.options).toMatchObject({ servicePath: '127.0.0.1', port: emulator.port });
      const topic = unique('from-env');
      await ensureTopic(topic, { pubsub: client });
      const [exists] = await pubsub.topic(topic).exists();
      expect(exists).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
      else process.env.PUBSUB_EMULATOR_HOST = saved;
      await closeAll();
    }
  }, 30_000);

  it('ensureTopic and ensureSubscription are idempotent', async () => {
    const topic = unique('idempotent');
    await ensureTopic(topic, { pubsub });
    await ensureTopic(topic, { pubsub });
    const subscription = unique('idempotent-sub');
    await ensureSubscription(subscription, { pubsub, topic });
    const again = await ensureSubscription(subscription, { pubsub, topic });
    expect(again.name).toContain(subscription);
  }, 30_000);
});
