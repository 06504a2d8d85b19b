import { createVirtualClock, type VirtualClock } from '@pipewell/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { startHeartbeat } from './heartbeat.js';
import type { HeartbeatStore } from './heartbeat-store.js';
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

  it('rejects bad options', async () => {
    const store = createMemoryHeartbeatStore();
    await expect(findStaleRuns(store, { staleAfterMs: -1, now: 0 })).rejects.toThrow(
      'option "staleAfterMs"',
    );
    await expect(findStaleRuns(store, { staleAfterMs: 1, now: Number.NaN })).rejects.toThrow(
      'option "now"',
    );
  });
});

describe('createStaleMonitor', () => {
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

  it('validates its options', () => {
    const store = createMemoryHeartbeatStore();
    expect(() => createStaleMonitor({ store, onStale: 1 as never })).toThrow(
      'option "onStale" must be a function',
    );
    expect(() => createStaleMonitor({ store, onStale: () => {}, intervalMs: 0 })).toThrow(
      'option "intervalMs"',
    );
  });
});
