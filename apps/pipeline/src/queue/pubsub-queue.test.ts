import { PubSub } from '@google-cloud/pubsub';
import { catchError } from '@pipewell/core/testing';
import { type RunningEmulator, requireEmulators, startPubSubEmulator } from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueContract } from './contract.js';
import { QueueInputError } from './errors.js';
import { openPubSubQueue, type PubSubQueue } from './pubsub-queue.js';

const available = requireEmulators('@pipewell/pipeline Pub/Sub queue');

let emulator: RunningEmulator | undefined;
let pubsub: PubSub;
// One stream per subscriber: with several, the emulator was seen redelivering acked messages.
const subscriberOptions = { streamingOptions: { maxStreams: 1 } };
let count = 0;
const unique = (base: string): string => `${base}-${Date.now().toString(36)}-${++count}`;

if (available) {
  beforeAll(async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    emulator = await startPubSubEmulator({ projectId: 'demo-pipeline-queue' });
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
}

const open = (): PubSubQueue => openPubSubQueue({ pubsub, subscriberOptions });

describe.skipIf(!available)('on the Pub/Sub emulator', () => {
  queueContract('Pub/Sub', async () => {
    const queue = open();
    return { queue, run: (promise) => promise, attemptsReason: false, close: () => queue.close() };
  });

  describe('openPubSubQueue', { timeout: 30_000 }, () => {
    it('gives an existing subscription the settings it is ensured with', async () => {
      await using queue = open();
      const name = unique('settings');
      const topic = unique('work');
      await queue.ensureSubscription({ name, topic, ackDeadlineMs: 10_000 });
      const deadLetterTopic = unique('dead-letters');
      await queue.ensureSubscription({
        name,
        topic,
        ackDeadlineMs: 30_000,
        minBackoffMs: 1_000,
        maxBackoffMs: 5_000,
        deadLetterTopic,
        maxDeliveryAttempts: 7,
      });
      const [metadata] = await pubsub.subscription(name).getMetadata();
      expect(metadata.ackDeadlineSeconds).toBe(30);
      expect(Number(metadata.retryPolicy?.minimumBackoff?.seconds)).toBe(1);
      expect(Number(metadata.retryPolicy?.maximumBackoff?.seconds)).toBe(5);
      expect(metadata.deadLetterPolicy).toMatchObject({
        deadLetterTopic: `projects/${emulator?.projectId}/topics/${deadLetterTopic}`,
        maxDeliveryAttempts: 7,
      });
      // Idempotent: the same settings again change nothing and do not throw.
      await queue.ensureSubscription({
        name,
        topic,
        ackDeadlineMs: 30_000,
        minBackoffMs: 1_000,
        maxBackoffMs: 5_000,
        deadLetterTopic,
        maxDeliveryAttempts: 7,
      });
      expect(
        (
          await catchError(
            queue.ensureSubscription({ name, topic: unique('other') }),
            QueueInputError,
          )
        ).message,
      ).toContain(`subscription ${name} exists on topic ${topic}`);
      expect(
        (
          await catchError(
            queue.ensureSubscription({ name, topic, enableMessageOrdering: true }),
            QueueInputError,
          )
        ).option,
      ).toBe('enableMessageOrdering');
    });

    it('refuses what Pub/Sub cannot take, naming the option, and an unknown topic or subscription', async () => {
      await using queue = open();
      expect(
        (
          await catchError(
            queue.ensureSubscription({ name: unique('sub'), topic: 'work', ackDeadlineMs: 1_500 }),
            QueueInputError,
          )
        ).option,
      ).toBe('ackDeadlineMs');
      expect(
        (
          await catchError(
            queue.ensureSubscription({ name: unique('sub'), topic: 'work', minBackoffMs: 500 }),
            QueueInputError,
          )
        ).option,
      ).toBe('minBackoffMs');
      expect(
        (await catchError(queue.publish(unique('missing'), {}), QueueInputError)).message,
      ).toContain('does not exist: create it with ensureTopic');
      expect(
        (
          await catchError(
            queue.subscribe(unique('nobody'), () => {}),
            QueueInputError,
          )
        ).option,
      ).toBe('subscription');
    });

    it('counts its own publish as pending until it settles here, unless exclusiveSubscriptions is false', async () => {
      for (const exclusiveSubscriptions of [true, false]) {
        await using queue = openPubSubQueue({ pubsub, subscriberOptions, exclusiveSubscriptions });
        const topic = unique('work');
        const name = unique('shared');
        await queue.ensureSubscription({ name, topic });
        let release!: () => void;
        const blocked = new Promise<void>((resolve) => {
          release = resolve;
        });
        const seen: unknown[] = [];
        await queue.subscribe(
          name,
          async (data: { n: number }) => {
            seen.push(data.n);
            if (data.n === 1) await blocked;
          },
          { concurrency: 1 },
        );
        await queue.publish(topic, { n: 1 });
        await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1]);
        // Held back by flow control while the first runs: not yet here.
        await queue.publish(topic, { n: 2 });
        expect(queue.stats()[name]).toMatchObject({
          inFlight: 1,
          pending: exclusiveSubscriptions ? 1 : 0,
        });
        release();
        await expect.poll(() => queue.stats()[name]?.acked, { timeout: 10_000 }).toBe(2);
        await queue.idle();
        expect(seen).toEqual([1, 2]);
      }
    });
  });
});
