import { PubSub } from '@google-cloud/pubsub';
import { type RunningEmulator, requireEmulators, startPubSubEmulator } from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ClientConfigError } from './project.js';
import { createTypedTopic, ensureSubscription, ensureTopic, publish, subscribe } from './pubsub.js';

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

  it('NACKs a message whose handler throws, so it is redelivered', async () => {
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
        if (attempts.length === 1) throw new Error('BigQuery 503');
      },
      { pubsub, subscriberOptions },
    );
    await publish(topic, { gameId: '0022500647' }, { pubsub });
    await vi.waitFor(() => expect(attempts).toHaveLength(2), { timeout: 20_000 });
    expect(attempts).toEqual([1, 2]);
    await subscriber.close();
    expect(subscriber.stats).toMatchObject({ nacked: 1, acked: 1 });
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
      (data: Buffer, { orderingKey }) => {
        expect(orderingKey).toBe('game-0022500647');
        seen.push(JSON.parse(data.toString()).seq);
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
