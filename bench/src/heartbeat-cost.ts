import { createVirtualClock } from '@pipewell/core/testing';
import { createMemoryHeartbeatStore, startHeartbeat } from '@pipewell/heartbeat';
import { measure, report } from './measure.js';

const key = { processorName: 'bench', dataDate: '2026-01-24' };

// 1. Store writes per hour per running processor at the default interval, while the processor
// calls beat() ten times a second: virtual time, so the hour takes a moment.
{
  const clock = createVirtualClock();
  const store = createMemoryHeartbeatStore();
  const heartbeat = startHeartbeat({ ...key, runId: 'hour', store, clock });
  let beats = 0;
  for (let ms = 0; ms < 3_600_000; ms += 100) {
    heartbeat.beat({ rowsDone: ++beats });
    await clock.advance(100);
  }
  await heartbeat.stop('succeeded');
  console.log(
    `\nheartbeat store writes in one hour at the default 30 s interval: ${store.writes} ` +
      `(start + ticks + stop) for ${beats} beat() calls; a write per beat would be ${beats}.`,
  );
}

// 2. The cost of beat() on the hot path: it must not wait for the store. Side by side with what a
// hand-copied helper does, awaiting a store write per beat (to an in-memory store, so the
// figure is the floor: a real store adds a network round trip).
const store = createMemoryHeartbeatStore();
const heartbeat = startHeartbeat({ ...key, runId: 'hot', store, intervalMs: 3_600_000 });
const naiveStore = createMemoryHeartbeatStore();
let i = 0;
const noop = (_details: object): void => {};

const results = await measure([
  { name: 'bare call with the same details', call: async () => noop({ rowsDone: ++i }) },
  { name: 'pipewell heartbeat.beat(details)', call: async () => heartbeat.beat({ rowsDone: ++i }) },
  {
    name: 'await store write per beat (memory)',
    call: () =>
      naiveStore.upsert(
        { ...key, runId: 'naive' },
        { lastBeatAt: Date.now(), details: { rowsDone: ++i } },
      ),
  },
]);
report(`heartbeat beat() cost (node ${process.version}, ${process.arch})`, results);
const ns = new Map(results.map((r) => [r.name, r.nsPerCall]));
console.log(
  `\nbeat() is ${((ns.get('await store write per beat (memory)') ?? Number.NaN) / (ns.get('pipewell heartbeat.beat(details)') ?? Number.NaN)).toFixed(1)}x ` +
    'cheaper than awaiting an in-memory write per beat, and never waits on the network.',
);
await heartbeat.stop('succeeded');
