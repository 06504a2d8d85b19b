import { describe, expect, it } from 'vitest';
import { checkRunFilter, type HeartbeatStore, meetsStaleClaim } from '../heartbeat-store.js';
import { createMemoryHeartbeatStore } from '../memory-store.js';
import type { HeartbeatRecord, RunKey } from '../record.js';
import { runKeyId } from '../record.js';
import { createFlakyHeartbeatStore } from './flaky-store.js';
import { type HeartbeatStoreContractOptions, heartbeatStoreContract } from './store-contract.js';

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(`${code} ${message}`), { code });
}

const denied = () => grpcError(7, 'PERMISSION_DENIED: Missing or insufficient permissions.');
const unavailable = () => grpcError(14, 'UNAVAILABLE: connection reset');

describe('createMemoryHeartbeatStore meets the store contract', () => {
  // One store for every test: the contract never assumes an empty store.
  const store = createMemoryHeartbeatStore();
  heartbeatStoreContract({ it, makeStore: () => store });
});

describe('createFlakyHeartbeatStore over the memory store meets the store contract', () => {
  const failing = (error: Error) => {
    const store = createFlakyHeartbeatStore(createMemoryHeartbeatStore());
    store.failWith(error);
    return store;
  };
  heartbeatStoreContract({
    it,
    makeStore: () => createFlakyHeartbeatStore(createMemoryHeartbeatStore()),
    failures: { permanent: () => failing(denied()), transient: () => failing(unavailable()) },
  });
});

/** A way a hand-written store can go wrong; each one the contract must catch. */
type Flaw =
  | 'claim overwrites a completed run'
  | 'claim reads, then writes back what it read'
  | 'claim replaces the record'
  | 'upsert replaces the record'
  | 'upsert deep-merges details'
  | 'listRuns ignores dataDate'
  | 'listRuns accepts 2026-02-30'
  | 'claim bound is inclusive'
  | 'swallows backend failures'
  | 'wraps backend failures in a plain Error';

const empty: Omit<HeartbeatRecord, keyof RunKey> = {
  status: 'running',
  startedAt: 0,
  lastBeatAt: 0,
  lastProgressAt: 0,
  beats: 0,
  details: null,
  stoppedAt: null,
  summary: null,
  staleAt: null,
};

function deepMerge(into: unknown, from: unknown): unknown {
  const isMap = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isMap(into) || !isMap(from)) return from;
  const merged: Record<string, unknown> = { ...into };
  for (const [field, value] of Object.entries(from)) merged[field] = deepMerge(into[field], value);
  return merged;
}

/**
 * A store as a third-party author might write it, over a Map behind an asynchronous "backend",
 * with one flaw switched on (or none), and a backend that fails with `failure` when given.
 */
function handWrittenStore(flaw?: Flaw, failure?: Error): HeartbeatStore {
  const records = new Map<string, HeartbeatRecord>();
  const backend = async (): Promise<void> => {
    // A round trip: other calls run meanwhile, as they do against a real backend.
    await new Promise((resolve) => setImmediate(resolve));
    if (failure === undefined) return;
    if (flaw === 'wraps backend failures in a plain Error')
      throw new Error(`store failed: ${failure.message}`);
    throw failure;
  };
  const swallow = flaw === 'swallows backend failures';
  const meets = (record: HeartbeatRecord, claim: Parameters<typeof meetsStaleClaim>[1]) => {
    if (flaw === 'claim overwrites a completed run')
      return record.lastBeatAt < claim.lastBeatBefore;
    if (flaw === 'claim bound is inclusive') {
      return (
        record.status === 'running' &&
        (record.lastBeatAt <= claim.lastBeatBefore ||
          (claim.lastProgressBefore !== undefined &&
            record.lastProgressAt <= claim.lastProgressBefore))
      );
    }
    return meetsStaleClaim(record, claim);
  };
  return {
    async upsert(key, fields) {
      try {
        await backend();
      } catch (error) {
        if (swallow) return;
        throw error;
      }
      const id = runKeyId(key);
      const current = records.get(id);
      const created = { ...empty, ...key };
      let next: HeartbeatRecord;
      if (flaw === 'upsert replaces the record') next = { ...created, ...fields };
      else if (flaw === 'upsert deep-merges details')
        next = deepMerge(current ?? created, fields) as HeartbeatRecord;
      else next = { ...(current ?? created), ...fields };
      records.set(id, structuredClone(next));
    },
    async get(key) {
      try {
        await backend();
      } catch (error) {
        if (swallow) return undefined;
        throw error;
      }
      const record = records.get(runKeyId(key));
      return record && structuredClone(record);
    },
    async listRuns(filter) {
      if (flaw !== 'listRuns accepts 2026-02-30') checkRunFilter(filter);
      try {
        await backend();
      } catch (error) {
        if (swallow) return [];
        throw error;
      }
      return [...records.values()]
        .filter(
          (record) =>
            (filter.status === undefined || record.status === filter.status) &&
            (filter.processorName === undefined || record.processorName === filter.processorName) &&
            (flaw === 'listRuns ignores dataDate' ||
              filter.dataDate === undefined ||
              record.dataDate === filter.dataDate),
        )
        .map((record) => structuredClone(record));
    },
    async claimStale(key, claim) {
      try {
        await backend();
      } catch (error) {
        if (swallow) return false;
        throw error;
      }
      const id = runKeyId(key);
      const record = records.get(id);
      if (record === undefined || !meets(record, claim)) return false;
      if (flaw === 'claim reads, then writes back what it read') await backend();
      const claimed: HeartbeatRecord =
        flaw === 'claim replaces the record'
          ? { ...empty, ...key, status: 'stale', staleAt: claim.at }
          : { ...record, status: 'stale', staleAt: claim.at };
      records.set(id, claimed);
      return true;
    },
  };
}

/** Run the contract against a store with `flaw` (its own tests, not vitest's): the names that fail. */
async function failingContractTests(flaw?: Flaw): Promise<string[]> {
  const tests: Array<{ name: string; fn: () => Promise<void> }> = [];
  const options: HeartbeatStoreContractOptions = {
    it: (name, fn) => tests.push({ name, fn }),
    makeStore: () => handWrittenStore(flaw),
    failures: {
      permanent: () => handWrittenStore(flaw, denied()),
      transient: () => handWrittenStore(flaw, unavailable()),
    },
  };
  heartbeatStoreContract(options);
  const failed: string[] = [];
  for (const { name, fn } of tests) {
    try {
      await fn();
    } catch {
      failed.push(name);
    }
  }
  return failed;
}

describe('heartbeatStoreContract fails a store that breaks what the heartbeat relies on', () => {
  it('passes a hand-written store without flaws (so every failure below is the flaw)', async () => {
    expect(await failingContractTests()).toEqual([]);
  });

  it.each<[Flaw, string[]]>([
    [
      'claim overwrites a completed run',
      ['completion wins', 'leaves the run stale, so it is never claimed twice'],
    ],
    [
      'claim reads, then writes back what it read',
      ['exactly one of several concurrent claims', 'a stop racing a claim always lands'],
    ],
    ['claim replaces the record', ['every other field kept']],
    [
      'upsert replaces the record',
      ['only the fields given change', 'leaves the run stale, so it is never claimed twice'],
    ],
    ['upsert deep-merges details', ['details and summary are replaced whole']],
    ['listRuns ignores dataDate', ['listRuns returns the runs matching every field given']],
    ['listRuns accepts 2026-02-30', ['refuses an impossible dataDate']],
    ['claim bound is inclusive', ['claimStale bounds are strict']],
    ['swallows backend failures', ['isPermanentError recognises', 'isTransientError recognises']],
    [
      'wraps backend failures in a plain Error',
      ['isPermanentError recognises', 'isTransientError recognises'],
    ],
  ])('a store where the %s fails the tests about it', async (flaw, expected) => {
    const failed = await failingContractTests(flaw);
    for (const part of expected)
      expect(failed.filter((name) => name.includes(part))).toHaveLength(1);
  });
});

describe('heartbeatStoreContract options', () => {
  it('refuses bad options, naming them', () => {
    const makeStore = () => createMemoryHeartbeatStore();
    expect(() => heartbeatStoreContract({ it: undefined as never, makeStore })).toThrow(
      expect.objectContaining({ name: 'HeartbeatOptionsError', option: 'it' }),
    );
    expect(() => heartbeatStoreContract({ it, makeStore: {} as never })).toThrow(
      expect.objectContaining({ option: 'makeStore' }),
    );
    expect(() =>
      heartbeatStoreContract({ it, makeStore, failures: { permanent: 'x' as never } }),
    ).toThrow(expect.objectContaining({ option: 'failures.permanent' }));
    expect(() => heartbeatStoreContract({ it, makeStore, concurrency: 1 })).toThrow(
      expect.objectContaining({ option: 'concurrency' }),
    );
    expect(() => heartbeatStoreContract({ it, makeStore, timeoutMs: 0 })).toThrow(
      expect.objectContaining({ option: 'timeoutMs' }),
    );
  });

  it('registers the failure checks only for the failing stores it is given', () => {
    const names: string[] = [];
    const register = (name: string) => {
      names.push(name);
    };
    const makeStore = () => createMemoryHeartbeatStore();
    heartbeatStoreContract({ it: register, makeStore });
    const plain = names.length;
    names.length = 0;
    heartbeatStoreContract({ it: register, makeStore, failures: { permanent: makeStore } });
    expect(names).toHaveLength(plain + 1);
    expect(names.at(-1)).toContain('isPermanentError');
  });
});
