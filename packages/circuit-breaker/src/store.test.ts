import { describe, expect, it } from 'vitest';
import { createMemoryBreakerStore } from './memory-store.js';
import { breakerStoreContract } from './testing/store-contract.js';

describe('createMemoryBreakerStore: the store contract', () => {
  breakerStoreContract({ it, makeStore: () => createMemoryBreakerStore() });
});

describe('createMemoryBreakerStore', () => {
  it('hands out copies, so callers cannot change stored records', async () => {
    const store = createMemoryBreakerStore();
    const written = await store.recordOutcome('a', {
      kind: 'trip',
      instanceId: 'i',
      at: 1,
      windowMs: 10,
      period: 0,
    });
    (written.trips as Record<string, number>).i = 999;
    expect((await store.get('a'))?.trips).toEqual({ i: 1 });
    expect(store.snapshot()).toEqual({ a: { ...written, trips: { i: 1 } } });
  });

  it('hands out a copy on every read', async () => {
    const store = createMemoryBreakerStore();
    await store.recordOutcome('a', {
      kind: 'trip',
      instanceId: 'i',
      at: 1,
      windowMs: 10,
      period: 0,
    });
    const read = await store.get('a');
    (read?.trips as Record<string, number>).i = 999;
    expect((await store.get('a'))?.trips).toEqual({ i: 1 });
    await expect(store.get('unknown')).resolves.toBeUndefined();
  });

  it('fails every call while the deprecated failWith is set', async () => {
    const store = createMemoryBreakerStore();
    store.failWith(new Error('unavailable'));
    await expect(store.get('a')).rejects.toThrow('unavailable');
    await expect(
      store.recordOutcome('a', { kind: 'trip', instanceId: 'i', at: 1, windowMs: 1, period: 0 }),
    ).rejects.toThrow('unavailable');
    store.failWith(undefined);
    await expect(store.get('a')).resolves.toBeUndefined();
  });
});
