import type { Clock } from '@pipewell/core';
import { catchError, createVirtualClock } from '@pipewell/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { StateInputError, StateStoreClosedError } from './errors.js';
import type { StateStore } from './port.js';

/** What {@link stateStoreContract}'s `open` is given. */
export interface StateStoreContractContext {
  /** The clock the store must decide expiry by (a virtual clock the test moves). */
  readonly clock: Clock;
}

/** Options for {@link stateStoreContract}. */
export interface StateStoreContractOptions {
  /**
   * How many updates of one document race in the concurrency test. A remote backend's
   * transactions are slow under contention (the Firestore emulator takes seconds for 10).
   * @default 50
   */
  readonly concurrency?: number;
  /** Each test's timeout. @default 5000 */
  readonly timeoutMs?: number;
}

// Unique per run and per test, so suites sharing one backend (an emulator) never see each other's documents.
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let collectionCount = 0;

/** A collection name no other test of this run uses. */
function fresh(label: string): string {
  collectionCount += 1;
  return `contract-${runId}-${collectionCount}-${label}`;
}

interface Counter {
  count: number;
  by?: string[];
}

/**
 * The behaviour every {@link StateStore} adapter must have, as a vitest suite: `open` makes an
 * open store deciding expiry by `context.clock` (the suite closes it after each test). Every
 * test uses collections of its own, so `open` may hand out stores over one shared backend.
 *
 * @example
 * ```ts
 * stateStoreContract('local', ({ clock }) => openLocalStateStore({ dir: freshDir(), clock }));
 * ```
 */
export function stateStoreContract(
  name: string,
  open: (context: StateStoreContractContext) => Promise<StateStore>,
  options: StateStoreContractOptions = {},
): void {
  const concurrency = options.concurrency ?? 50;
  const timeoutMs = options.timeoutMs ?? 5_000;

  describe(`StateStore contract: ${name}`, () => {
    const opened: StateStore[] = [];

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    const openStore = async (clock: Clock = createVirtualClock({ now: 1_000 })) => {
      const store = await open({ clock });
      opened.push(store);
      return store;
    };

    it(
      'sets, gets, updates and deletes documents, JSON values intact',
      async () => {
        const store = await openStore();
        const runs = fresh('runs');
        const doc = {
          status: 'running',
          rows: [1, 2.5, -3],
          grid: [[1, 2], [3]],
          nested: { ok: true, none: null, deep: { list: ['a', { b: 1 }] } },
          '': 'empty key',
          unicode: 'é ✓ 🏀',
        };
        await store.set(runs, 'r1', doc);
        expect(await store.get(runs, 'r1')).toEqual(doc);
        expect(await store.get(runs, 'missing')).toBeUndefined();
        expect(await store.get(fresh('never-written'), 'r1')).toBeUndefined();

        // set replaces the whole document.
        await store.set(runs, 'r1', { status: 'succeeded' });
        expect(await store.get(runs, 'r1')).toEqual({ status: 'succeeded' });

        const updated = await store.update<{ status: string; tries?: number }>(
          runs,
          'r1',
          (current) => ({ ...(current ?? { status: '' }), tries: 2 }),
        );
        expect(updated).toEqual({ status: 'succeeded', tries: 2 });
        expect(await store.get(runs, 'r1')).toEqual({ status: 'succeeded', tries: 2 });

        // An update of a missing document sees undefined and creates it.
        let seen: unknown = 'not called';
        await store.update<Counter>(runs, 'r2', (current) => {
          seen = current;
          return { count: 1 };
        });
        expect(seen).toBeUndefined();
        expect(await store.get(runs, 'r2')).toEqual({ count: 1 });

        expect(await store.delete(runs, 'r1')).toBe(true);
        expect(await store.delete(runs, 'r1')).toBe(false);
        expect(await store.get(runs, 'r1')).toBeUndefined();
        // The same id in another collection is another document.
        const other = fresh('other');
        await store.set(other, 'r2', { count: 7 });
        expect(await store.get(runs, 'r2')).toEqual({ count: 1 });
      },
      timeoutMs,
    );

    it(
      `loses no update when ${concurrency} update one document at once, even with async functions`,
      async () => {
        const store = await openStore();
        const counters = fresh('counters');
        const writers = Array.from({ length: concurrency }, (_, i) => `w${i}`);
        const results = await Promise.all(
          writers.map((writer) =>
            store.update<Counter>(counters, 'c', async (current) => {
              // Yield in the middle of the read-modify-write, where a racing update would interleave.
              await new Promise((resolve) => setImmediate(resolve));
              return { count: (current?.count ?? 0) + 1, by: [...(current?.by ?? []), writer] };
            }),
          ),
        );
        const final = await store.get<Counter>(counters, 'c');
        expect(final?.count).toBe(concurrency);
        expect([...(final?.by ?? [])].sort()).toEqual([...writers].sort());
        // Each update resolves with the document as its own write left it: every count once.
        expect(results.map((result) => result?.count).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
          writers.map((_, i) => i + 1),
        );
      },
      timeoutMs,
    );

    it(
      'leaves the document unchanged when the update function returns undefined',
      async () => {
        const store = await openStore();
        const docs = fresh('docs');
        await store.set(docs, 'a', { v: 1 });
        expect(await store.update<{ v: number }>(docs, 'a', () => undefined)).toEqual({ v: 1 });
        expect(await store.get(docs, 'a')).toEqual({ v: 1 });
        expect(await store.update(docs, 'missing', () => undefined)).toBeUndefined();
        expect(await store.get(docs, 'missing')).toBeUndefined();
        expect(await store.list(docs)).toEqual([{ id: 'a', doc: { v: 1 } }]);
      },
      timeoutMs,
    );

    it(
      'hides a document from every read once its expireAt passes; updates keep or replace the expiry',
      async () => {
        const clock = createVirtualClock({ now: 1_000 });
        const store = await openStore(clock);
        const leases = fresh('leases');
        await store.set(leases, 'a', { holder: 'x' }, { expireAt: 2_000 });
        await store.set(leases, 'b', { holder: 'y' });
        await store.set(leases, 'c', { holder: 'c' }, { expireAt: 2_000 });
        await store.set(leases, 'd', { holder: 'd' }, { expireAt: 2_000 });
        await store.set(leases, 'e', { holder: 'e' }, { expireAt: 2_000 });
        expect(await store.get(leases, 'a')).toEqual({ holder: 'x' });
        // An update without expireAt keeps the document's expiry...
        await store.update<{ holder: string }>(leases, 'a', () => ({ holder: 'z' }));
        // ...one with expireAt replaces it, and a set without it stores a document that never expires.
        await store.update<{ holder: string }>(leases, 'c', (current) => current, {
          expireAt: 5_000,
        });
        await store.set(leases, 'd', { holder: 'd2' });
        expect((await store.list(leases)).map((entry) => entry.id)).toEqual([
          'a',
          'b',
          'c',
          'd',
          'e',
        ]);

        await clock.advance(1_000);
        expect(await store.get(leases, 'a')).toBeUndefined();
        expect((await store.list(leases)).map((entry) => entry.id)).toEqual(['b', 'c', 'd']);
        // Expired documents take no place in a limited list.
        expect((await store.list(leases, { limit: 1 })).map((entry) => entry.id)).toEqual(['b']);
        expect(
          (await store.list(leases, { where: { holder: 'c' }, limit: 1 })).map((e) => e.id),
        ).toEqual(['c']);
        let seen: unknown = 'not called';
        expect(
          await store.update<{ holder: string }>(leases, 'a', (current) => {
            seen = current;
            return current;
          }),
        ).toBeUndefined();
        expect(seen).toBeUndefined();
        expect(await store.delete(leases, 'e')).toBe(false);

        // A document written over an expired one starts afresh, with no expiry of its own.
        await store.update<{ holder: string }>(leases, 'a', () => ({ holder: 'new' }));
        await clock.advance(10_000);
        expect(await store.get(leases, 'a')).toEqual({ holder: 'new' });
        expect(await store.get(leases, 'c')).toBeUndefined();
        expect(await store.get(leases, 'd')).toEqual({ holder: 'd2' });
      },
      timeoutMs,
    );

    it(
      'lists the documents matching every where field, by id, up to the limit',
      async () => {
        const store = await openStore();
        const runs = fresh('runs');
        const other = fresh('other');
        await store.set(runs, 'c', { status: 'running', date: '2026-01-24', n: 1 });
        await store.set(runs, 'a', { status: 'running', date: '2026-01-24', n: 2 });
        await store.set(runs, 'b', { status: 'failed', date: '2026-01-24', n: 1 });
        await store.set(runs, 'd', { status: 'running', date: '2026-01-25', n: null });
        await store.set(runs, 'e', { status: 'running', date: { y: 2026 }, ok: true });
        await store.set(other, 'a', { status: 'running', date: '2026-01-24' });
        const running = await store.list(runs, {
          where: { status: 'running', date: '2026-01-24' },
        });
        expect(running).toEqual([
          { id: 'a', doc: { status: 'running', date: '2026-01-24', n: 2 } },
          { id: 'c', doc: { status: 'running', date: '2026-01-24', n: 1 } },
        ]);
        const ids = async (options: Parameters<StateStore['list']>[1]) =>
          (await store.list(runs, options)).map((entry) => entry.id);
        expect(await ids({ limit: 2 })).toEqual(['a', 'b']);
        expect(await ids({ where: { status: 'running' }, limit: 3 })).toEqual(['a', 'c', 'd']);
        expect(await ids({ where: { n: 1 } })).toEqual(['b', 'c']);
        expect(await ids({ where: { n: null } })).toEqual(['d']);
        expect(await ids({ where: { ok: true } })).toEqual(['e']);
        expect(await ids({ where: { status: 'unknown' } })).toEqual([]);
        expect(await ids({ where: {} })).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(await store.list(fresh('empty'))).toEqual([]);
      },
      timeoutMs,
    );

    it(
      'hands out copies: changing a document read or written does not change the stored one',
      async () => {
        const store = await openStore();
        const docs = fresh('docs');
        const doc = { rows: [1] };
        await store.set(docs, 'a', doc);
        doc.rows.push(2);
        const read = await store.get<{ rows: number[] }>(docs, 'a');
        read?.rows.push(3);
        const updated = await store.update<{ rows: number[] }>(docs, 'a', (current) => current);
        updated?.rows.push(4);
        (await store.list<{ rows: number[] }>(docs))[0]?.doc.rows.push(5);
        expect(await store.get(docs, 'a')).toEqual({ rows: [1] });
      },
      timeoutMs,
    );

    it(
      'refuses names Firestore refuses, documents that are not JSON objects and bad options, naming the input',
      async () => {
        const store = await openStore();
        const runs = fresh('runs');
        const badId = await catchError(store.set(runs, 'a/b', { v: 1 }), StateInputError);
        expect(badId.option).toBe('id');
        expect(badId.message).toContain('encodeURIComponent');
        expect((await catchError(store.get('', 'a'), StateInputError)).option).toBe('collection');
        expect((await catchError(store.get('a/b', 'a'), StateInputError)).option).toBe(
          'collection',
        );
        expect((await catchError(store.get(runs, '__x__'), StateInputError)).option).toBe('id');
        expect((await catchError(store.delete(runs, '..'), StateInputError)).option).toBe('id');
        expect((await catchError(store.get(runs, 'x'.repeat(1_501)), StateInputError)).option).toBe(
          'id',
        );
        const notObject = await catchError(
          store.set(runs, 'a', [1] as unknown as object),
          StateInputError,
        );
        expect(notObject.option).toBe('doc');
        const notJson = await catchError(store.set(runs, 'a', { n: 1n }), StateInputError);
        expect(notJson.message).toContain(`${runs}/a is not JSON`);
        const badNext = await catchError(
          store.update(runs, 'a', () => 'text' as unknown as object),
          StateInputError,
        );
        expect(badNext.option).toBe('doc');
        expect(
          (await catchError(store.set(runs, 'a', {}, { expireAt: Number.NaN }), StateInputError))
            .option,
        ).toBe('expireAt');
        expect(
          (
            await catchError(
              store.update(runs, 'a', 'fn' as unknown as () => undefined),
              StateInputError,
            )
          ).option,
        ).toBe('fn');
        expect((await catchError(store.list(runs, { limit: 0 }), StateInputError)).option).toBe(
          'limit',
        );
        expect((await catchError(store.list(runs, { limit: 1.5 }), StateInputError)).option).toBe(
          'limit',
        );
        expect(await store.get(runs, 'a')).toBeUndefined();
      },
      timeoutMs,
    );

    it(
      'rejects calls after close, and closing twice is harmless',
      async () => {
        const store = await openStore();
        const docs = fresh('docs');
        await store.set(docs, 'a', { v: 1 });
        await store.close();
        await store.close();
        await catchError(store.get(docs, 'a'), StateStoreClosedError);
        await catchError(store.set(docs, 'a', {}), StateStoreClosedError);
        await catchError(
          store.update(docs, 'a', () => ({})),
          StateStoreClosedError,
        );
        await catchError(store.delete(docs, 'a'), StateStoreClosedError);
        await catchError(store.list(docs), StateStoreClosedError);
      },
      timeoutMs,
    );
  });
}
