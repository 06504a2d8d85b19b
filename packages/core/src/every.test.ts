import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Clock, ClockTimer } from './clock.js';
import { PipewellOptionsError } from './error.js';
import { every } from './every.js';
import { createRecordingLogger } from './recording-logger.js';
import { createVirtualClock } from './virtual-clock.js';

describe('every', () => {
  it('ticks every intervalMs, the first one intervalMs after the call', async () => {
    const clock = createVirtualClock();
    const at: number[] = [];
    const loop = every(clock, 100, () => {
      at.push(clock.now());
    });
    await clock.advance(350);
    expect(at).toEqual([100, 200, 300]);
    await loop.close();
  });

  it('never overlaps a slow tick: the next one comes intervalMs after it settles', async () => {
    const clock = createVirtualClock();
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const loop = every(clock, 100, async () => {
      started.push(clock.now());
      running++;
      most = Math.max(most, running);
      await clock.sleep(250);
      running--;
    });
    await clock.advance(1_100);
    expect(started).toEqual([100, 450, 800]);
    expect(most).toBe(1);
    await loop.close();
  });

  it('reports a tick that throws or rejects to onError, and goes on ticking', async () => {
    const clock = createVirtualClock();
    const errors: unknown[] = [];
    let calls = 0;
    const loop = every(
      clock,
      100,
      () => {
        calls++;
        if (calls === 1) throw new Error('thrown');
        if (calls === 2) return Promise.reject(new Error('rejected'));
        return undefined;
      },
      { onError: (error) => errors.push(error) },
    );
    await clock.advance(300);
    expect(calls).toBe(3);
    expect(errors.map((error) => (error as Error).message)).toEqual(['thrown', 'rejected']);
    await loop.close();
  });

  it('logs a failed tick at error when there is no onError, and an onError that throws', async () => {
    const clock = createVirtualClock();
    const logger = createRecordingLogger();
    const failure = new Error('store down');
    const plain = every(clock, 100, () => Promise.reject(failure), { logger });
    const broken = every(clock, 100, () => Promise.reject(failure), {
      logger,
      onError: () => {
        throw new Error('onError broke');
      },
    });
    await clock.advance(200);
    expect(logger.at('error')).toHaveLength(4);
    expect(logger.entries[0]).toEqual({
      level: 'error',
      msg: 'every: a tick failed; the loop goes on',
      fields: { err: failure },
    });
    expect(logger.entries[1]?.msg).toBe('every: onError threw; ignored');
    expect(logger.entries[1]?.fields.tickError).toBe(failure);
    await plain.close();
    await broken.close();
  });

  it('stops on close(): no further tick, no timer left, and the tick in flight is told and awaited', async () => {
    const clock = createVirtualClock();
    let ticks = 0;
    let seen: AbortSignal | undefined;
    let finished = false;
    const loop = every(clock, 100, async ({ signal }) => {
      ticks++;
      seen = signal;
      await clock.sleep(50);
      finished = true;
    });
    await clock.advance(120);
    expect(ticks).toBe(1);
    expect(seen?.aborted).toBe(false);
    const stopping = loop.close();
    expect(loop.closed).toBe(true);
    expect(seen?.aborted).toBe(true);
    let stopped = false;
    void stopping.then(() => {
      stopped = true;
    });
    await clock.advance(10);
    expect(stopped).toBe(false);
    await clock.advance(40);
    await stopping;
    expect(finished).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1_000);
    expect(ticks).toBe(1);
    await loop.close();
  });

  it('does not schedule again when a tick stops its own loop', async () => {
    const clock = createVirtualClock();
    let ticks = 0;
    const loop = every(clock, 100, () => {
      ticks++;
      void loop.close();
    });
    await clock.advance(500);
    expect(ticks).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops when its signal aborts, and leaves no listener on the signal', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    let ticks = 0;
    let tickSignal: AbortSignal | undefined;
    const loop = every(
      clock,
      100,
      ({ signal }) => {
        ticks++;
        tickSignal = signal;
      },
      { signal: controller.signal },
    );
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await clock.advance(100);
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(loop.closed).toBe(true);
    expect(tickSignal?.reason).toBe(reason);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(500);
    expect(ticks).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('removes its listener when closed by close() rather than by the signal', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    const loop = every(clock, 100, () => {}, { signal: controller.signal });
    await loop.close();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('never starts on a signal that has already aborted', async () => {
    const clock = createVirtualClock();
    let ticks = 0;
    const loop = every(clock, 100, () => ticks++, { signal: AbortSignal.abort() });
    expect(loop.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(500);
    expect(ticks).toBe(0);
  });

  it('stops with await using', async () => {
    const clock = createVirtualClock();
    let ticks = 0;
    {
      await using _loop = every(clock, 100, () => ticks++);
      await clock.advance(100);
    }
    await clock.advance(500);
    expect(ticks).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it("unref's every timer it schedules, so the loop never keeps a process alive", async () => {
    const inner = createVirtualClock();
    let scheduled = 0;
    let unrefd = 0;
    const clock: Clock = {
      now: inner.now,
      sleep: inner.sleep,
      setTimeout(callback, ms) {
        scheduled++;
        const timer = inner.setTimeout(callback, ms);
        const counted: ClockTimer = {
          clear: () => timer.clear(),
          unref: () => {
            unrefd++;
            return counted;
          },
        };
        return counted;
      },
    };
    const loop = every(clock, 100, () => {});
    await inner.advance(300);
    await loop.close();
    expect(scheduled).toBe(4);
    expect(unrefd).toBe(scheduled);
  });

  it("runs on the system clock, unref'd there too", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    let ticks = 0;
    const loop = every((await import('./clock.js')).systemClock, 5, () => {
      ticks++;
    });
    while (ticks < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await loop.close();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });

  it.each([
    ['intervalMs', () => every(createVirtualClock(), 0, () => {})],
    ['intervalMs', () => every(createVirtualClock(), Number.NaN, () => {})],
    ['intervalMs', () => every(createVirtualClock(), Number.POSITIVE_INFINITY, () => {})],
    ['tick', () => every(createVirtualClock(), 10, 'tick' as never)],
    ['clock', () => every({} as Clock, 10, () => {})],
  ])('refuses a bad %s, naming it', (option, create) => {
    let error: unknown;
    try {
      create();
    } catch (thrown) {
      error = thrown;
    }
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect((error as PipewellOptionsError).option).toBe(option);
  });
});
