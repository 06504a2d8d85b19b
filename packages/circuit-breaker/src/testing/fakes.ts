import type { BreakerStateStore } from '../store.js';

/** A view of `inner` whose calls wait while paused: a slow store, or a paused instance. */
export function pausableStore(inner: BreakerStateStore): {
  readonly store: BreakerStateStore;
  pause(): void;
  resume(): void;
} {
  let gate: Promise<void> | undefined;
  let open = (): void => {};
  const wait = async (): Promise<void> => {
    while (gate !== undefined) await gate;
  };
  return {
    store: {
      async get(name) {
        await wait();
        return inner.get(name);
      },
      async compareAndSet(name, expected, next) {
        await wait();
        return inner.compareAndSet(name, expected, next);
      },
      async recordOutcome(name, outcome) {
        await wait();
        return inner.recordOutcome(name, outcome);
      },
    },
    pause() {
      gate = new Promise((resolve) => (open = resolve));
    },
    resume() {
      gate = undefined;
      open();
    },
  };
}

/** A view of `inner` that counts the write operations it receives. */
export function countingStore(inner: BreakerStateStore): {
  readonly store: BreakerStateStore;
  readonly writes: { compareAndSet: number; recordOutcome: number };
  total(): number;
} {
  const writes = { compareAndSet: 0, recordOutcome: 0 };
  return {
    store: {
      get: (name) => inner.get(name),
      compareAndSet: (name, expected, next) => {
        writes.compareAndSet++;
        return inner.compareAndSet(name, expected, next);
      },
      recordOutcome: (name, outcome) => {
        writes.recordOutcome++;
        return inner.recordOutcome(name, outcome);
      },
    },
    writes,
    total: () => writes.compareAndSet + writes.recordOutcome,
  };
}
