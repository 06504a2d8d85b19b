import { describe, expect, it } from 'vitest';
import { createMemoryHeartbeatStore } from '../memory-store.js';
import { createFlakyHeartbeatStore } from './flaky-store.js';

const key = { processorName: 'box_scores', dataDate: '2026-01-24', runId: 'run-1' };
const fields = {
  status: 'running',
  startedAt: 0,
  lastBeatAt: 0,
  lastProgressAt: 0,
  beats: 0,
} as const;
const claim = { lastBeatBefore: 1_000, at: 5_000 };

describe('createFlakyHeartbeatStore', () => {
  it('passes every call through until failWith, then rejects without reaching the store', async () => {
    const inner = createMemoryHeartbeatStore();
    const store = createFlakyHeartbeatStore(inner);
    await store.upsert(key, fields);
    expect(await store.get(key)).toMatchObject({ ...key, status: 'running' });
    const down = Object.assign(new Error('UNAVAILABLE'), { code: 14 });
    store.failWith(down);
    await expect(store.upsert(key, { beats: 5 })).rejects.toBe(down);
    await expect(store.get(key)).rejects.toBe(down);
    await expect(store.listRuns({})).rejects.toBe(down);
    await expect(store.claimStale(key, claim)).rejects.toBe(down);
    // Nothing reached the store underneath.
    expect(inner.writes).toBe(1);
    expect((await inner.get(key))?.beats).toBe(0);
    expect(store.calls).toEqual({ upsert: 2, get: 2, listRuns: 1, claimStale: 1 });
    store.failWith(undefined);
    expect(await store.claimStale(key, claim)).toBe(true);
    expect((await inner.get(key))?.status).toBe('stale');
  });

  it('fails only the methods chosen, only the number of times chosen', async () => {
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    const denied = Object.assign(new Error('PERMISSION_DENIED'), { code: 7 });
    store.failWith(denied, { methods: ['upsert'], times: 2 });
    await expect(store.upsert(key, fields)).rejects.toBe(denied);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.listRuns({})).toEqual([]);
    await expect(store.upsert(key, fields)).rejects.toBe(denied);
    await store.upsert(key, fields);
    expect((await store.get(key))?.status).toBe('running');
    expect(store.calls.upsert).toBe(3);
  });

  it('refuses a bad filter before the simulated failure, as a store refuses it before its backend', async () => {
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    store.failWith(new Error('down'));
    await expect(store.listRuns({ dataDate: '2026-02-30' })).rejects.toMatchObject({
      name: 'HeartbeatOptionsError',
      option: 'dataDate',
    });
  });

  it('refuses bad arguments, naming them', () => {
    expect(() => createFlakyHeartbeatStore({} as never)).toThrow(
      expect.objectContaining({ name: 'HeartbeatOptionsError', option: 'inner' }),
    );
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    expect(() => store.failWith('down' as never)).toThrow(
      expect.objectContaining({ option: 'error' }),
    );
    expect(() => store.failWith(new Error('x'), { methods: ['delete' as never] })).toThrow(
      expect.objectContaining({ option: 'methods' }),
    );
    expect(() => store.failWith(new Error('x'), { methods: [] })).toThrow(
      expect.objectContaining({ option: 'methods' }),
    );
    expect(() => store.failWith(new Error('x'), { times: 0 })).toThrow(
      expect.objectContaining({ option: 'times' }),
    );
    expect(() => store.failWith(new Error('x'), { times: 1.5 })).toThrow(
      expect.objectContaining({ option: 'times' }),
    );
  });
});
