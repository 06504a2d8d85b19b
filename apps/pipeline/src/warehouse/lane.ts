/** Tasks run one at a time, in the order given. */
export interface Lane {
  /**
   * Run `task` after every task given before it has settled. When `signal` aborts while the
   * task waits, the call rejects with its reason at once and the task never starts; once it has
   * started, the task alone decides what an abort does.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Resolve once every task given so far has settled. */
  idle(): Promise<void>;
}

const ignore = (): void => {};

/**
 * A lane: the one-writer discipline of the warehouse, and the order of the statements on one
 * DuckDB connection (which runs one at a time).
 *
 * @example
 * ```ts
 * const writes = createLane();
 * await Promise.all([writes.run(() => merge(a)), writes.run(() => merge(b))]); // a, then b
 * ```
 */
export function createLane(): Lane {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal === undefined) {
        const turn = tail.then(task);
        tail = turn.then(ignore, ignore);
        return turn;
      }
      if (signal.aborted) return Promise.reject(signal.reason);
      let started = false;
      const turn = tail.then(() => {
        started = true;
        signal.throwIfAborted();
        return task();
      });
      tail = turn.then(ignore, ignore);
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          if (!started) reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        turn.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
    idle: () => tail.then(ignore),
  };
}
