import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVirtualClock } from '@pipewell/core/testing';
import { heartbeatStoreContract } from '@pipewell/heartbeat/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createStateHeartbeatStore } from './heartbeat-store.js';
import { type LocalStateStore, openLocalStateStore } from './local-state.js';

let dir: string | undefined;
let state: Promise<LocalStateStore> | undefined;

/** One local store for the whole suite: each contract test uses processor names of its own. */
function localState(): Promise<LocalStateStore> {
  state ??= mkdtemp(join(tmpdir(), 'pipewell-heartbeat-')).then((made) => {
    dir = made;
    return openLocalStateStore({ dir: made, clock: createVirtualClock() });
  });
  return state;
}

afterAll(async () => {
  await (await state)?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('createStateHeartbeatStore on the local state store', () => {
  heartbeatStoreContract({
    it,
    makeStore: async () => createStateHeartbeatStore(await localState()),
  });

  it('keeps runs across a reopen of the state store', async () => {
    const made = await mkdtemp(join(tmpdir(), 'pipewell-heartbeat-reopen-'));
    try {
      const key = { processorName: 'box_scores', dataDate: '2026-01-24', runId: 'r/1' };
      const first = await openLocalStateStore({ dir: made });
      await createStateHeartbeatStore(first).upsert(key, { status: 'running', beats: 3 });
      await first.close();
      const second = await openLocalStateStore({ dir: made });
      expect(await createStateHeartbeatStore(second).get(key)).toMatchObject({ ...key, beats: 3 });
      await second.close();
    } finally {
      await rm(made, { recursive: true, force: true });
    }
  });
});
