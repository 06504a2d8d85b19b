// Throughput of the local queue, printed, never asserted (benchmarks are not tests). Run from the
// repo root: node --conditions=@pipewell/source --import tsx apps/pipeline/src/queue/bench-throughput.ts
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalQueue } from './local-queue.js';

const dir = await mkdtemp(join(tmpdir(), 'pipewell-queue-bench-'));
const payload = {
  gameKey: '20260124_BOS_CHI',
  playerId: 1628369,
  points: 31,
  note: 'x'.repeat(80),
};
const rate = (count: number, ms: number): string =>
  `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;

try {
  const queue = await openLocalQueue({ dir });
  await queue.ensureSubscription({ name: 'bench', topic: 'bench-topic' });
  await queue.ensureSubscription({ name: 'stored', topic: 'stored-topic' });

  // Publishes awaited one at a time: each waits for its own flush to disk.
  const sequential = 500;
  let started = performance.now();
  for (let i = 0; i < sequential; i++) await queue.publish('stored-topic', { ...payload, i });
  let ms = performance.now() - started;
  console.log(
    `publish, one at a time:   ${rate(sequential, ms)} (${(ms / sequential).toFixed(2)} ms each)`,
  );

  // Concurrent publishes share flushes (group commit).
  const total = 20_000;
  const wave = 1_000;
  started = performance.now();
  for (let sent = 0; sent < total; sent += wave) {
    await Promise.all(
      Array.from({ length: wave }, (_, i) =>
        queue.publish('stored-topic', { ...payload, i: sent + i }),
      ),
    );
  }
  ms = performance.now() - started;
  console.log(`publish, ${wave} at a time: ${rate(total, ms)}`);

  // Publish, deliver and ack, end to end.
  let handled = 0;
  await queue.subscribe(
    'bench',
    () => {
      handled++;
    },
    { concurrency: 100 },
  );
  started = performance.now();
  for (let sent = 0; sent < total; sent += wave) {
    await Promise.all(
      Array.from({ length: wave }, (_, i) =>
        queue.publish('bench-topic', { ...payload, i: sent + i }),
      ),
    );
  }
  await queue.idle();
  ms = performance.now() - started;
  console.log(`publish + handle + ack:   ${rate(handled, ms)} (${handled} messages)`);
  const journalBytes = (await stat(join(dir, 'queue.jsonl'))).size;
  await queue.close();

  // Replay on open: the 20,500 messages of "stored" are still pending.
  started = performance.now();
  const reopened = await openLocalQueue({ dir });
  ms = performance.now() - started;
  console.log(
    `open + replay:            ${ms.toFixed(0)} ms for a ${(journalBytes / 1e6).toFixed(1)} MB journal, ${reopened.recovery.pending} pending`,
  );
  started = performance.now();
  await reopened.compact();
  ms = performance.now() - started;
  const compacted = (await stat(join(dir, 'queue.jsonl'))).size;
  console.log(
    `compact:                  ${ms.toFixed(0)} ms, ${(journalBytes / 1e6).toFixed(1)} MB -> ${(compacted / 1e6).toFixed(1)} MB`,
  );
  await reopened.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
