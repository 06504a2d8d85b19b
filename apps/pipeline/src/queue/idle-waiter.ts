import type { IdleOptions } from './port.js';

/** A caller of `idle()` waiting for its subscriptions to settle. */
export interface IdleWaiter {
  readonly options: IdleOptions;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The promise `idle()` returns, shared by the queue adapters: `waiter` joins `waiters`, and the
 * adapter's idle check (`scheduleCheck`) resolves or rejects it. An abort of `options.signal`
 * rejects with its reason and removes the waiter. While it waits it keeps the process alive (the
 * adapters' own timers are unref'd), through a redelivery's backoff too.
 */
export function waitForIdle(
  waiters: Set<IdleWaiter>,
  options: IdleOptions,
  scheduleCheck: () => void,
): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const keepAlive = setInterval(() => {}, 2 ** 30);
    const done = (): void => {
      clearInterval(keepAlive);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      waiters.delete(waiter);
      done();
      reject(signal?.reason);
    };
    const waiter: IdleWaiter = {
      options,
      resolve: () => {
        done();
        resolve();
      },
      reject: (error) => {
        done();
        reject(error);
      },
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    waiters.add(waiter);
    scheduleCheck();
  });
}
