// A process for the idle test: its handler fails once, so the message waits for a redelivery on
// a real, unref'd timer while the process has nothing else to do but await idle(). Run: node
// --conditions=@pipewell/source --import tsx idle-child.fixture.ts <queue dir>
import { openLocalQueue } from './local-queue.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: idle-child.fixture.ts <queue dir>');
const queue = await openLocalQueue({ dir });
await queue.ensureSubscription({
  name: 'work-sub',
  topic: 'work',
  minBackoffMs: 300,
  maxBackoffMs: 300,
});
const attempts: number[] = [];
await queue.subscribe('work-sub', (_data, context) => {
  attempts.push(context.deliveryAttempt);
  if (context.deliveryAttempt === 1) throw new Error('fails once');
});
await queue.publish('work', {});
await queue.idle();
process.stdout.write(`${JSON.stringify({ idle: true, attempts })}\n`);
await queue.close();
