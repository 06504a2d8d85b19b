import { createVirtualClock, type Logger, RetryError } from '@pipewell/retry';
import { describe, expect, it } from 'vitest';
import { HeartbeatOptionsError } from './errors.js';
import { lastDetails, latestRun, startHeartbeat } from './heartbeat.js';
import { createMemoryHeartbeatStore } from './store.js';

const key = { processorName: 'box_scores', dataDate: '2026-01-24', runId: 'run-1' };

function recordingLogger() {
  const lines: Array<{ level: string; fields: object; message: string | undefined }> = [];
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

describe('startHeartbeat', () => {
  it('records the run as running at once, then writes on the interval with the latest details', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...key, store, clock, intervalMs: 30_000 });
    await heartbeat.flush();
    expect(await store.get(key)).toMatchObject({
      ...key,
      status: 'running',
      startedAt: 1_000,
      lastBeatAt: 1_000,
      beats: 0,
      details: null,
      stoppedAt: null,
    });
    expect(store.writes).toBe(1);

    await clock.advance(5_000);
    heartbeat.beat({ rowsDone: 10 });
    heartbeat.beat({ rowsDone: 20, cursor: 'game-0022500647' });
    // beat() never writes by itself.
    expect(store.writes).toBe(1);

    await clock.advance(25_000);
    await heartbeat.flush();
    expect(store.writes).toBe(2);
    expect(await store.get(key)).toMatchObject({
      lastBeatAt: 31_000,
      lastProgressAt: 6_000,
      beats: 2,
      details: { rowsDone: 20, cursor: 'game-0022500647' },
    });

    // Busy in a long call: no beat() for two intervals, yet the heartbeat keeps being written.
    await clock.advance(60_000);
    await heartbeat.flush();
    expect(store.writes).toBe(4);
    expect((await store.get(key))?.lastBeatAt).toBe(91_000);
    await heartbeat.stop('succeeded', { rows: 20 });
  });

  it('stop() records the end, clears its timer, and returns the same promise twice', async () => {
    const clock = createVirtualClock();
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...key, store, clock });
    heartbeat.beat({ rowsDone: 5 });
    await clock.advance(1_000);
    const stopping = heartbeat.stop('failed', { error: 'provider 500' });
    expect(heartbeat.stop('succeeded')).toBe(stopping);
    await stopping;
    expect(clock.pendingTimers).toBe(0);
    expect(heartbeat.stopped).toBe(true);
    expect(await store.get(key)).toMatchObject({
      status: 'failed',
      stoppedAt: 1_000,
      summary: { error: 'provider 500' },
      details: { rowsDone: 5 },
    });
    const writes = store.writes;
    await clock.advance(600_000);
    expect(store.writes).toBe(writes);
  });

  it('ignores beats after stop, with a warning', async () => {
    const { logger, lines } = recordingLogger();
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...key, store, clock: createVirtualClock(), logger });
    await heartbeat.stop('succeeded');
    heartbeat.beat({ late: true });
    expect(heartbeat.stats.beats).toBe(0);
    expect(lines).toEqual([
      { level: 'warn', fields: key, message: 'heartbeat: beat() after stop() is ignored' },
    ]);
  });

  it('is disposable: leaving the block without stop() records a cancelled run', async () => {
    const clock = createVirtualClock();
    const store = createMemoryHeartbeatStore();
    {
      await using heartbeat = startHeartbeat({ ...key, store, clock });
      heartbeat.beat();
    }
    expect(await store.get(key)).toMatchObject({
      status: 'cancelled',
      summary: { reason: 'disposed before stop()' },
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('never fails the processor when the store fails: retries, logs, counts', async () => {
    const clock = createVirtualClock();
    const store = createMemoryHeartbeatStore();
    const { logger, lines } = recordingLogger();
    store.failWith(new Error('firestore unavailable'));
    const heartbeat = startHeartbeat({ ...key, store, clock, logger, intervalMs: 30_000 });
    const drained = heartbeat.flush();
    await clock.runAll(drained);
    await drained;
    expect(heartbeat.stats).toMatchObject({ writes: 0, failedWrites: 1, retries: 4 });
    expect(RetryError.isInstance(heartbeat.stats.lastError)).toBe(true);
    expect(((heartbeat.stats.lastError as RetryError).lastError as Error).message).toBe(
      'firestore unavailable',
    );
    expect(lines[0]).toMatchObject({ level: 'warn', message: 'heartbeat: could not write a beat' });

    // The store comes back: the next write carries the whole running record.
    store.failWith(undefined);
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(await store.get(key)).toMatchObject({ status: 'running', startedAt: 0 });
    const stopping = heartbeat.stop('succeeded');
    await clock.runAll(stopping);
    await expect(stopping).resolves.toBeUndefined();
  });

  it('writes at most once per interval even when the store is slow', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryHeartbeatStore();
    let writesStarted = 0;
    const slowStore = {
      ...inner,
      upsert: async (...args: Parameters<typeof inner.upsert>) => {
        writesStarted++;
        await clock.sleep(45_000);
        return inner.upsert(...args);
      },
    };
    const heartbeat = startHeartbeat({ ...key, store: slowStore, clock, intervalMs: 30_000 });
    await clock.advance(300_000);
    // Each write takes 45 s; ticks that find a write in flight are skipped.
    expect(writesStarted).toBeLessThanOrEqual(300_000 / 30_000);
    expect(writesStarted).toBeGreaterThanOrEqual(300_000 / 45_000 - 1);
    const stopping = heartbeat.stop('succeeded');
    await clock.runAll(stopping);
  });

  it('lets a restarted processor resume from the last run details', async () => {
    const clock = createVirtualClock();
    const store = createMemoryHeartbeatStore();
    const first = startHeartbeat({ ...key, runId: 'run-1', store, clock });
    first.beat({ lastGameId: '0022500640' });
    await clock.advance(30_000);
    await first.flush();
    // The process dies here (no stop); a new run starts later and reads the checkpoint.
    await clock.advance(10_000);
    expect(
      await lastDetails(store, { processorName: key.processorName, dataDate: key.dataDate }),
    ).toEqual({
      lastGameId: '0022500640',
    });
    const second = startHeartbeat({ ...key, runId: 'run-2', store, clock });
    await second.flush();
    expect(
      (await latestRun(store, { processorName: key.processorName, dataDate: key.dataDate }))?.runId,
    ).toBe('run-2');
    expect(await lastDetails(store, { ...key, runId: 'run-1' })).toEqual({
      lastGameId: '0022500640',
    });
    expect(
      await lastDetails(store, { processorName: 'other', dataDate: key.dataDate }),
    ).toBeUndefined();
    await first.stop('cancelled');
    await second.stop('succeeded');
  });

  it('rejects bad options naming them', async () => {
    const store = createMemoryHeartbeatStore();
    expect(() => startHeartbeat({ ...key, processorName: '', store })).toThrow(
      'option "processorName" must be a non-empty string',
    );
    expect(() => startHeartbeat({ ...key, dataDate: '24/01/2026', store })).toThrow(
      'option "dataDate" must be a date as YYYY-MM-DD (got "24/01/2026")',
    );
    expect(() => startHeartbeat({ ...key, store, intervalMs: 0 })).toThrow(HeartbeatOptionsError);
    expect(() => startHeartbeat({ ...key, store: {} as never })).toThrow(
      'option "store" must be a HeartbeatStore',
    );
    const heartbeat = startHeartbeat({ ...key, store, clock: createVirtualClock() });
    await expect(heartbeat.stop('done' as never)).rejects.toThrow(
      'stop() needs one of succeeded, failed, cancelled',
    );
    await heartbeat.stop('succeeded');
  });
});
