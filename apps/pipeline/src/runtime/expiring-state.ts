import type { Clock } from '@pipewell/core';
import type { StateDocument, StateStore, UpdateFunction } from '../state/index.js';

/**
 * `state` with every `set` and `update` given an `expireAt` of `ttlMs` from now on `clock`, so
 * documents written through it (heartbeats) expire instead of piling up; each write pushes the
 * expiry back. The view does not own `state`: its `close()` leaves `state` open.
 */
export function withExpiry(state: StateStore, clock: Clock, ttlMs: number): StateStore {
  const expireAt = (): number => clock.now() + ttlMs;
  return {
    get: <T extends StateDocument>(collection: string, id: string) => state.get<T>(collection, id),
    set: <T extends StateDocument>(collection: string, id: string, doc: T) =>
      state.set(collection, id, doc, { expireAt: expireAt() }),
    update: <T extends StateDocument>(collection: string, id: string, fn: UpdateFunction<T>) =>
      state.update(collection, id, fn, { expireAt: expireAt() }),
    delete: (collection, id) => state.delete(collection, id),
    list: <T extends StateDocument>(
      collection: string,
      options?: Parameters<StateStore['list']>[1],
    ) => state.list<T>(collection, options),
    close: async () => {},
  };
}
