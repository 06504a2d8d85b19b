// Update throughput of the local state store, printed, never asserted (benchmarks are not tests).
// Run from the repo root: node --conditions=@pipewell/source --import tsx apps/pipeline/src/state/bench-updates.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStateStore } from './local-state.js';

interface Progress {
  done: number;
  games: string[];
}

const rate = (count: number, ms: number): string =>
  `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;
const updates = 5_000;

for (const durability of ['write', 'sync'] as const) {
  const dir = await mkdtemp(join(tmpdir(), 'pipewell-state-bench-'));
  try {
    const state = await openLocalStateStore({ dir, durability });
    let started = performance.now();
    for (let i = 0; i < updates; i++) {
      await state.update<Progress>(
        'progress',
        `2026-01-${String((i % 28) + 1).padStart(2, '0')}`,
        (current) => ({
          done: (current?.done ?? 0) + 1,
          games: [...(current?.games ?? []).slice(-20), `g${i}`],
        }),
      );
    }
    let ms = performance.now() - started;
    console.log(
      `${durability}: updates one at a time: ${rate(updates, ms)} (${(ms / updates).toFixed(3)} ms each)`,
    );

    started = performance.now();
    await Promise.all(
      Array.from({ length: updates }, (_, i) =>
        state.update<Progress>('progress', `doc-${i % 100}`, (current) => ({
          done: (current?.done ?? 0) + 1,
          games: [],
        })),
      ),
    );
    ms = performance.now() - started;
    console.log(
      `${durability}: ${updates} concurrent updates of 100 documents: ${rate(updates, ms)}`,
    );
    await state.close();
    started = performance.now();
    const reopened = await openLocalStateStore({ dir });
    console.log(`${durability}: open + replay: ${(performance.now() - started).toFixed(0)} ms`);
    await reopened.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
