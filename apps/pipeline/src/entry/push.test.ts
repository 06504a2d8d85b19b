import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { type Message, PubSub } from '@google-cloud/pubsub';
import { type RunningEmulator, requireEmulators, startPubSubEmulator } from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pushRouteOf } from '../deploy/index.js';
import type { EngineHandler } from '../orchestration/index.js';
import { OrchestrationError } from '../orchestration/index.js';
import type { MessageContext } from '../queue/index.js';
import { openPubSubQueue, type PubSubQueue } from '../queue/pubsub-queue.js';
import { cloudEventHandler, pubSubMessagePublished } from './cloud-event-handler.js';
import { pushHandler } from './push-handler.js';

const available = requireEmulators('@pipewell/pipeline push entry points');

let emulator: RunningEmulator | undefined;
let pubsub: PubSub;
let queue: PubSubQueue;
let count = 0;
const unique = (base: string): string => `${base}-${Date.now().toString(36)}-${++count}`;

const workSchema = z.object({ n: z.number() });
type Work = z.infer<typeof workSchema>;

/** A fake engine handler on a fresh subscription: the test decides what each delivery does. */
function fakeHandler(
  handle: (data: Work, context: MessageContext) => Promise<void>,
): EngineHandler<Work> {
  const subscription = unique('push');
  const topic = unique('work');
  return {
    subscription,
    topic,
    options: {
      name: subscription,
      topic,
      deadLetterTopic: `${subscription}-dead-letter`,
      maxDeliveryAttempts: 5,
      ackDeadlineMs: 10_000,
      minBackoffMs: 0,
      maxBackoffMs: 1_000,
    },
    schema: workSchema,
    concurrency: 1,
    handle,
  };
}

/** A promise with its resolve, for waiting on a handler's call without sleeping. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Register `handler` with the Functions Framework, serve it on 127.0.0.1 with the framework's
 * own server, and create the push subscription (with its dead-letter policy, as the handler's
 * options say) pointing at the deploy plan's route; a pull subscription reads the dead letters.
 */
async function serve(handler: EngineHandler<Work>) {
  const name = unique('fn');
  functions.http(name, pushHandler([handler as EngineHandler], { deadLetters: queue }));
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const { options } = handler;
  const [deadLetterTopic] = await pubsub.createTopic(options.deadLetterTopic);
  const [deadLetters] = await deadLetterTopic.createSubscription(`${options.deadLetterTopic}-r`);
  const [topic] = await pubsub.createTopic(handler.topic);
  await topic.createSubscription(handler.subscription, {
    pushConfig: {
      pushEndpoint: `http://127.0.0.1:${port}/${pushRouteOf(handler.subscription)}`,
    },
    ackDeadlineSeconds: (options.ackDeadlineMs ?? 10_000) / 1000,
    retryPolicy: { minimumBackoff: { seconds: 0 }, maximumBackoff: { seconds: 1 } },
    deadLetterPolicy: {
      deadLetterTopic: deadLetterTopic.name,
      maxDeliveryAttempts: options.maxDeliveryAttempts ?? 5,
    },
  });
  return {
    publish: (data: unknown) =>
      queue.publish(handler.topic, data, { attributes: { from: 'test' } }),
    /** The next dead letter. */
    nextDeadLetter: () =>
      new Promise<Message>((resolve, reject) => {
        const sub = pubsub.subscription(deadLetters.name, { streamingOptions: { maxStreams: 1 } });
        sub.once('message', (message: Message) => {
          message.ack();
          void sub.close().then(() => resolve(message));
        });
        sub.once('error', reject);
      }),
    close: async () => {
      await pubsub.subscription(handler.subscription).delete();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (available) {
  beforeAll(async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    emulator = await startPubSubEmulator({ projectId: 'demo-pipeline-entry' });
    pubsub = new PubSub({
      projectId: emulator.projectId,
      apiEndpoint: emulator.host,
      emulatorMode: true,
    });
    queue = openPubSubQueue({ pubsub });
  }, 90_000);

  afterAll(async () => {
    await queue?.close();
    await pubsub?.close();
    await emulator?.stop();
  });
}

describe.skipIf(!available)(
  'pushHandler in the Functions Framework, pushed by the emulator',
  {
    timeout: 20_000,
  },
  () => {
    it('handles a published message once and acks it', async () => {
      const calls: Array<{ data: Work; context: MessageContext }> = [];
      const handled = deferred();
      const barrier = deferred();
      const handler = fakeHandler(async (data, context) => {
        calls.push({ data, context });
        if (data.n === 1) handled.resolve();
        // The barrier fails once: its redelivery comes after the backoff, so a redelivery of the
        // first message, had it not been acked, would have come before it.
        else if (calls.filter((c) => c.data.n === 2).length === 1) throw new Error('once');
        else barrier.resolve();
      });
      const push = await serve(handler);
      try {
        const id = await push.publish({ n: 1 });
        await handled.promise;
        await push.publish({ n: 2 });
        await barrier.promise;
        expect(calls.map((c) => c.data.n)).toEqual([1, 2, 2]);
        expect(calls[0]?.context).toMatchObject({
          messageId: id,
          subscription: handler.subscription,
          deliveryAttempt: 1,
          attributes: { from: 'test' },
        });
      } finally {
        await push.close();
      }
    });

    it('answers a transient failure with an error status: Pub/Sub delivers it again', async () => {
      const deliveries: string[] = [];
      const done = deferred();
      const handler = fakeHandler(async (_data, context) => {
        deliveries.push(context.messageId);
        if (deliveries.length === 1) throw new Error('the provider timed out');
        done.resolve();
      });
      const push = await serve(handler);
      try {
        const id = await push.publish({ n: 1 });
        await done.promise;
        // The same message twice. (The emulator's push envelope has no deliveryAttempt; Pub/Sub's
        // has one with a dead-letter policy: the next test shows it reaches the handler.)
        expect(deliveries).toEqual([id, id]);
      } finally {
        await push.close();
      }
    });

    it('dead-letters a permanent failure with the reason, acks it, and it never comes again', async () => {
      const seen: number[] = [];
      const barrier = deferred();
      const handler = fakeHandler(async (data) => {
        seen.push(data.n);
        if (data.n === 1) throw new OrchestrationError('phase 9 has no processor "x"');
        // Fails once: a redelivery of the first message would come before its redelivery.
        if (seen.filter((n) => n === 2).length === 1) throw new Error('once');
        barrier.resolve();
      });
      const push = await serve(handler);
      try {
        const deadLetter = push.nextDeadLetter();
        const id = await push.publish({ n: 1 });
        const letter = await deadLetter;
        expect(JSON.parse(letter.data.toString())).toEqual({ n: 1 });
        expect(letter.attributes).toMatchObject({
          from: 'test',
          pipewell_error: 'permanent',
          pipewell_reason: 'phase 9 has no processor "x"',
          pipewell_error_name: 'OrchestrationError',
          pipewell_subscription: handler.subscription,
          pipewell_message_id: id,
          pipewell_delivery_attempt: '1',
        });
        await push.publish({ n: 2 });
        await barrier.promise;
        expect(seen).toEqual([1, 2, 2]);
      } finally {
        await push.close();
      }
    });

    it('dead-letters a message that fails the schema without calling the handler', async () => {
      const seen: number[] = [];
      const handler = fakeHandler(async (data) => {
        seen.push(data.n);
      });
      const push = await serve(handler);
      try {
        const deadLetter = push.nextDeadLetter();
        await push.publish({ n: 'one' });
        const letter = await deadLetter;
        expect(letter.attributes).toMatchObject({ pipewell_error: 'validation' });
        expect(letter.attributes.pipewell_reason).toMatch(/^n: /);
        expect(seen).toEqual([]);
      } finally {
        await push.close();
      }
    });
  },
);

describe.skipIf(!available)('the push endpoint answers', () => {
  it('400 to a body that is no push envelope, 404 to an unknown subscription', async () => {
    const contexts: MessageContext[] = [];
    const handler = fakeHandler(async (_data, context) => {
      contexts.push(context);
    });
    const name = unique('fn');
    functions.http(name, pushHandler([handler as EngineHandler], { deadLetters: queue }));
    const server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const post = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    try {
      expect((await post(`/${pushRouteOf(handler.subscription)}`, { message: {} })).status).toBe(
        400,
      );
      const envelope = {
        message: { data: Buffer.from('{"n":1}').toString('base64'), messageId: '1' },
        subscription: 'projects/p/subscriptions/nobody',
      };
      expect((await post('/pubsub/nobody', envelope)).status).toBe(404);
      const routed = await post('/', {
        ...envelope,
        subscription: `projects/p/subscriptions/${handler.subscription}`,
        deliveryAttempt: 3,
      });
      expect(routed.status).toBe(204);
      expect(contexts).toHaveLength(1);
      expect(contexts[0]).toMatchObject({ messageId: '1', deliveryAttempt: 3 });
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(405);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe.skipIf(!available)('cloudEventHandler in the Functions Framework', () => {
  it('acks a handled event, fails a transient error, dead-letters a permanent one', async () => {
    const handler = fakeHandler(async (data) => {
      if (data.n === 2) throw new Error('the provider timed out');
      if (data.n === 3) throw new OrchestrationError('never works');
    });
    const [deadLetterTopic] = await pubsub.createTopic(handler.options.deadLetterTopic);
    const [reader] = await deadLetterTopic.createSubscription(unique('reader'));
    const name = unique('event');
    functions.cloudEvent(name, cloudEventHandler(handler as EngineHandler, { deadLetters: queue }));
    const server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const send = (n: number) =>
      fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ce-id': `m${n}`,
          'ce-specversion': '1.0',
          'ce-type': pubSubMessagePublished,
          'ce-source': `//pubsub.googleapis.com/projects/p/topics/${handler.topic}`,
        },
        body: JSON.stringify({
          message: {
            data: Buffer.from(JSON.stringify({ n })).toString('base64'),
            messageId: `m${n}`,
          },
          subscription: 'projects/p/subscriptions/eventarc-trigger',
        }),
      });
    try {
      expect((await send(1)).status).toBe(204);
      expect((await send(2)).status).toBe(500);
      const letter = new Promise<Message>((resolve) => {
        const sub = pubsub.subscription(reader.name, { streamingOptions: { maxStreams: 1 } });
        sub.once('message', (message: Message) => {
          message.ack();
          void sub.close().then(() => resolve(message));
        });
      });
      expect((await send(3)).status).toBe(204);
      expect((await letter).attributes).toMatchObject({
        pipewell_error: 'permanent',
        pipewell_reason: 'never works',
        pipewell_subscription: handler.subscription,
        pipewell_message_id: 'm3',
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
