import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PipewellOptionsError } from './error.js';
import { sleep } from './sleep.js';
import { createVirtualClock } from './virtual-clock.js';

describe('sleep', () => {
  it('waits on the given clock', async () => {
    const clock = createVirtualClock();
    let woke = false;
    const sleeping = sleep(1_000, { clock }).then(() => {
      woke = true;
    });
    await clock.advance(999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
    expect(clock.now()).toBe(1_000);
  });

  it('rejects at once with the reason when the signal aborts, and clears its timer', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const sleeping = sleep(60_000, { clock, signal: controller.signal });
    expect(clock.pendingTimers).toBe(1);
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.now()).toBe(0);
  });

  it('rejects without scheduling on a signal that has already aborted', async () => {
    const clock = createVirtualClock();
    const reason = new Error('already');
    await expect(sleep(10, { clock, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves no abort listener behind, whether it wakes or is aborted', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    for (let i = 0; i < 3; i++) {
      const sleeping = sleep(10, { clock, signal: controller.signal });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      await clock.advance(10);
      await sleeping;
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const aborted = sleep(10, { clock, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('sleeps on the system clock by default, and is abortable there too', async () => {
    await sleep(1);
    const controller = new AbortController();
    const started = performance.now();
    const sleeping = sleep(60_000, { signal: controller.signal });
    controller.abort(new Error('now'));
    await expect(sleeping).rejects.toThrow('now');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '10'])(
    'refuses ms = %s, naming it',
    async (ms) => {
      const error = await sleep(ms as number).catch((e: unknown) => e);
      expect(PipewellOptionsError.isInstance(error)).toBe(true);
      expect((error as PipewellOptionsError).option).toBe('ms');
    },
  );
});
