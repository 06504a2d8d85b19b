// A process for the crash test: it publishes, starts handling, reports on stdout, and hangs in
// its handler until the test kills it. Run: node --conditions=@pipewell/source --import tsx
// crash-child.fixture.ts <queue dir>
import { openLocalQueue } from './local-queue.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: crash-child.fixture.ts <queue dir>');
const report = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const queue = await openLocalQueue({ dir });
await queue.ensureSubscription({ name: 'work-sub', topic: 'work', ackDeadlineMs: 600_000 });
await queue.subscribe(
  'work-sub',
  async (data, context) => {
    report({ handling: data, attempt: context.deliveryAttempt });
    // Never returns: the test kills the process here. The interval keeps the process alive (the
    // queue's own timers are unref'd).
    await new Promise(() => setInterval(() => {}, 60_000));
  },
  { concurrency: 1 },
);
const ids = await Promise.all(Array.from({ length: 200 }, (_, n) => queue.publish('work', { n })));
report({ published: ids.length });
