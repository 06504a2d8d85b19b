import { type Message, PubSub } from '@google-cloud/pubsub';
import { ensureSubscription, ensureTopic, subscribe } from '@pipewell/clients/pubsub';
import { emulatorAvailability, startPubSubEmulator } from '@pipewell/emulators';

// Messages per second and CPU per message of pipewell's subscribe() against the SDK's own
// subscriber, side by side on one Pub/Sub emulator, with a handler that waits 20 ms on I/O (the
// shape of a pipeline processor: a query, a write, an HTTP call). Each contender drains its own
// subscription of the same backlog; contenders take turns round by round.
//
//   BENCH_MESSAGES=3000 BENCH_ROUNDS=3 tsx src/subscriber-throughput.ts

const messages = Number(process.env.BENCH_MESSAGES ?? 3_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const ioWaitMs = 20;
// With several streams the emulator was seen redelivering acked messages (see DESIGN.md).
const streamingOptions = { maxStreams: 1 };

const { available, reason } = emulatorAvailability();
if (!available) {
  console.log(`subscriber-throughput: skipped, the Pub/Sub emulator cannot run here (${reason})`);
  process.exit(0);
}

const ioWait = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, ioWaitMs));

interface Contender {
  readonly name: string;
  /** How many messages of the backlog it is timed on. @default all of them */
  readonly messages?: number;
  /** Start draining `subscription`; `done(id)` is called as each message's work finishes. */
  readonly start: (
    subscription: string,
    done: (id: string) => void,
  ) => Promise<() => Promise<void>>;
}

interface Sample {
  readonly perSecond: number;
  readonly cpuUsPerMessage: number;
}

process.env.METADATA_SERVER_DETECTION = 'none';
const emulator = await startPubSubEmulator({ projectId: 'demo-bench' });
const pubsub = new PubSub({
  projectId: emulator.projectId,
  apiEndpoint: emulator.host,
  emulatorMode: true,
});

const pipewell = (maxMessages: number | undefined): Contender['start'] => {
  return async (subscription, done) => {
    const subscriber = await subscribe(
      subscription,
      async (_data, { id }) => {
        await ioWait();
        done(id);
      },
      {
        pubsub,
        subscriberOptions: { streamingOptions },
        ...(maxMessages === undefined ? {} : { maxMessages }),
      },
    );
    return () => subscriber.close();
  };
};

const contenders: Contender[] = [
  {
    // What a user writes by hand: parse the JSON, do the work, ack.
    name: 'SDK subscriber (its default, 1000)',
    start: async (subscription, done) => {
      const handle = pubsub.subscription(subscription, { streamingOptions });
      handle.on('message', async (message: Message) => {
        JSON.parse(message.data.toString('utf8'));
        await ioWait();
        message.ack();
        done(message.id);
      });
      return () => handle.close();
    },
  },
  { name: 'pipewell subscribe (default, 1000)', start: pipewell(undefined) },
  { name: 'pipewell subscribe (maxMessages 100)', start: pipewell(100) },
  // The old default, timed on a tenth of the backlog (the whole would take minutes); the rest
  // stays on its own subscription.
  {
    name: `pipewell subscribe (maxMessages 10; ${Math.ceil(messages / 10)} msgs)`,
    messages: Math.ceil(messages / 10),
    start: pipewell(10),
  },
];

const topic = `bench-${Date.now().toString(36)}`;
await ensureTopic(topic, { pubsub });
const subscriptionOf = new Map<string, string>();
for (const [index, contender] of contenders.entries()) {
  const subscription = `${topic}-sub-${index}`;
  await ensureSubscription(subscription, { pubsub, topic });
  subscriptionOf.set(contender.name, subscription);
}

async function publishBacklog(): Promise<void> {
  const handle = pubsub.topic(topic);
  const sends: Promise<string>[] = [];
  for (let n = 0; n < messages; n++) {
    sends.push(
      handle.publishMessage({ json: { gameId: `00225${String(n).padStart(5, '0')}`, n } }),
    );
  }
  await Promise.all(sends);
}

async function run(contender: Contender): Promise<Sample> {
  const count = contender.messages ?? messages;
  const seen = new Set<string>();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const cpuBefore = process.cpuUsage();
  const startedAt = process.hrtime.bigint();
  const stop = await contender.start(subscriptionOf.get(contender.name) ?? '', (id) => {
    seen.add(id);
    if (seen.size === count) finish();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 120_000);
  });
  const outcome = await Promise.race([finished.then(() => 'done' as const), timedOut]);
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  await stop();
  if (outcome === 'timeout') {
    throw new Error(`${contender.name}: only ${seen.size} of ${count} messages in 120 s`);
  }
  return { perSecond: count / seconds, cpuUsPerMessage: (cpu.user + cpu.system) / count };
}

const samples = new Map<string, Sample[]>(contenders.map(({ name }) => [name, []]));
for (let round = 0; round < rounds; round++) {
  await publishBacklog();
  // Rotate the order, so a slow moment of the machine or emulator hits every contender alike.
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length] as Contender);
  for (const contender of order) samples.get(contender.name)?.push(await run(contender));
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const results = contenders.map(({ name }) => {
  const runs = samples.get(name) ?? [];
  return {
    name,
    perSecond: median(runs.map((s) => s.perSecond)),
    cpuUsPerMessage: median(runs.map((s) => s.cpuUsPerMessage)),
  };
});
const baseline = results[0];
console.log(
  `\nsubscriber throughput, ${messages} messages x ${rounds} rounds, handler awaits ${ioWaitMs} ms, ` +
    `one stream, Pub/Sub emulator (node ${process.version}, ${process.arch}); medians of rounds`,
);
console.log(
  `${'contender'.padEnd(46)}${'msg/s'.padStart(9)}${'x SDK'.padStart(8)}${'CPU us/msg'.padStart(12)}${'x SDK'.padStart(8)}`,
);
for (const { name, perSecond, cpuUsPerMessage } of results) {
  console.log(
    `${name.padEnd(46)}${perSecond.toFixed(0).padStart(9)}${(perSecond / (baseline?.perSecond ?? Number.NaN)).toFixed(2).padStart(8)}` +
      `${cpuUsPerMessage.toFixed(0).padStart(12)}${(cpuUsPerMessage / (baseline?.cpuUsPerMessage ?? Number.NaN)).toFixed(2).padStart(8)}`,
  );
}
// Pub/Sub sends a stream more messages only as acks come back, and the SDK batches acks for up
// to 100 ms, so each slot of maxMessages turns over about every (handler time + 0.1 s).
const turnover = ioWaitMs / 1000 + 0.1;
console.log(
  `\nCeiling with ${ioWaitMs} ms handlers: about maxMessages / ${turnover.toFixed(2)} s, that is ` +
    `${Math.round(10 / turnover)} msg/s at 10, ${Math.round(100 / turnover)} at 100 and ` +
    `${Math.round(1_000 / turnover)} at 1000 (then the stream is the limit).`,
);

await pubsub.close();
await emulator.stop();
