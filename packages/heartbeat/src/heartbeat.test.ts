import { PipewellOptionsError } from '@pipewell/core';
import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { RetryError } from '@pipewell/retry';
import { describe, expect, it } from 'vitest';
import { HeartbeatOptionsError } from './errors.js';
import { type HeartbeatEvent, lastDetails, latestRun, startHeartbeat } from './heartbeat.js';
import { createMemoryHeartbeatStore } from './memory-store.js';
import { createFlakyHeartbeatStore } from './testing/flaky-store.js';

const key = { processorName: 'box_scores', dataDate: '2026-01-24', runId: 'run-1' };

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(`${code} ${message}`), { code });
}

describe('startHeartbeat', () => {
  it('keeps writing after a logger threw while reporting a failed write, and stop() resolves', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    const memory = createMemoryHeartbeatStore();
    const store = createFlakyHeartbeatStore(memory);
    store.failWith(Object.assign(new Error('denied'), { code: 7 }), {
      methods: ['upsert'],
      times: 1,
    });
    let throwing = true;
    const logger = {
      ...createRecordingLogger(),
      error: () => {
        if (throwing) throw new Error('logger broke');
      },
    };
    const heartbeat = startHeartbeat({ ...key, store, clock, logger, intervalMs: 30_000 });
    await heartbeat.flush();
    throwing = false;
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(memory.writes).toBeGreaterThanOrEqual(1);
    await expect(heartbeat.stop('succeeded')).resolves.toBeUndefined();
    expect((await memory.get(key))?.status).toBe('succeeded');
  });

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
    expect(heartbeat.stopped).toBe(false);
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
    const logger = createRecordingLogger();
    const lines = logger.entries;
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...key, store, clock: createVirtualClock(), logger });
    await heartbeat.stop('succeeded');
    heartbeat.beat({ late: true });
    expect(heartbeat.stats.beats).toBe(0);
    expect(lines).toEqual([
      { level: 'warn', fields: key, msg: 'heartbeat: beat() after stop() is ignored' },
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

  it('keeps the last details when beat() is called without any', async () => {
    const clock = createVirtualClock();
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...key, store, clock, intervalMs: 30_000 });
    heartbeat.beat({ cursor: 'g-7' });
    heartbeat.beat();
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(await store.get(key)).toMatchObject({ beats: 2, details: { cursor: 'g-7' } });
    await heartbeat.stop('succeeded');
  });

  it('once the run is recorded, beats write only beat fields: a run a monitor claimed stays stale', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...key, store, clock, intervalMs: 30_000 });
    expect(await heartbeat.ready).toBe(true);
    // A monitor took the run for dead, yet this process is still beating.
    expect(await store.claimStale(key, { lastBeatBefore: 2_000, at: 5_000 })).toBe(true);
    heartbeat.beat({ rows: 1 });
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(await store.get(key)).toMatchObject({
      status: 'stale',
      staleAt: 5_000,
      startedAt: 1_000,
      lastBeatAt: 31_000,
      beats: 1,
      details: { rows: 1 },
    });
    await heartbeat.stop('cancelled');
  });

  it('never fails the processor when the store fails: retries a transient error, logs, counts', async () => {
    const clock = createVirtualClock();
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    const logger = createRecordingLogger();
    const lines = logger.entries;
    store.failWith(grpcError(14, 'UNAVAILABLE: firestore unavailable'));
    const heartbeat = startHeartbeat({ ...key, store, clock, logger, intervalMs: 30_000 });
    const drained = heartbeat.flush();
    await clock.runAll(drained);
    await drained;
    expect(heartbeat.stats).toMatchObject({ writes: 0, failedWrites: 1, retries: 4 });
    expect(RetryError.isInstance(heartbeat.stats.lastError)).toBe(true);
    expect(((heartbeat.stats.lastError as RetryError).lastError as Error).message).toBe(
      '14 UNAVAILABLE: firestore unavailable',
    );
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'heartbeat: could not write a beat' });

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
      'option "dataDate" must be a calendar date as YYYY-MM-DD (got "24/01/2026")',
    );
    expect(() => startHeartbeat({ ...key, store, onEvent: 'log' as never })).toThrow(
      'option "onEvent" must be a function',
    );
    expect(() => startHeartbeat({ ...key, store, clock: Date as never })).toThrow(
      'option "clock" must be a Clock',
    );
    expect(() => startHeartbeat({ ...key, store, logger: { warn() {} } as never })).toThrow(
      'option "logger" must be a Logger',
    );
    expect(() => startHeartbeat({ ...key, store, intervalMs: 0 })).toThrow(HeartbeatOptionsError);
    const bad = await catchError(
      () => startHeartbeat({ ...key, store, intervalMs: 0 }),
      PipewellOptionsError,
    );
    expect(bad.option).toBe('intervalMs');
    expect(HeartbeatOptionsError.isInstance(bad)).toBe(true);
    expect(() => startHeartbeat({ ...key, store: {} as never })).toThrow(
      'option "store" must be a HeartbeatStore',
    );
    const heartbeat = startHeartbeat({ ...key, store, clock: createVirtualClock() });
    await expect(heartbeat.stop('done' as never)).rejects.toThrow(
      'stop() needs one of succeeded, failed, cancelled',
    );
    expect(await catchError(heartbeat.stop('done' as never), HeartbeatOptionsError)).toMatchObject({
      option: 'status',
    });
    await heartbeat.stop('succeeded');
  });

  it.each([undefined, null])('refuses %s for options, naming "options"', async (options) => {
    const error = await catchError(() => startHeartbeat(options as never), HeartbeatOptionsError);
    expect(error).toMatchObject({
      option: 'options',
      message: '@pipewell/heartbeat: startHeartbeat needs an options object',
    });
  });

  it.each([
    [{ runId: '' }, 'runId', 'option "runId" must be a non-empty string (got "")'],
    [
      { processorName: '  ' },
      'processorName',
      'option "processorName" must be a non-empty string (got "  ")',
    ],
    [
      { processorName: 7 },
      'processorName',
      'option "processorName" must be a non-empty string (got 7)',
    ],
    [{ store: undefined }, 'store', 'option "store" must be a HeartbeatStore'],
    [{ clock: null }, 'clock', 'option "clock" must be a Clock from @pipewell/core'],
    [{ clock: { now: () => 0 } }, 'clock', 'option "clock" must be a Clock from @pipewell/core'],
    [
      { logger: null },
      'logger',
      'option "logger" must be a Logger with debug, info, warn, error methods',
    ],
    [{ onEvent: 'log' }, 'onEvent', 'option "onEvent" must be a function'],
    [
      { intervalMs: Number.NaN },
      'intervalMs',
      'must be a finite number of milliseconds > 0 (got NaN)',
    ],
    [{ intervalMs: Number.POSITIVE_INFINITY }, 'intervalMs', '(got Infinity)'],
    [{ intervalMs: '5' }, 'intervalMs', '(got 5)'],
  ])('refuses %o, naming %s', async (bad, option, message) => {
    const store = createMemoryHeartbeatStore();
    const error = await catchError(
      () => startHeartbeat({ ...key, store, clock: createVirtualClock(), ...(bad as object) }),
      HeartbeatOptionsError,
    );
    expect(error.option).toBe(option);
    expect(error.message).toContain(message);
    expect(store.writes).toBe(0);
  });
});

describe('store failures are loud', () => {
  it.each([
    ['PERMISSION_DENIED', grpcError(7, 'PERMISSION_DENIED: Missing or insufficient permissions.')],
    ['INVALID_ARGUMENT', grpcError(3, 'INVALID_ARGUMENT: Document exceeds maximum size')],
    ['UNAUTHENTICATED', grpcError(16, 'UNAUTHENTICATED: Request had invalid credentials')],
    ['HTTP 403', Object.assign(new Error('Forbidden'), { status: 403 })],
  ])(
    'a permanent error (%s) is not retried: reported at once through the logger, onEvent and stats',
    async (_name, refusal) => {
      const clock = createVirtualClock({ now: 1_000 });
      const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
      const logger = createRecordingLogger();
      const lines = logger.entries;
      const events: HeartbeatEvent[] = [];
      store.failWith(refusal);
      const heartbeat = startHeartbeat({
        ...key,
        store,
        clock,
        logger,
        onEvent: (event) => events.push(event),
      });
      const ready = heartbeat.ready;
      await clock.runAll(ready);
      expect(await ready).toBe(false);
      // No backoff was waited: the refusal was reported at the moment it happened.
      expect(clock.now()).toBe(1_000);
      expect(heartbeat.stats).toMatchObject({
        writes: 0,
        failedWrites: 1,
        permanentFailures: 1,
        retries: 0,
        lastError: refusal,
        failingSince: 1_000,
        writesFailing: false,
      });
      expect(events).toEqual([
        {
          type: 'writeFailed',
          key,
          error: refusal,
          permanent: true,
          final: false,
          attempts: 1,
          at: 1_000,
        },
      ]);
      expect(lines).toEqual([
        {
          level: 'error',
          fields: { ...key, err: refusal, final: false, permanent: true, attempts: 1 },
          msg: 'heartbeat: the store refused a beat (a permanent error, not retried)',
        },
      ]);
      const stopping = heartbeat.stop('succeeded');
      await clock.runAll(stopping);
      expect(lines.at(-1)?.msg).toBe(
        'heartbeat: the store refused the run stop (a permanent error, not retried)',
      );
      expect(heartbeat.stats).toMatchObject({ failedWrites: 2, permanentFailures: 2, retries: 0 });
    },
  );

  it('retries only transient errors: an unknown error fails the write at once, as a warning', async () => {
    const clock = createVirtualClock();
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    const logger = createRecordingLogger();
    const lines = logger.entries;
    const boom = new Error('boom');
    store.failWith(boom);
    const heartbeat = startHeartbeat({ ...key, store, clock, logger });
    await clock.runAll(heartbeat.ready);
    expect(heartbeat.stats).toMatchObject({ failedWrites: 1, permanentFailures: 0, retries: 0 });
    expect(lines).toEqual([
      {
        level: 'warn',
        fields: { ...key, err: boom, final: false, permanent: false, attempts: 1 },
        msg: 'heartbeat: could not write a beat',
      },
    ]);
    // The stop write fails the same way: warned, and stop() still resolves.
    await expect(heartbeat.stop('succeeded')).resolves.toBeUndefined();
    expect(lines.at(-1)).toEqual({
      level: 'warn',
      fields: { ...key, err: boom, final: true, permanent: false, attempts: 1 },
      msg: 'heartbeat: could not record the run stop',
    });
  });

  it('reports no outage when a write lands after a retried blip', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    const events: HeartbeatEvent[] = [];
    store.failWith(grpcError(14, 'UNAVAILABLE'), { times: 1 });
    const heartbeat = startHeartbeat({ ...key, store, clock, onEvent: (e) => events.push(e) });
    const ready = heartbeat.ready;
    await clock.runAll(ready);
    expect(await ready).toBe(true);
    expect(heartbeat.stats).toMatchObject({
      writes: 1,
      retries: 1,
      failingSince: null,
      writesFailing: false,
    });
    expect(events).toEqual([]);
    await heartbeat.stop('succeeded');
  });

  it('measures an outage from its first failed write, not from the epoch', async () => {
    const clock = createVirtualClock({ now: 1_000_000 });
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    const logger = createRecordingLogger();
    const events: HeartbeatEvent[] = [];
    const refusal = grpcError(7, 'PERMISSION_DENIED');
    store.failWith(refusal);
    const heartbeat = startHeartbeat({
      ...key,
      store,
      clock,
      logger,
      intervalMs: 30_000,
      onEvent: (event) => events.push(event),
    });
    expect(await heartbeat.ready).toBe(false);
    await clock.advance(29_999);
    expect(events.map((e) => e.type)).toEqual(['writeFailed']);
    await clock.advance(1);
    await heartbeat.flush();
    expect(events.at(-1)).toMatchObject({
      type: 'writesFailing',
      failingSince: 1_000_000,
      failingForMs: 30_000,
      at: 1_030_000,
    });
    store.failWith(undefined);
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(events.at(-1)).toEqual({
      type: 'writesRecovered',
      key,
      failedForMs: 60_000,
      at: 1_060_000,
    });
    expect(logger.entries.at(-1)).toEqual({
      level: 'info',
      fields: { ...key, failedForMs: 60_000 },
      msg: 'heartbeat: writes land again',
    });
    await heartbeat.stop('succeeded');
  });

  it('says so when writes fail for a whole interval, once per outage, and when they land again', async () => {
    const clock = createVirtualClock();
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    const logger = createRecordingLogger();
    const lines = logger.entries;
    const events: HeartbeatEvent[] = [];
    const refusal = grpcError(7, 'PERMISSION_DENIED: Missing or insufficient permissions.');
    store.failWith(refusal);
    const heartbeat = startHeartbeat({
      ...key,
      store,
      clock,
      logger,
      intervalMs: 30_000,
      onEvent: (event) => events.push(event),
    });
    expect(await heartbeat.ready).toBe(false);
    await clock.advance(29_999);
    expect(heartbeat.stats).toMatchObject({ failingSince: 0, writesFailing: false });

    // The second write, an interval after the first failed one, fails too: that is an outage.
    await clock.advance(1);
    await heartbeat.flush();
    expect(heartbeat.stats).toMatchObject({
      failedWrites: 2,
      failingSince: 0,
      writesFailing: true,
    });
    const failing = events.filter((e) => e.type === 'writesFailing');
    expect(failing).toEqual([
      {
        type: 'writesFailing',
        key,
        failingSince: 0,
        failingForMs: 30_000,
        failedWrites: 2,
        lastError: refusal,
        at: 30_000,
      },
    ]);
    expect(lines.filter((line) => line.msg?.startsWith('heartbeat: writes have failed'))).toEqual([
      {
        level: 'error',
        fields: { ...key, err: refusal, failingForMs: 30_000, failedWrites: 2, intervalMs: 30_000 },
        msg: 'heartbeat: writes have failed for a whole interval; a stale monitor will take this run for dead',
      },
    ]);

    // Still failing: no second report for the same outage.
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(heartbeat.stats.failedWrites).toBe(3);
    expect(events.filter((e) => e.type === 'writesFailing')).toHaveLength(1);

    // The store comes back: the run is recorded whole, and the recovery is told.
    store.failWith(undefined);
    await clock.advance(30_000);
    await heartbeat.flush();
    expect(heartbeat.stats).toMatchObject({ writes: 1, failingSince: null, writesFailing: false });
    expect(events.at(-1)).toEqual({
      type: 'writesRecovered',
      key,
      failedForMs: 90_000,
      at: 90_000,
    });
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'heartbeat: writes land again' });
    expect(await store.get(key)).toMatchObject({ status: 'running', startedAt: 0 });
    await heartbeat.stop('succeeded');
  });

  it('reports a write still retrying a transient error after a whole interval, before it gives up', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryHeartbeatStore();
    const events: HeartbeatEvent[] = [];
    // Each attempt hangs 45 s, then fails with DEADLINE_EXCEEDED: retried, but never landing.
    const hangingStore = {
      ...inner,
      upsert: async () => {
        await clock.sleep(45_000);
        throw grpcError(4, 'DEADLINE_EXCEEDED: Deadline exceeded');
      },
    };
    const heartbeat = startHeartbeat({
      ...key,
      store: hangingStore,
      clock,
      intervalMs: 30_000,
      onEvent: (event) => events.push(event),
    });
    // First attempt fails at 45 s; the tick at 60 s finds the write still retrying.
    await clock.advance(60_000);
    expect(heartbeat.stats).toMatchObject({
      failedWrites: 0,
      writesFailing: true,
      failingSince: 0,
    });
    expect(events).toEqual([
      expect.objectContaining({ type: 'writesFailing', failingForMs: 60_000, failedWrites: 0 }),
    ]);
    const stopping = heartbeat.stop('cancelled');
    await clock.runAll(stopping);
    const failed = events.filter((e) => e.type === 'writeFailed');
    expect(failed.map((e) => [e.permanent, e.final])).toEqual([
      [false, false],
      [false, true],
    ]);
    for (const event of failed) {
      // Retried until the preset's limits, and the event counts every call.
      expect(event.attempts).toBeGreaterThan(1);
      expect(event.attempts).toBe((event.error as RetryError).attempts);
    }
  });

  it('logs a timer tick that throws to its logger (here, a logger that throws on the outage report)', async () => {
    const clock = createVirtualClock();
    const recording = createRecordingLogger();
    const loggerDown = new Error('log sink down');
    const logger = {
      ...recording,
      error: (fields: object, msg?: string) => {
        if (msg?.startsWith('heartbeat: writes have failed')) throw loggerDown;
        recording.error(fields, msg);
      },
    };
    const hangingStore = {
      ...createMemoryHeartbeatStore(),
      upsert: async () => {
        await clock.sleep(45_000);
        throw grpcError(4, 'DEADLINE_EXCEEDED: Deadline exceeded');
      },
    };
    const heartbeat = startHeartbeat({
      ...key,
      store: hangingStore,
      clock,
      logger,
      intervalMs: 30_000,
    });
    // The tick at 60 s finds the first write still retrying and reports the outage: that throws.
    await clock.advance(60_000);
    expect(heartbeat.stats.writesFailing).toBe(true);
    expect(recording.at('error')).toEqual([
      {
        level: 'error',
        fields: { err: loggerDown },
        msg: 'every: a tick failed; the loop goes on',
      },
    ]);
    const stopping = heartbeat.stop('cancelled');
    await clock.runAll(stopping);
  });

  it('logs and ignores an onEvent that throws', async () => {
    const clock = createVirtualClock();
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    const logger = createRecordingLogger();
    const lines = logger.entries;
    const metricsDown = new Error('metrics down');
    store.failWith(grpcError(7, 'PERMISSION_DENIED'));
    const heartbeat = startHeartbeat({
      ...key,
      store,
      clock,
      logger,
      onEvent: () => {
        throw metricsDown;
      },
    });
    expect(await heartbeat.ready).toBe(false);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['error', 'heartbeat: the store refused a beat (a permanent error, not retried)'],
      ['warn', 'heartbeat: onEvent threw; ignored'],
    ]);
    expect(lines[1]?.fields).toEqual({ ...key, err: metricsDown });
    store.failWith(undefined);
    await heartbeat.stop('succeeded');
  });
});

describe('when the run is first recorded', () => {
  it('is asynchronous: the first write starts at once, and ready settles when the store holds the run', async () => {
    const clock = createVirtualClock({ now: 7_000 });
    const inner = createMemoryHeartbeatStore();
    const slowStore = {
      ...inner,
      upsert: async (...args: Parameters<typeof inner.upsert>) => {
        await clock.sleep(5_000);
        return inner.upsert(...args);
      },
    };
    const heartbeat = startHeartbeat({ ...key, store: slowStore, clock });
    let settled: boolean | undefined;
    void heartbeat.ready.then((recorded) => {
      settled = recorded;
    });
    // Right after startHeartbeat returns, the write is under way but has not landed.
    expect(await inner.get(key)).toBeUndefined();
    await clock.advance(4_999);
    expect(settled).toBeUndefined();
    expect(await inner.get(key)).toBeUndefined();
    await clock.advance(1);
    expect(settled).toBe(true);
    expect(await inner.get(key)).toMatchObject({ ...key, status: 'running', startedAt: 7_000 });
    const stopping = heartbeat.stop('succeeded');
    await clock.runAll(stopping);
  });

  it('right after await ready, the store holds the run as running', async () => {
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...key, store, clock: createVirtualClock({ now: 3_000 }) });
    expect(await heartbeat.ready).toBe(true);
    expect(await store.get(key)).toMatchObject({ status: 'running', startedAt: 3_000 });
    await heartbeat.stop('succeeded');
  });

  it('settles ready with the stop write when stop() came before the first write', async () => {
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...key, store, clock: createVirtualClock() });
    const stopping = heartbeat.stop('cancelled');
    expect(await heartbeat.ready).toBe(true);
    await stopping;
    expect(await store.get(key)).toMatchObject({ status: 'cancelled', startedAt: 0 });
    // The queued first write was dropped: the stop write carried the whole record.
    expect(store.writes).toBe(1);
  });
});

describe('latestRun', () => {
  const running = {
    status: 'running',
    lastBeatAt: 0,
    lastProgressAt: 0,
    beats: 0,
    details: null,
    stoppedAt: null,
    summary: null,
    staleAt: null,
  } as const;

  it('picks the run of that processor and date started last, whatever order the store lists them in', async () => {
    const store = createMemoryHeartbeatStore();
    await store.upsert({ ...key, runId: 'newer' }, { ...running, startedAt: 2_000 });
    await store.upsert({ ...key, runId: 'older' }, { ...running, startedAt: 1_000 });
    await store.upsert(
      { ...key, processorName: 'other', runId: 'o' },
      { ...running, startedAt: 3_000 },
    );
    await store.upsert(
      { ...key, dataDate: '2026-01-25', runId: 'd' },
      { ...running, startedAt: 4_000 },
    );
    const latest = await latestRun(store, {
      processorName: key.processorName,
      dataDate: key.dataDate,
    });
    expect(latest?.runId).toBe('newer');
  });

  it('refuses a missing key, naming dataDate', async () => {
    const store = createMemoryHeartbeatStore();
    const error = await catchError(latestRun(store, undefined as never), HeartbeatOptionsError);
    expect(error.option).toBe('dataDate');
  });
});

describe('calendar dates', () => {
  const impossible = [
    ['2026-02-29', '2026-02 has no day 29'],
    ['2026-02-30', '2026-02 has no day 30'],
    ['2026-04-31', '2026-04 has no day 31'],
  ] as const;
  const problem = (dataDate: string, why: string) =>
    `@pipewell/heartbeat: option "dataDate" must be a calendar date as YYYY-MM-DD (got "${dataDate}": ${why})`;

  it.each(impossible)('startHeartbeat refuses dataDate %s, naming the option', (dataDate, why) => {
    const store = createMemoryHeartbeatStore();
    let thrown: unknown;
    try {
      startHeartbeat({ ...key, dataDate, store, clock: createVirtualClock() });
    } catch (error) {
      thrown = error;
    }
    expect(HeartbeatOptionsError.isInstance(thrown)).toBe(true);
    expect(thrown).toMatchObject({ option: 'dataDate', message: problem(dataDate, why) });
    expect(store.writes).toBe(0);
  });

  it.each(impossible)(
    'latestRun, lastDetails and listRuns refuse dataDate %s, naming the option',
    async (dataDate, why) => {
      const store = createMemoryHeartbeatStore();
      const processorName = key.processorName;
      await expect(latestRun(store, { processorName, dataDate })).rejects.toThrow(
        problem(dataDate, why),
      );
      await expect(latestRun(store, { processorName, dataDate, runId: 'r' })).rejects.toThrow(
        problem(dataDate, why),
      );
      await expect(lastDetails(store, { processorName, dataDate })).rejects.toThrow(
        problem(dataDate, why),
      );
      await expect(store.listRuns({ dataDate })).rejects.toMatchObject({
        name: 'HeartbeatOptionsError',
        option: 'dataDate',
      });
    },
  );

  it('accepts a real leap day, 2024-02-29, everywhere', async () => {
    const store = createMemoryHeartbeatStore();
    const leap = { ...key, dataDate: '2024-02-29' };
    const heartbeat = startHeartbeat({ ...leap, store, clock: createVirtualClock() });
    heartbeat.beat({ cursor: 'g-1' });
    await heartbeat.stop('succeeded');
    expect(
      await lastDetails(store, { processorName: key.processorName, dataDate: '2024-02-29' }),
    ).toEqual({ cursor: 'g-1' });
    expect((await latestRun(store, leap))?.status).toBe('succeeded');
    expect(await store.listRuns({ dataDate: '2024-02-29' })).toHaveLength(1);
  });
});
