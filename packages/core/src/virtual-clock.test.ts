import { describe, expect, it } from 'vitest';
import { createVirtualClock } from './virtual-clock.js';

describe('createVirtualClock', () => {
  it('starts at the given time and moves only when advanced', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('fires timers in due order, then insertion order, each at its due time', async () => {
    const clock = createVirtualClock();
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['c', clock.now()]), 20);
    expect(clock.pendingTimers).toBe(3);
    await clock.advance(15);
    expect(fired).toEqual([['a', 10]]);
    await clock.advance(100);
    expect(fired).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 20],
    ]);
    expect(clock.now()).toBe(115);
    expect(clock.pendingTimers).toBe(0);
  });

  it('follows sleeps that schedule further sleeps within one advance', async () => {
    const clock = createVirtualClock();
    const wakes: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        wakes.push(clock.now());
      }
    })();
    await clock.advance(300);
    await loop;
    expect(wakes).toEqual([100, 200, 300]);
  });

  it('does not run cleared timers', async () => {
    const clock = createVirtualClock();
    let ran = false;
    const timer = clock.setTimeout(() => {
      ran = true;
    }, 10);
    timer.clear();
    timer.clear();
    await clock.advance(20);
    expect(ran).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects a sleep when its signal aborts and forgets the timer', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    expect(clock.pendingTimers).toBe(1);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
    expect(clock.pendingTimers).toBe(0);
    expect(clock.now()).toBe(0);
  });

  it('runAll stops when the awaited promise settles', async () => {
    const clock = createVirtualClock();
    const done = clock.sleep(50).then(() => 'done');
    clock.setTimeout(() => {}, 10_000);
    await clock.runAll(done);
    await expect(done).resolves.toBe('done');
    expect(clock.now()).toBe(50);
    expect(clock.pendingTimers).toBe(1);
  });

  it('runAll refuses to spin forever', async () => {
    const clock = createVirtualClock();
    const again = (): void => {
      clock.setTimeout(again, 1);
    };
    again();
    await expect(clock.runAll(undefined, 50)).rejects.toThrow('still scheduling after 50 timers');
  });

  it('rejects negative advances and non-finite start times', async () => {
    const clock = createVirtualClock();
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    expect(() => createVirtualClock({ now: Number.NaN })).toThrow('"now" must be a finite number');
  });
});
