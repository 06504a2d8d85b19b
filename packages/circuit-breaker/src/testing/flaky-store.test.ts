import { catchError, createVirtualClock } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { BreakerConfigError } from '../errors.js';
import { createMemoryBreakerStore } from '../memory-store.js';
import { emptyRecord } from '../record.js';
import { createFlakyBreakerStore } from './flaky-store.js';
import { breakerStoreContract } from './store-contract.js';

const record = (version: number) => ({ ...emptyRecord(0, 'writer'), version });

/** Whether `promise` has settled, without waiting for it. */
function watch(promise: Promise<unknown>): () => boolean {
  let settled = false;
  const done = (): void => {
    settled = true;
  };
  promise.then(done, done);
  return () => settled;
}

describe('createFlakyBreakerStore with no options: a transparent wrapper', () => {
  breakerStoreContract({
    it,
    makeStore: () => createFlakyBreakerStore(createMemoryBreakerStore()),
  });
});

describe('createFlakyBreakerStore', () => {
  it('answers after a delay each way, in virtual time', async () => {
    const clock = createVirtualClock();
    const store = createFlakyBreakerStore(createMemoryBreakerStore(), {
      delayMs: 100,
      random: () => 0.5,
      clock,
    });
    const write = store.compareAndSet('a', 0, record(1));
    const written = watch(write);
    await clock.advance(99);
    expect(written()).toBe(false);
    await clock.advance(1);
    await expect(write).resolves.toBe(true);
    const read = store.get('a');
    const answered = watch(read);
    await clock.advance(50); // the request has arrived; the answer is on its way back
    expect(answered()).toBe(false);
    await clock.advance(50);
    await expect(read).resolves.toEqual(record(1));
  });

  it('makes a compare-and-set lose to a rival write at conflictRate', async () => {
    const inner = createMemoryBreakerStore();
    const always = createFlakyBreakerStore(inner, { conflictRate: 1 });
    expect(await always.compareAndSet('a', 0, record(1))).toBe(false);
    // The rival's write is real: one version on, the same content, its own name.
    expect(inner.snapshot().a).toMatchObject({
      version: 1,
      state: 'closed',
      updatedBy: 'flaky-store-rival',
    });
    expect(await always.compareAndSet('a', 1, record(2))).toBe(false);
    expect(always.conflicts).toBe(2);
    const never = createFlakyBreakerStore(inner, { conflictRate: 0 });
    expect(await never.compareAndSet('a', 2, record(3))).toBe(true);
    expect(never.conflicts).toBe(0);
  });

  it('draws conflicts from the random source it is given', async () => {
    const draws = [0.1, 0.9];
    const store = createFlakyBreakerStore(createMemoryBreakerStore(), {
      conflictRate: 0.5,
      random: () => draws.shift() ?? 0.9,
    });
    expect(await store.compareAndSet('a', 0, record(1))).toBe(false); // 0.1 < 0.5: a rival won
    expect(await store.compareAndSet('a', 1, record(2))).toBe(true);
  });

  it('fails every call made, or arriving after a pause, while failWith is set', async () => {
    const store = createFlakyBreakerStore(createMemoryBreakerStore());
    store.failWith(new Error('unavailable'));
    await expect(store.get('a')).rejects.toThrow('unavailable');
    await expect(store.compareAndSet('a', 0, record(1))).rejects.toThrow('unavailable');
    store.failWith(undefined);
    await expect(store.get('a')).resolves.toBeUndefined();

    store.pause();
    const held = store.get('a');
    store.failWith(new Error('went down while the call was held'));
    store.resume();
    await expect(held).rejects.toThrow('went down while the call was held');
  });

  it('holds calls while paused, counts every call, and lets them through on resume', async () => {
    const store = createFlakyBreakerStore(createMemoryBreakerStore());
    store.pause();
    const write = store.compareAndSet('a', 0, record(1));
    const written = watch(write);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written()).toBe(false);
    store.resume();
    await expect(write).resolves.toBe(true);
    await store.get('a');
    await store.recordOutcome('a', { kind: 'success', instanceId: 'i', at: 1, period: 0 });
    expect(store.calls).toEqual({ get: 1, compareAndSet: 1, recordOutcome: 1 });
  });

  it('names a bad option', () => {
    const inner = createMemoryBreakerStore();
    const option = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        if (BreakerConfigError.isInstance(error)) return error.option;
        throw error;
      }
      return undefined;
    };
    expect(option(() => createFlakyBreakerStore(inner, { delayMs: -1 }))).toBe('delayMs');
    expect(option(() => createFlakyBreakerStore(inner, { conflictRate: 2 }))).toBe('conflictRate');
    expect(option(() => createFlakyBreakerStore(inner, { random: 1 as never }))).toBe('random');
    expect(option(() => createFlakyBreakerStore(inner, { clock: {} as never }))).toBe('clock');
    expect(option(() => createFlakyBreakerStore({} as never))).toBe('inner');
  });

  it('is a PipewellOptionsError for the wrong option', async () => {
    const error = await catchError(
      () => createFlakyBreakerStore(createMemoryBreakerStore(), { delayMs: Number.NaN }),
      BreakerConfigError,
    );
    expect(error.message).toContain('"delayMs" must be a number >= 0');
  });
});
