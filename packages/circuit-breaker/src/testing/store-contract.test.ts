import { describe, expect, it } from 'vitest';
import { BreakerConfigError } from '../errors.js';
import { createMemoryBreakerStore } from '../memory-store.js';
import { applyOutcome } from '../record.js';
import type { BreakerStateStore } from '../store-port.js';
import { breakerStoreContract, type ContractTest } from './store-contract.js';

/** Register the contract with a collecting `it`, run every test, and name the ones that failed. */
async function failures(store: BreakerStateStore): Promise<string[]> {
  const tests: Array<{ name: string; fn: () => Promise<void> }> = [];
  const collect: ContractTest = (name, fn) => {
    tests.push({ name, fn });
  };
  breakerStoreContract({ it: collect, makeStore: () => store });
  const failed: string[] = [];
  for (const test of tests) await test.fn().catch(() => failed.push(test.name));
  return failed;
}

describe('breakerStoreContract', () => {
  it('passes a correct store', async () => {
    expect(await failures(createMemoryBreakerStore())).toEqual([]);
  });

  it('fails a store whose compare-and-set ignores the version', async () => {
    const inner = createMemoryBreakerStore();
    const lastWriterWins: BreakerStateStore = {
      get: (name) => inner.get(name),
      async compareAndSet(name, _expected, next) {
        const current = (await inner.get(name))?.version ?? 0;
        return inner.compareAndSet(name, current, next);
      },
      recordOutcome: (name, outcome) => inner.recordOutcome(name, outcome),
    };
    expect(await failures(lastWriterWins)).toContain(
      'refuses a stale compare-and-set and keeps the stored record',
    );
  });

  it('fails a store whose recordOutcome is not atomic, or writes a no-op', async () => {
    const inner = createMemoryBreakerStore();
    const racy: BreakerStateStore = {
      get: (name) => inner.get(name),
      compareAndSet: (name, expected, next) => inner.compareAndSet(name, expected, next),
      async recordOutcome(name, outcome) {
        // Read, yield, then write: concurrent outcomes overwrite each other.
        const current = await inner.get(name);
        await new Promise((resolve) => setImmediate(resolve));
        const next = applyOutcome(current, outcome);
        await inner.compareAndSet(name, current?.version ?? 0, {
          ...next,
          version: (current?.version ?? 0) + 1,
        });
        return next;
      },
    };
    const failed = await failures(racy);
    expect(failed).toContain('loses no outcome when instances record concurrently');
    expect(failed).toContain('loses no failure when instances count concurrently');
    expect(failed).toContain('writes nothing for an outcome that changes nothing on an empty name');
  });

  it('names a bad option', () => {
    const option = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        if (BreakerConfigError.isInstance(error)) return error.option;
        throw error;
      }
      return undefined;
    };
    const makeStore = () => createMemoryBreakerStore();
    expect(option(() => breakerStoreContract({ it: undefined as never, makeStore }))).toBe('it');
    expect(option(() => breakerStoreContract({ it, makeStore: 'x' as never }))).toBe('makeStore');
    expect(option(() => breakerStoreContract({ it, makeStore, concurrency: 0 }))).toBe(
      'concurrency',
    );
  });
});
