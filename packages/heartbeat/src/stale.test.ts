import { silentLogger } from '@pipewell/core';
import {
  catchError,
  createRecordingLogger,
  createVirtualClock,
  type VirtualClock,
} from '@pipewell/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { HeartbeatOptionsError } from './errors.js';
import { startHeartbeat } from './heartbeat.js';
import type { HeartbeatStore, StaleClaim } from './heartbeat-store.js';
import { createMemoryHeartbeatStore } from './memory-store.js';
import { createStaleMonitor } from './monitor.js';
import type { RunKey } from './record.js';
import { findStaleRuns } from './stale.js';
import { createFlakyHeartbeatStore } from './testing/flaky-store.js';

const run = (runId: string): RunKey => ({
  processorName: 'player_daily_cache',
  dataDate: '2026-01-24',
  runId,
});

/** Write a whole record for `runId`, running unless `status` says otherwise. */
async function seed(
  store: HeartbeatStore,
  runId: string,
  times: { lastBeatAt: number; lastProgressAt?: number; status?: 'running' | 'succeeded' },
): Promise<void> {
  await store.upsert(run(runId), {
    status: times.status ?? 'running',
    startedAt: 0,
    lastBeatAt: times.lastBeatAt,
    lastProgressAt: times.lastProgressAt ?? times.lastBeatAt,
    beats: 0,
    details: null,
    stoppedAt: null,
    summary: null,
    staleAt: null,
  });
}

/** A memory store that keeps the claims it is handed. */
function claimRecordingStore() {
  const inner = createMemoryHeartbeatStore();
  const claims: StaleClaim[] = [];
  const store: HeartbeatStore = {
    ...inner,
    claimStale: async (key, claim) => {
      claims.push(claim);
      return inner.claimStale(key, claim);
    },
  };
  return { store, claims };
}

/**
 * A processor process on its own clock, advanced in step with the world's until it "crashes":
 * after that its timers never fire again, exactly like a killed instance.
 */
function processOn(world: VirtualClock, store: HeartbeatStore, key: RunKey, intervalMs: number) {
  const own = createVirtualClock({ now: world.now() });
  const heartbeat = startHeartbeat({ ...key, store, clock: own, intervalMs });
  let alive = true;
  return {
    heartbeat,
    async advanceTo(time: number) {
      if (alive) await own.advance(time - own.now());
    },
    crash() {
      alive = false;
    },
  };
}

describe('findStaleRuns', () => {
  it('lists running runs whose last heartbeat is older than the bound, never stopped ones', async () => {
    const clock = createVirtualClock();
    const store = createMemoryHeartbeatStore();
    const stuck = startHeartbeat({
      ...run('stuck'),
      store,
      clock: createVirtualClock(),
      intervalMs: 1e9,
    });
    const done = startHeartbeat({
      ...run('done'),
      store,
      clock: createVirtualClock(),
      intervalMs: 1e9,
    });
    await Promise.all([stuck.flush(), done.flush()]);
    await done.stop('succeeded');
    await clock.advance(20 * 60_000);
    const stale = await findStaleRuns(store, { staleAfterMs: 15 * 60_000, now: clock.now() });
    expect(stale).toEqual([
      {
        record: expect.objectContaining({ runId: 'stuck', status: 'running' }),
        reason: 'noHeartbeat',
        silentForMs: 20 * 60_000,
      },
    ]);
    await stuck.stop('cancelled');
  });

  it('never reports a run whose stop landed while the check was under way (completion wins)', async () => {
    const inner = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({
      ...run('late-stop'),
      store: inner,
      clock: createVirtualClock(),
      intervalMs: 1e9,
    });
    await heartbeat.flush();
    // The stop lands right after the check listed the runs.
    const racing: HeartbeatStore = {
      ...inner,
      listRuns: async (filter) => {
        const listed = await inner.listRuns(filter);
        await heartbeat.stop('succeeded');
        return listed;
      },
    };
    expect(await findStaleRuns(racing, { staleAfterMs: 1_000, now: 3_600_000 })).toEqual([]);
  });

  it('with noProgressAfterMs, flags a run that beats but makes no progress', async () => {
    const clock = createVirtualClock();
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({ ...run('hung-call'), store, clock, intervalMs: 30_000 });
    heartbeat.beat({ rows: 1 });
    // A call hangs: the timer keeps beating, but beat() is never called again.
    await clock.advance(10 * 60_000);
    await heartbeat.flush();
    const options = { staleAfterMs: 90_000, now: clock.now() };
    expect(await findStaleRuns(store, options)).toEqual([]);
    const stale = await findStaleRuns(store, { ...options, noProgressAfterMs: 5 * 60_000 });
    expect(stale).toMatchObject([{ reason: 'noProgress', silentForMs: 10 * 60_000 }]);
    await heartbeat.stop('cancelled');
  });

  it('tells why a run is stale and for how long; a lapsed heartbeat is the reason first', async () => {
    const store = createMemoryHeartbeatStore();
    const now = 1_000_000;
    await seed(store, 'dead', { lastBeatAt: 850_000, lastProgressAt: 800_000 });
    // Its heartbeat is exactly at the bound (not older), so only its progress makes it stale.
    await seed(store, 'edge', { lastBeatAt: 900_000, lastProgressAt: 600_000 });
    await seed(store, 'busy', { lastBeatAt: 990_000, lastProgressAt: 950_000 });
    const stale = await findStaleRuns(store, {
      staleAfterMs: 100_000,
      noProgressAfterMs: 300_000,
      now,
    });
    expect(
      stale.map(({ record, reason, silentForMs }) => [record.runId, reason, silentForMs]),
    ).toEqual([
      ['dead', 'noHeartbeat', 150_000],
      ['edge', 'noProgress', 400_000],
    ]);
  });

  it('asks the store for running runs only, and reads back only those that look stale', async () => {
    const inner = createMemoryHeartbeatStore();
    await seed(inner, 'stuck', { lastBeatAt: 0 });
    await seed(inner, 'fresh', { lastBeatAt: 3_599_500 });
    await seed(inner, 'done', { lastBeatAt: 0, status: 'succeeded' });
    const filters: unknown[] = [];
    const reads: string[] = [];
    const counting: HeartbeatStore = {
      ...inner,
      listRuns: async (filter) => {
        filters.push(filter);
        return inner.listRuns(filter);
      },
      get: async (key) => {
        reads.push(key.runId);
        return inner.get(key);
      },
    };
    const stale = await findStaleRuns(counting, { staleAfterMs: 60_000, now: 3_600_000 });
    expect(stale.map(({ record }) => record.runId)).toEqual(['stuck']);
    expect(filters).toEqual([{ status: 'running' }]);
    expect(reads).toEqual(['stuck']);
  });

  it('skips a run whose record is gone when it is read again (expired by a TTL policy)', async () => {
    const inner = createMemoryHeartbeatStore();
    await seed(inner, 'expired', { lastBeatAt: 0 });
    const expiring: HeartbeatStore = { ...inner, get: async () => undefined };
    expect(await findStaleRuns(expiring, { staleAfterMs: 1_000, now: 3_600_000 })).toEqual([]);
  });

  it('rejects bad options', async () => {
    const store = createMemoryHeartbeatStore();
    await expect(findStaleRuns(store, { staleAfterMs: -1, now: 0 })).rejects.toThrow(
      'option "staleAfterMs"',
    );
    await expect(findStaleRuns(store, { staleAfterMs: 1, now: Number.NaN })).rejects.toThrow(
      'option "now"',
    );
  });

  it.each([
    [undefined, 'staleAfterMs', 'option "staleAfterMs" must be a finite number'],
    [
      { staleAfterMs: 1, noProgressAfterMs: 0, now: 0 },
      'noProgressAfterMs',
      'option "noProgressAfterMs" must be a finite number',
    ],
    [
      { staleAfterMs: 1, now: Number.NaN },
      'now',
      'option "now" must be epoch milliseconds (got NaN)',
    ],
    [{ staleAfterMs: 1, now: '5' }, 'now', 'option "now" must be epoch milliseconds (got 5)'],
  ])('refuses %o, naming %s', async (options, option, message) => {
    const error = await catchError(
      findStaleRuns(createMemoryHeartbeatStore(), options as never),
      HeartbeatOptionsError,
    );
    expect(error.option).toBe(option);
    expect(error.message).toContain(message);
  });
});

describe('createStaleMonitor', () => {
  it('a check that rejects (a logger that throws) rejects checkNow() and is never left unhandled', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    store.failWith(new Error('list refused'), { methods: ['listRuns'] });
    const loggerBroke = new Error('logger broke');
    const logger = {
      ...silentLogger,
      warn: () => {
        throw loggerBroke;
      },
    };
    const monitor = createStaleMonitor({
      store,
      clock,
      logger,
      staleAfterMs: 60_000,
      onStale: () => {},
    });
    await expect(monitor.checkNow()).rejects.toBe(loggerBroke);
    // The loop's own tick meets the same failure; vitest fails the run on an unhandled rejection.
    await clock.advance(60_000);
    await expect(monitor.checkNow()).rejects.toBe(loggerBroke);
    await monitor.close();
  });

  it('flags a crashed run within the bound plus one monitor period (30 s beats, 90 s bound)', async () => {
    const world = createVirtualClock({ now: Date.parse('2026-01-24T12:00:00Z') });
    const store = createMemoryHeartbeatStore();
    const processor = processOn(world, store, run('crashes'), 30_000);
    const flagged: Array<{ at: number; lastBeatAt: number }> = [];
    const monitor = createStaleMonitor({
      store,
      clock: world,
      staleAfterMs: 90_000,
      intervalMs: 30_000,
      onStale: ({ record }) => {
        flagged.push({ at: world.now(), lastBeatAt: record.lastBeatAt });
      },
    });
    const start = world.now();
    // Alive for 65 s (beats at 0, 30 and 60 s), then killed.
    for (let t = 0; t <= 65_000; t += 5_000) {
      await processor.advanceTo(start + t);
      await world.advance(start + t - world.now());
    }
    processor.crash();
    for (let t = 70_000; t <= 400_000; t += 5_000) await world.advance(5_000);

    expect(flagged).toHaveLength(1);
    const [only] = flagged as [{ at: number; lastBeatAt: number }];
    expect(only.lastBeatAt).toBe(start + 60_000);
    expect(only.at - only.lastBeatAt).toBeGreaterThan(90_000);
    expect(only.at - only.lastBeatAt).toBeLessThanOrEqual(90_000 + 30_000);
    expect((await store.get(run('crashes')))?.status).toBe('stale');
    expect(monitor.stats).toMatchObject({ recovered: 1, recoveryFailures: 0 });
    await monitor.close();
    expect(world.pendingTimers).toBe(0);
  });

  it('hands each stale run to onStale exactly once, even with two monitors', async () => {
    const clock = createVirtualClock();
    const store = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({
      ...run('once'),
      store,
      clock: createVirtualClock(),
      intervalMs: 1e9,
    });
    await heartbeat.flush();
    await clock.advance(3_600_000);
    const onStale = vi.fn();
    const monitors = [1, 2].map(() =>
      createStaleMonitor({ store, clock, staleAfterMs: 60_000, onStale }),
    );
    await Promise.all(monitors.flatMap((monitor) => [monitor.checkNow(), monitor.checkNow()]));
    await clock.advance(600_000);
    expect(onStale).toHaveBeenCalledTimes(1);
    await Promise.all(monitors.map((monitor) => monitor.close()));
  });

  it('does not recover a run that stopped between the check and the claim', async () => {
    const inner = createMemoryHeartbeatStore();
    const heartbeat = startHeartbeat({
      ...run('stops'),
      store: inner,
      clock: createVirtualClock(),
      intervalMs: 1e9,
    });
    await heartbeat.flush();
    const racing: HeartbeatStore = {
      ...inner,
      claimStale: async (key, claim) => {
        await heartbeat.stop('succeeded');
        return inner.claimStale(key, claim);
      },
    };
    const clock = createVirtualClock({ now: 3_600_000 });
    const onStale = vi.fn();
    const monitor = createStaleMonitor({ store: racing, clock, staleAfterMs: 60_000, onStale });
    expect(await monitor.checkNow()).toEqual([]);
    expect(onStale).not.toHaveBeenCalled();
    expect((await inner.get(run('stops')))?.status).toBe('succeeded');
    await monitor.close();
  });

  it('counts a failing recovery and a failing store without stopping', async () => {
    const clock = createVirtualClock({ now: 3_600_000 });
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    const heartbeat = startHeartbeat({
      ...run('bad-recovery'),
      store,
      clock: createVirtualClock(),
      intervalMs: 1e9,
    });
    await heartbeat.flush();
    const monitor = createStaleMonitor({
      store,
      clock,
      staleAfterMs: 60_000,
      onStale: () => {
        throw new Error('retry queue down');
      },
    });
    await monitor.checkNow();
    store.failWith(new Error('firestore unavailable'));
    await monitor.checkNow();
    expect(monitor.stats).toEqual({
      checks: 2,
      recovered: 1,
      recoveryFailures: 1,
      failedChecks: 1,
    });
    await monitor.close();
  });

  it('lets a check under way (checkNow) cover the tick that falls due meanwhile', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryHeartbeatStore();
    let listings = 0;
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: HeartbeatStore = {
      ...inner,
      listRuns: async (filter) => {
        listings++;
        await gate;
        return inner.listRuns(filter);
      },
    };
    const monitor = createStaleMonitor({
      store: slow,
      clock,
      intervalMs: 60_000,
      onStale: vi.fn(),
    });
    const manual = monitor.checkNow();
    await clock.advance(60_000);
    expect(listings).toBe(1);
    release();
    await manual;
    expect(monitor.stats.checks).toBe(1);
    // The next tick comes a whole interval after that check settled, and checks again.
    await clock.advance(60_000);
    expect(listings).toBe(2);
    await monitor.close();
  });

  it('close() clears its timer, waits for the check under way, and is idempotent', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryHeartbeatStore();
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let listings = 0;
    const slow: HeartbeatStore = {
      ...inner,
      listRuns: async (filter) => {
        listings++;
        await gate;
        return inner.listRuns(filter);
      },
    };
    const monitor = createStaleMonitor({
      store: slow,
      clock,
      intervalMs: 60_000,
      onStale: vi.fn(),
    });
    expect(clock.pendingTimers).toBe(1);
    const check = monitor.checkNow();
    expect(monitor.closed).toBe(false);
    const closing = monitor.close();
    expect(monitor.close()).toBe(closing);
    expect(monitor.stop()).toBe(closing);
    expect(monitor.closed).toBe(true);
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    await clock.advance(0);
    expect(closed).toBe(false);
    release();
    await check;
    await closing;
    expect(closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(600_000);
    expect(listings).toBe(1);
  });

  it('is disposable: await using closes it', async () => {
    const clock = createVirtualClock();
    {
      await using monitor = createStaleMonitor({
        store: createMemoryHeartbeatStore(),
        clock,
        onStale: vi.fn(),
      });
      expect(monitor.closed).toBe(false);
      expect(clock.pendingTimers).toBe(1);
    }
    expect(clock.pendingTimers).toBe(0);
  });

  it('by default takes a run for stale once its heartbeat is more than 15 minutes old', async () => {
    const clock = createVirtualClock({ now: 15 * 60_000 });
    const store = createMemoryHeartbeatStore();
    await seed(store, 'quiet', { lastBeatAt: 0 });
    const monitor = createStaleMonitor({ store, clock, onStale: vi.fn() });
    expect(await monitor.checkNow()).toEqual([]);
    await clock.advance(1);
    expect(await monitor.checkNow()).toMatchObject([
      { reason: 'noHeartbeat', silentForMs: 900_001 },
    ]);
    await monitor.close();
  });

  it('hands the store a claim on the heartbeat bound only, when progress is not checked', async () => {
    const clock = createVirtualClock({ now: 600_000 });
    const { store, claims } = claimRecordingStore();
    await seed(store, 'gone', { lastBeatAt: 100_000 });
    const monitor = createStaleMonitor({ store, clock, staleAfterMs: 90_000, onStale: vi.fn() });
    expect(await monitor.checkNow()).toHaveLength(1);
    expect(claims).toEqual([{ lastBeatBefore: 510_000, at: 600_000 }]);
    await monitor.close();
  });

  it('with noProgressAfterMs, recovers a run that beats without progress, claiming on both bounds', async () => {
    const clock = createVirtualClock({ now: 600_000 });
    const { store, claims } = claimRecordingStore();
    await seed(store, 'hung', { lastBeatAt: 590_000, lastProgressAt: 100_000 });
    await seed(store, 'busy', { lastBeatAt: 590_000, lastProgressAt: 550_000 });
    const onStale = vi.fn();
    const monitor = createStaleMonitor({
      store,
      clock,
      staleAfterMs: 90_000,
      noProgressAfterMs: 300_000,
      onStale,
    });
    const recovered = await monitor.checkNow();
    expect(recovered).toEqual([
      {
        record: expect.objectContaining({ runId: 'hung' }),
        reason: 'noProgress',
        silentForMs: 500_000,
      },
    ]);
    expect(onStale).toHaveBeenCalledWith(recovered[0]);
    expect(claims).toEqual([{ lastBeatBefore: 510_000, lastProgressBefore: 300_000, at: 600_000 }]);
    await monitor.close();
  });

  it('logs what it recovers and each failure with the run, and goes on to the next run', async () => {
    const clock = createVirtualClock({ now: 3_600_000 });
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    await seed(store, 'a', { lastBeatAt: 0 });
    await seed(store, 'b', { lastBeatAt: 0 });
    const logger = createRecordingLogger();
    const claimDown = new Error('claim refused');
    const queueDown = new Error('retry queue down');
    const listDown = new Error('firestore unavailable');
    const monitor = createStaleMonitor({
      store,
      clock,
      logger,
      staleAfterMs: 60_000,
      onStale: () => {
        throw queueDown;
      },
    });
    store.failWith(claimDown, { methods: ['claimStale'], times: 1 });
    expect((await monitor.checkNow()).map(({ record }) => record.runId)).toEqual(['b']);
    store.failWith(listDown, { methods: ['listRuns'] });
    expect(await monitor.checkNow()).toEqual([]);
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        fields: { err: claimDown, runId: 'a' },
        msg: 'stale monitor: could not claim a stale run',
      },
      {
        level: 'warn',
        fields: {
          processorName: 'player_daily_cache',
          runId: 'b',
          reason: 'noHeartbeat',
          silentForMs: 3_600_000,
        },
        msg: 'stale monitor: recovering a stale run',
      },
      {
        level: 'error',
        fields: { err: queueDown, runId: 'b' },
        msg: 'stale monitor: onStale failed',
      },
      { level: 'warn', fields: { err: listDown }, msg: 'stale monitor: could not list runs' },
    ]);
    expect(monitor.stats).toEqual({
      checks: 2,
      recovered: 1,
      recoveryFailures: 1,
      failedChecks: 2,
    });
    await monitor.close();
  });

  it('never runs two checks at once, even when a tick falls due between two queued checks', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryHeartbeatStore();
    const releases: Array<() => void> = [];
    let listings = 0;
    let active = 0;
    let mostActive = 0;
    const slow: HeartbeatStore = {
      ...inner,
      listRuns: async (filter) => {
        listings++;
        active++;
        mostActive = Math.max(mostActive, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active--;
        return inner.listRuns(filter);
      },
    };
    const monitor = createStaleMonitor({
      store: slow,
      clock,
      intervalMs: 60_000,
      onStale: vi.fn(),
    });
    const first = monitor.checkNow();
    const second = monitor.checkNow();
    await clock.advance(0);
    expect(listings).toBe(1);
    releases[0]?.();
    await first;
    // The second check is under way when the tick falls due: the tick waits for it.
    await clock.advance(60_000);
    expect(listings).toBe(2);
    expect(mostActive).toBe(1);
    releases[1]?.();
    await second;
    await monitor.close();
  });

  it('validates its options', () => {
    const store = createMemoryHeartbeatStore();
    expect(() => createStaleMonitor({ store, onStale: 1 as never })).toThrow(
      'option "onStale" must be a function',
    );
    expect(() => createStaleMonitor({ store, onStale: () => {}, intervalMs: 0 })).toThrow(
      'option "intervalMs"',
    );
  });

  it.each([
    [undefined, 'options', 'createStaleMonitor needs an options object'],
    [null, 'options', 'createStaleMonitor needs an options object'],
    [{ store: undefined }, 'store', 'option "store" must be a HeartbeatStore'],
    [{ store: {} }, 'store', 'option "store" must be a HeartbeatStore'],
    [{ onStale: 1 }, 'onStale', 'option "onStale" must be a function'],
    [{ staleAfterMs: 0 }, 'staleAfterMs', 'option "staleAfterMs" must be a finite number'],
    [
      { noProgressAfterMs: -1 },
      'noProgressAfterMs',
      'option "noProgressAfterMs" must be a finite number',
    ],
    [{ intervalMs: 0 }, 'intervalMs', 'option "intervalMs" must be a finite number'],
  ])('refuses %o, naming %s', async (bad, option, message) => {
    const options =
      bad === undefined || bad === null
        ? bad
        : {
            store: createMemoryHeartbeatStore(),
            onStale: () => {},
            clock: createVirtualClock(),
            ...bad,
          };
    const error = await catchError(
      () => createStaleMonitor(options as never),
      HeartbeatOptionsError,
    );
    expect(error.option).toBe(option);
    expect(error.message).toContain(`@pipewell/heartbeat: ${message}`);
  });
});
