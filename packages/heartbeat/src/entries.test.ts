import { describe, expect, it } from 'vitest';
import * as main from './index.js';
import * as store from './store.js';
import * as testing from './testing.js';

describe('entry points', () => {
  it('keeps test code on /testing and store-implementer helpers on /store', () => {
    expect(Object.keys(main).sort()).toEqual([
      'HeartbeatOptionsError',
      'createMemoryHeartbeatStore',
      'createStaleMonitor',
      'findStaleRuns',
      'lastDetails',
      'latestRun',
      'meetsStaleClaim',
      'runKeyId',
      'startHeartbeat',
    ]);
    expect(Object.keys(store).sort()).toEqual(['checkRunFilter', 'meetsStaleClaim', 'runKeyId']);
    expect(Object.keys(testing).sort()).toEqual([
      'createFlakyHeartbeatStore',
      'heartbeatStoreContract',
    ]);
  });

  it('keeps the moved helpers on the main entry, deprecated, as the same functions', () => {
    expect(main.runKeyId).toBe(store.runKeyId);
    expect(main.meetsStaleClaim).toBe(store.meetsStaleClaim);
  });
});

describe('createMemoryHeartbeatStore', () => {
  it('counts its writes and shows its records', async () => {
    const memory = main.createMemoryHeartbeatStore();
    const key = { processorName: 'p', dataDate: '2026-01-24', runId: 'r' };
    await memory.upsert(key, { status: 'running', lastBeatAt: 1 });
    await memory.claimStale(key, { lastBeatBefore: 10, at: 20 });
    expect(memory.writes).toBe(2);
    expect(memory.snapshot()).toEqual([expect.objectContaining({ ...key, status: 'stale' })]);
  });

  it('fills every field of a record a partial first write leaves out', async () => {
    const memory = main.createMemoryHeartbeatStore();
    const key = { processorName: 'p', dataDate: '2026-01-24', runId: 'r' };
    await memory.upsert(key, { lastBeatAt: 5 });
    expect(await memory.get(key)).toEqual({
      ...key,
      status: 'running',
      startedAt: 0,
      lastBeatAt: 5,
      lastProgressAt: 0,
      beats: 0,
      details: null,
      stoppedAt: null,
      summary: null,
      staleAt: null,
    });
  });

  it('still fails on the deprecated failWith until its removal', async () => {
    const memory = main.createMemoryHeartbeatStore();
    const down = new Error('down');
    memory.failWith(down);
    await expect(
      memory.get({ processorName: 'p', dataDate: '2026-01-24', runId: 'r' }),
    ).rejects.toBe(down);
    memory.failWith(undefined);
    expect(await memory.listRuns({})).toEqual([]);
  });
});
