import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';

describe('systemClock', () => {
  it('tells wall-clock time', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('rejects a sleep at once with the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const started = performance.now();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects a sleep on an already aborted signal without scheduling', async () => {
    const reason = new Error('already');
    await expect(systemClock.sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('runs and clears timers', async () => {
    const fired: string[] = [];
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 0);
    cleared.clear();
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 1).unref());
    await systemClock.sleep(0);
    expect(fired).toEqual([]);
  });
});
