import { HeartbeatOptionsError } from '../errors.js';
import type { HeartbeatStore } from '../heartbeat-store.js';
import { checkRunFilter } from '../heartbeat-store.js';

type HeartbeatStoreMethod = keyof HeartbeatStore;

const methodNames: readonly HeartbeatStoreMethod[] = ['upsert', 'get', 'listRuns', 'claimStale'];

/** Which calls {@link FlakyHeartbeatStore.failWith} fails. */
export interface FailWithOptions {
  /**
   * Fail only these methods; the others work.
   * @default every method
   */
  readonly methods?: readonly HeartbeatStoreMethod[];
  /**
   * Fail this many calls (of the chosen methods), then work again.
   * @default every call until `failWith(undefined)`
   */
  readonly times?: number;
}

/** A {@link HeartbeatStore} wrapped with fault hooks, from {@link createFlakyHeartbeatStore}. */
export interface FlakyHeartbeatStore extends HeartbeatStore {
  /**
   * Make calls reject with `error` without reaching the store underneath (nothing is written),
   * as a store whose backend refuses or is down does; `failWith(undefined)` heals it.
   */
  failWith(error: Error | undefined, options?: FailWithOptions): void;
  /** Calls made so far to each method, failed ones included (a retried write counts each try). */
  readonly calls: Readonly<Record<HeartbeatStoreMethod, number>>;
}

/**
 * Wrap a heartbeat store with fault hooks, to test what the heartbeat, the monitor or your own
 * code does when the store fails: every call goes to `inner` unless `failWith` says otherwise.
 *
 * @example
 * ```ts
 * import { createMemoryHeartbeatStore } from '@pipewell/heartbeat';
 * import { createFlakyHeartbeatStore } from '@pipewell/heartbeat/testing';
 *
 * const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
 * const denied = Object.assign(new Error('PERMISSION_DENIED'), { code: 7 });
 * store.failWith(denied, { methods: ['upsert'] }); // every write refused, reads work
 * store.failWith(Object.assign(new Error('UNAVAILABLE'), { code: 14 }), { times: 2 }); // two blips
 * ```
 */
export function createFlakyHeartbeatStore(inner: HeartbeatStore): FlakyHeartbeatStore {
  if (
    typeof inner !== 'object' ||
    inner === null ||
    !methodNames.every((method) => typeof inner[method] === 'function')
  ) {
    throw new HeartbeatOptionsError(
      'inner',
      `createFlakyHeartbeatStore needs a HeartbeatStore (with ${methodNames.join(', ')})`,
    );
  }
  let failure: { error: Error; methods: readonly HeartbeatStoreMethod[]; left: number } | undefined;
  const calls: Record<HeartbeatStoreMethod, number> = {
    upsert: 0,
    get: 0,
    listRuns: 0,
    claimStale: 0,
  };

  const enter = (method: HeartbeatStoreMethod): void => {
    calls[method]++;
    if (failure === undefined || !failure.methods.includes(method)) return;
    const { error } = failure;
    failure.left--;
    if (failure.left <= 0) failure = undefined;
    throw error;
  };

  return {
    async upsert(key, fields) {
      enter('upsert');
      return inner.upsert(key, fields);
    },
    async get(key) {
      enter('get');
      return inner.get(key);
    },
    async listRuns(filter) {
      // A store refuses a bad filter before it asks its backend, failing or not.
      checkRunFilter(filter);
      enter('listRuns');
      return inner.listRuns(filter);
    },
    async claimStale(key, claim) {
      enter('claimStale');
      return inner.claimStale(key, claim);
    },
    failWith(error, options = {}) {
      if (error === undefined) {
        failure = undefined;
        return;
      }
      if (!(error instanceof Error)) {
        throw new HeartbeatOptionsError(
          'error',
          `failWith needs an Error, or undefined to heal (got ${String(error)})`,
        );
      }
      const methods = options.methods ?? methodNames;
      if (
        !Array.isArray(methods) ||
        methods.length === 0 ||
        methods.some((method) => !methodNames.includes(method))
      ) {
        throw new HeartbeatOptionsError(
          'methods',
          `option "methods" must list some of ${methodNames.join(', ')} (got ${JSON.stringify(methods)})`,
        );
      }
      const times = options.times ?? Number.POSITIVE_INFINITY;
      if (times !== Number.POSITIVE_INFINITY && (!Number.isInteger(times) || times <= 0)) {
        throw new HeartbeatOptionsError(
          'times',
          `option "times" must be a whole number > 0 (got ${String(options.times)})`,
        );
      }
      failure = { error, methods: [...methods], left: times };
    },
    get calls() {
      return { ...calls };
    },
  };
}
