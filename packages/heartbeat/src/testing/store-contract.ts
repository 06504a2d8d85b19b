import assert from 'node:assert/strict';
import { isPermanentError, isTransientError } from '@pipewell/retry';
import { HeartbeatOptionsError } from '../errors.js';
import type { HeartbeatStore, StaleClaim } from '../heartbeat-store.js';
import type { HeartbeatFields, HeartbeatRecord, RunKey, RunStatus } from '../record.js';

/**
 * The test function a contract suite registers its tests with: vitest's `it` or `test`, or
 * jest's. Called once per contract test, while the suite is collected.
 */
type ContractTestFunction = (name: string, fn: () => Promise<void>, timeoutMs?: number) => unknown;

/** Opens a store for a contract test: the store under test, or one whose backend fails. */
type MakeHeartbeatStore = () => HeartbeatStore | Promise<HeartbeatStore>;

/** Options for {@link heartbeatStoreContract}. */
export interface HeartbeatStoreContractOptions {
  /** Your test runner's `it` (or `test`), which the suite registers its tests with. */
  readonly it: ContractTestFunction;
  /**
   * The store under test, called once per test. It may return the same store every time: each
   * test writes runs of its own processor names, and never assumes the store is empty.
   */
  readonly makeStore: MakeHeartbeatStore;
  /**
   * Stores whose backend fails, to check that a failure rejects with an error the heartbeat
   * classifies as the backend meant it. Each check is skipped (not registered) when its store is
   * not given.
   * @default undefined
   */
  readonly failures?: {
    /** A store whose every call the backend refuses for good (a permission denied, a 403). */
    readonly permanent?: MakeHeartbeatStore;
    /** A store whose backend is down for a moment (UNAVAILABLE, a 503, a reset connection). */
    readonly transient?: MakeHeartbeatStore;
  };
  /**
   * Timeout of each test, in ms; raise it for a store on an emulator.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /**
   * How many claims (and stop writes) race each other in the concurrency tests.
   * @default 8
   */
  readonly concurrency?: number;
}

const recordFields = [
  'processorName',
  'dataDate',
  'runId',
  'status',
  'startedAt',
  'lastBeatAt',
  'lastProgressAt',
  'beats',
  'details',
  'stoppedAt',
  'summary',
  'staleAt',
] as const satisfies readonly (keyof HeartbeatRecord)[];

/** The fields of a HeartbeatRecord, without the extra fields a store may add. */
function pick(record: HeartbeatRecord | undefined): Partial<HeartbeatRecord> | undefined {
  if (record === undefined) return undefined;
  const picked: Record<string, unknown> = {};
  for (const field of recordFields) picked[field] = record[field];
  return picked as Partial<HeartbeatRecord>;
}

const base = Date.parse('2026-01-24T12:00:00Z');

/** A whole running record, as the heartbeat's first write carries it. */
function running(overrides: HeartbeatFields = {}): HeartbeatFields {
  return {
    status: 'running',
    startedAt: base,
    lastBeatAt: base + 30_000,
    lastProgressAt: base + 20_000,
    beats: 2,
    details: { cursor: 'g-7', nested: { rows: [1, 2, 3], done: false, note: null } },
    stoppedAt: null,
    summary: null,
    staleAt: null,
    ...overrides,
  };
}

/** A claim that takes a run last written by `running()`. */
const staleBy = (at: number): StaleClaim => ({ lastBeatBefore: base + 60_000, at });

let counter = 0;
/** A processor name no other test uses, with characters a store must escape. */
function uniqueProcessor(): string {
  counter++;
  return `contract/${counter}.${Math.random().toString(36).slice(2, 8)} ü`;
}

function runKey(processorName: string, runId = 'run/1.a b', dataDate = '2026-01-24'): RunKey {
  return { processorName, dataDate, runId };
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const { code, status } = error as { code?: unknown; status?: unknown };
    return `${error.name}: ${error.message} (code ${String(code)}, status ${String(status)})`;
  }
  return String(error);
}

async function outcome(call: () => Promise<unknown>): Promise<{ error: unknown } | undefined> {
  try {
    await call();
  } catch (error) {
    return { error };
  }
  return undefined;
}

/** The runIds among `records` of the given processors, sorted. */
function runIds(records: readonly HeartbeatRecord[], processors: readonly string[]): string[] {
  return records
    .filter((record) => processors.includes(record.processorName))
    .map((record) => record.runId)
    .sort();
}

/**
 * Register the tests every {@link HeartbeatStore} must pass: what the heartbeat, the stale finder
 * and the monitor rely on. Upserts merge (only the fields given change, so a late beat never
 * revives a claimed run); `get` and `listRuns` return every field as written; `listRuns`
 * filters on every field given and refuses an impossible date; a claim takes a silent running
 * run exactly once, never a run that stopped (completion wins), and leaves every other field as
 * it was; and a failing backend rejects with an error `isPermanentError` / `isTransientError`
 * classify as it meant. Call it inside a `describe`, passing your runner's `it`; the suite needs
 * no vitest import of its own.
 *
 * @example
 * ```ts
 * import { heartbeatStoreContract } from '@pipewell/heartbeat/testing';
 * import { describe, it } from 'vitest';
 *
 * describe('my heartbeat store', () => {
 *   heartbeatStoreContract({ it, makeStore: () => createMyStore(), timeoutMs: 30_000 });
 * });
 * ```
 */
export function heartbeatStoreContract(options: HeartbeatStoreContractOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new HeartbeatOptionsError('options', 'heartbeatStoreContract needs an options object');
  }
  const { it, makeStore, failures } = options;
  if (typeof it !== 'function') {
    throw new HeartbeatOptionsError(
      'it',
      'option "it" must be your test runner\'s it (or test) function',
    );
  }
  if (typeof makeStore !== 'function') {
    throw new HeartbeatOptionsError('makeStore', 'option "makeStore" must be a function');
  }
  for (const kind of ['permanent', 'transient'] as const) {
    const create = failures?.[kind];
    if (create !== undefined && typeof create !== 'function') {
      throw new HeartbeatOptionsError(
        `failures.${kind}`,
        `option "failures.${kind}" must be a function`,
      );
    }
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new HeartbeatOptionsError(
      'timeoutMs',
      `option "timeoutMs" must be a number of ms > 0 (got ${String(options.timeoutMs)})`,
    );
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 2) {
    throw new HeartbeatOptionsError(
      'concurrency',
      `option "concurrency" must be a whole number >= 2 (got ${String(options.concurrency)})`,
    );
  }
  const test = (name: string, fn: (store: HeartbeatStore) => Promise<void>): void => {
    it(name, async () => fn(await makeStore()), timeoutMs);
  };

  test('get returns undefined for a run never written, and claimStale does not create it', async (store) => {
    const key = runKey(uniqueProcessor());
    assert.equal(await store.get(key), undefined, 'get must return undefined for an absent run');
    assert.equal(
      await store.claimStale(key, staleBy(base + 3_600_000)),
      false,
      'claimStale must return false for an absent run',
    );
    assert.equal(await store.get(key), undefined, 'claimStale must not create a run');
    assert.deepEqual(await store.listRuns({ processorName: key.processorName }), []);
  });

  test('upsert creates the run with its key fields; get and listRuns return every field as written', async (store) => {
    const key = runKey(uniqueProcessor());
    const fields = running();
    await store.upsert(key, fields);
    const expected = { ...key, ...fields };
    assert.deepEqual(pick(await store.get(key)), expected, 'get must return the run as written');
    const listed = await store.listRuns({ processorName: key.processorName });
    assert.equal(listed.length, 1, 'listRuns must return the one run of the processor');
    assert.deepEqual(pick(listed[0]), expected, 'listRuns must return the run as written');

    // Runs that differ in one part of the key are different runs.
    const others = [
      { ...key, runId: 'run/2' },
      { ...key, dataDate: '2026-01-25' },
      { ...key, processorName: `${key.processorName}-other` },
    ];
    for (const [i, other] of others.entries())
      await store.upsert(other, running({ beats: 10 + i }));
    assert.equal((await store.get(key))?.beats, 2, 'another run overwrote this one');
    for (const [i, other] of others.entries()) {
      assert.deepEqual(pick(await store.get(other)), { ...other, ...running({ beats: 10 + i }) });
    }
  });

  test('upsert merges: only the fields given change, and details and summary are replaced whole', async (store) => {
    const key = runKey(uniqueProcessor());
    await store.upsert(key, running({ details: { cursor: 'g-7', retrying: true } }));
    const beat = {
      lastBeatAt: base + 60_000,
      lastProgressAt: base + 55_000,
      beats: 3,
      details: { cursor: 'g-8' },
    };
    await store.upsert(key, beat);
    assert.deepEqual(
      pick(await store.get(key)),
      { ...key, ...running(), ...beat },
      'a beat must change only its fields, and replace details whole (no key of the old checkpoint kept)',
    );
    const stop = {
      status: 'succeeded',
      stoppedAt: base + 90_000,
      summary: { rows: 10, skipped: ['g-9'] },
    } as const;
    await store.upsert(key, stop);
    await store.upsert(key, { summary: { rows: 11 }, details: null });
    assert.deepEqual(
      pick(await store.get(key)),
      { ...key, ...running(), ...beat, ...stop, summary: { rows: 11 }, details: null },
      'summary must be replaced whole, and details set back to null',
    );
  });

  test('a beat written after a claim leaves the run stale, so it is never claimed twice', async (store) => {
    const key = runKey(uniqueProcessor());
    await store.upsert(key, running());
    assert.equal(await store.claimStale(key, staleBy(base + 100_000)), true);
    // The process was only slow: its next beat lands after the claim.
    await store.upsert(key, { lastBeatAt: base + 120_000, lastProgressAt: base + 120_000 });
    const record = await store.get(key);
    assert.equal(record?.status, 'stale', 'a beat must not change the status of a claimed run');
    assert.equal(record?.staleAt, base + 100_000);
    assert.equal(
      await store.claimStale(key, { lastBeatBefore: base + 600_000, at: base + 600_000 }),
      false,
      'a claimed run must never be claimed again',
    );
  });

  test('listRuns returns the runs matching every field given: status, processorName, dataDate', async (store) => {
    const a = uniqueProcessor();
    const b = uniqueProcessor();
    const runs: Array<[RunKey, RunStatus]> = [
      [runKey(a, 'r1', '2026-01-24'), 'running'],
      [runKey(a, 'r2', '2026-01-24'), 'succeeded'],
      [runKey(a, 'r3', '2026-01-25'), 'running'],
      [runKey(b, 'r4', '2026-01-24'), 'running'],
      [runKey(b, 'r5', '2026-01-25'), 'failed'],
      [runKey(b, 'r6', '2026-01-25'), 'stale'],
    ];
    for (const [key, status] of runs) await store.upsert(key, running({ status }));
    const ours = [a, b];
    const cases: Array<[Parameters<HeartbeatStore['listRuns']>[0], string[]]> = [
      [{ processorName: a }, ['r1', 'r2', 'r3']],
      [{ processorName: a, dataDate: '2026-01-24' }, ['r1', 'r2']],
      [{ processorName: a, status: 'running' }, ['r1', 'r3']],
      [{ processorName: b, dataDate: '2026-01-25', status: 'stale' }, ['r6']],
      [{ processorName: a, status: 'cancelled' }, []],
      [{ status: 'running' }, ['r1', 'r3', 'r4']],
      [{ dataDate: '2026-01-25' }, ['r3', 'r5', 'r6']],
      [{ dataDate: '2026-01-25', status: 'running' }, ['r3']],
      [{}, ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']],
    ];
    for (const [filter, expected] of cases) {
      const listed = await store.listRuns(filter);
      assert.deepEqual(runIds(listed, ours), expected, `listRuns(${JSON.stringify(filter)})`);
      for (const record of listed) {
        for (const [field, value] of Object.entries(filter))
          assert.equal(record[field as keyof typeof filter], value, `a run not matching ${field}`);
      }
    }
  });

  test('listRuns refuses an impossible dataDate or an unknown status with HeartbeatOptionsError naming it', async (store) => {
    for (const dataDate of ['2026-02-29', '2026-02-30', '2026-04-31', '24/01/2026']) {
      const result = await outcome(() => store.listRuns({ dataDate }));
      assert.ok(result, `listRuns({ dataDate: '${dataDate}' }) must reject`);
      assert.ok(
        HeartbeatOptionsError.isInstance(result.error),
        `listRuns({ dataDate: '${dataDate}' }) must reject with HeartbeatOptionsError (checkRunFilter), got ${describeError(result.error)}`,
      );
      assert.equal(result.error.option, 'dataDate');
    }
    const status = await outcome(() => store.listRuns({ status: 'done' as RunStatus }));
    assert.ok(
      status && HeartbeatOptionsError.isInstance(status.error) && status.error.option === 'status',
      `listRuns({ status: 'done' }) must reject with HeartbeatOptionsError naming status, got ${describeError(status?.error)}`,
    );
    // A real leap day is a date like any other.
    const leap = runKey(uniqueProcessor(), 'leap', '2024-02-29');
    await store.upsert(leap, running());
    const listed = await store.listRuns({
      processorName: leap.processorName,
      dataDate: '2024-02-29',
    });
    assert.deepEqual(runIds(listed, [leap.processorName]), ['leap']);
  });

  test('claimStale takes a silent running run once: status stale and staleAt set, every other field kept', async (store) => {
    const key = runKey(uniqueProcessor());
    await store.upsert(key, running());
    const before = pick(await store.get(key));
    assert.equal(await store.claimStale(key, staleBy(base + 100_000)), true);
    assert.deepEqual(
      pick(await store.get(key)),
      { ...before, status: 'stale', staleAt: base + 100_000 },
      'a claim must set status and staleAt, and nothing else (onStale reads the checkpoint)',
    );
    assert.equal(
      await store.claimStale(key, staleBy(base + 200_000)),
      false,
      'a second claim of the same run must fail',
    );
    assert.equal((await store.get(key))?.staleAt, base + 100_000, 'the first claim must stand');
  });

  test('claimStale bounds are strict, and lastProgressBefore takes a run that beats without progress', async (store) => {
    const key = runKey(uniqueProcessor());
    await store.upsert(key, running({ lastBeatAt: base + 10_000, lastProgressAt: base + 2_000 }));
    const at = base + 50_000;
    assert.equal(
      await store.claimStale(key, { lastBeatBefore: base + 10_000, at }),
      false,
      'a run whose last beat is exactly at the bound is not stale (the bound is strict)',
    );
    assert.equal(
      await store.claimStale(key, {
        lastBeatBefore: base + 10_000,
        lastProgressBefore: base + 2_000,
        at,
      }),
      false,
      'a run whose last progress is exactly at the bound is not stale',
    );
    assert.equal((await store.get(key))?.status, 'running');
    assert.equal(
      await store.claimStale(key, {
        lastBeatBefore: base + 10_000,
        lastProgressBefore: base + 2_001,
        at,
      }),
      true,
      'a run that beats but made no progress since lastProgressBefore must be claimed',
    );
    assert.equal((await store.get(key))?.status, 'stale');
  });

  test('claimStale never takes a run that stopped or beat again: completion wins', async (store) => {
    const processorName = uniqueProcessor();
    for (const status of ['succeeded', 'failed', 'cancelled'] as const) {
      const key = runKey(processorName, status);
      await store.upsert(key, running());
      // The stop lands after the finder listed the run, before the claim.
      const stop = { status, stoppedAt: base + 70_000, summary: { rows: 3 } };
      await store.upsert(key, stop);
      assert.equal(
        await store.claimStale(key, staleBy(base + 100_000)),
        false,
        `claimStale took a ${status} run: a stale claim must never overwrite a completed run`,
      );
      assert.deepEqual(
        pick(await store.get(key)),
        { ...key, ...running(), ...stop },
        `a refused claim must leave the ${status} run as it was`,
      );
    }
    // A beat lands after the finder listed the run: the claim sees the run as it is now.
    const key = runKey(processorName, 'beat-again');
    await store.upsert(key, running());
    await store.upsert(key, { lastBeatAt: base + 90_000 });
    assert.equal(
      await store.claimStale(key, staleBy(base + 100_000)),
      false,
      'claimStale must judge the run as it is at the claim, not as it was listed',
    );
    assert.equal((await store.get(key))?.status, 'running');
  });

  test('exactly one of several concurrent claims on a run succeeds', async (store) => {
    const key = runKey(uniqueProcessor());
    await store.upsert(key, running());
    const claims = Array.from({ length: concurrency }, (_, i) => staleBy(base + 100_000 + i));
    const results = await Promise.all(claims.map((claim) => store.claimStale(key, claim)));
    assert.equal(
      results.filter(Boolean).length,
      1,
      `${results.filter(Boolean).length} of ${concurrency} concurrent claims succeeded: a claim must be atomic`,
    );
    const winner = claims[results.indexOf(true)];
    assert.equal((await store.get(key))?.staleAt, winner?.at, 'the winning claim must be stored');
  });

  test('a stop racing a claim always lands, and the claim succeeds only if it came first', async (store) => {
    const processorName = uniqueProcessor();
    const keys = Array.from({ length: concurrency }, (_, i) => runKey(processorName, `race-${i}`));
    for (const key of keys) await store.upsert(key, running());
    const stop = { status: 'succeeded', stoppedAt: base + 95_000, summary: { rows: 7 } } as const;
    const at = base + 100_000;
    const claimed = await Promise.all(
      keys.map(async (key, i) => {
        const claim = () => store.claimStale(key, staleBy(at));
        const write = () => store.upsert(key, stop);
        // Start them in both orders: neither may undo the other.
        if (i % 2 === 0) {
          const [won] = await Promise.all([claim(), write()]);
          return won;
        }
        const [, won] = await Promise.all([write(), claim()]);
        return won;
      }),
    );
    for (const [i, key] of keys.entries()) {
      const record = await store.get(key);
      assert.equal(
        record?.status,
        'succeeded',
        `run ${key.runId}: the stop was lost (status ${String(record?.status)}); a claim must only set status and staleAt, atomically`,
      );
      assert.deepEqual(record?.summary, stop.summary);
      assert.equal(
        record?.staleAt,
        claimed[i] ? at : null,
        `run ${key.runId}: the claim returned ${String(claimed[i])} but staleAt is ${String(record?.staleAt)}`,
      );
    }
  });

  const failureCases = [
    ['permanent', 'refuses for good', 'isPermanentError', isPermanentError, isTransientError],
    ['transient', 'is down for a moment', 'isTransientError', isTransientError, isPermanentError],
  ] as const;
  for (const [kind, meaning, classifier, recognised, mistaken] of failureCases) {
    const create = failures?.[kind];
    if (create === undefined) continue;
    it(
      `rejects every call with an error ${classifier} recognises when the backend ${meaning}`,
      async () => {
        const store = await create();
        const key = runKey(uniqueProcessor());
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['upsert', () => store.upsert(key, running())],
          ['get', () => store.get(key)],
          ['listRuns', () => store.listRuns({ processorName: key.processorName })],
          ['claimStale', () => store.claimStale(key, staleBy(base + 100_000))],
        ];
        // All at once: a client may retry a refused read for seconds before it rejects.
        const results = await Promise.all(calls.map(([, call]) => outcome(call)));
        for (const [i, [method]] of calls.entries()) {
          const result = results[i];
          assert.ok(
            result,
            `${method} resolved although the backend ${meaning}: a store must reject, never swallow a failure`,
          );
          assert.ok(
            recognised(result.error) && !mistaken(result.error),
            `${method} rejected with ${describeError(result.error)}, which ${classifier} does not recognise: keep the backend's gRPC code, HTTP status or network code on the error`,
          );
        }
        // A bad filter is refused before the backend is asked.
        const bad = await outcome(() => store.listRuns({ dataDate: '2026-02-30' }));
        assert.ok(
          bad && HeartbeatOptionsError.isInstance(bad.error),
          `listRuns({ dataDate: '2026-02-30' }) must reject with HeartbeatOptionsError before asking the backend, got ${describeError(bad?.error)}`,
        );
      },
      timeoutMs,
    );
  }
}
