import { Firestore, Timestamp } from '@google-cloud/firestore';
import { breakerStoreContract } from '@pipewell/circuit-breaker/testing';
import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import {
  firestoreSettings,
  type RunningEmulator,
  requireEmulators,
  startFirestoreEmulator,
} from '@pipewell/emulators';
import { heartbeatStoreContract } from '@pipewell/heartbeat/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateBreakerStore } from './breaker-store.js';
import { stateStoreContract } from './contract.js';
import { StateDocumentError, StateInputError, StateStoreClosedError } from './errors.js';
import {
  type FirestoreStateStore,
  type FirestoreStateStoreOptions,
  firestoreExpireAtField,
  openFirestoreStateStore,
} from './firestore-state.js';
import { createStateHeartbeatStore } from './heartbeat-store.js';

const available = requireEmulators('@pipewell/pipeline Firestore state store');

describe.skipIf(!available)('openFirestoreStateStore against the Firestore emulator', () => {
  let emulator: RunningEmulator;
  let firestore: Firestore;
  const opened: FirestoreStateStore[] = [];

  beforeAll(async () => {
    emulator = await startFirestoreEmulator({ projectId: 'demo-pipeline-state' });
    firestore = new Firestore(firestoreSettings(emulator));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
    await firestore?.terminate();
    await emulator?.stop();
  });

  async function open(options: Partial<FirestoreStateStoreOptions> = {}) {
    const store = await openFirestoreStateStore({
      firestore,
      clock: createVirtualClock({ now: 1_000 }),
      ...options,
    });
    opened.push(store);
    return store;
  }

  // The emulator's transactions are slow under contention (about 1 s per racer).
  stateStoreContract('Firestore', ({ clock }) => openFirestoreStateStore({ firestore, clock }), {
    concurrency: 10,
    timeoutMs: 60_000,
  });

  describe('the breaker store over it', () => {
    breakerStoreContract({
      it,
      makeStore: async () =>
        createStateBreakerStore(await open({ prefix: 'breakers-' }), { collection: 'contract' }),
      concurrency: 5,
      timeoutMs: 30_000,
    });
  });

  describe('the heartbeat store over it', () => {
    heartbeatStoreContract({
      it,
      makeStore: async () =>
        createStateHeartbeatStore(await open({ prefix: 'heartbeats-' }), {
          collection: 'contract',
        }),
      concurrency: 4,
      timeoutMs: 60_000,
    });
  });

  it('keeps each document as one Firestore document under the prefixed collection, expireAt a Timestamp for the TTL policy', async () => {
    const store = await open({ prefix: 'staging-' });
    await store.set('runs', 'r1', { status: 'running', n: 2, nested: { a: [1] } });
    await store.set('runs', 'r2', { status: 'done' }, { expireAt: 86_400_000 });
    expect(store.collectionPath('runs')).toBe('staging-runs');

    const plain = (await firestore.collection('staging-runs').doc('r1').get()).data();
    expect(plain).toEqual({
      v: 1,
      json: JSON.stringify({ status: 'running', n: 2, nested: { a: [1] } }),
      fields: { status: 'running', n: 2 },
    });
    const expiring = (await firestore.collection('staging-runs').doc('r2').get()).data();
    const stamp: unknown = expiring?.[firestoreExpireAtField];
    expect(stamp).toBeInstanceOf(Timestamp);
    expect((stamp as Timestamp).toMillis()).toBe(86_400_000);
    // Nothing lands in the unprefixed collection, and the unprefixed store does not see it.
    expect((await firestore.collection('runs').get()).empty).toBe(true);
    expect(await (await open()).get('runs', 'r1')).toBeUndefined();
  });

  it('removes a document past its expiry the TTL policy has not deleted yet only from view', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    const store = await open({ clock, prefix: 'ttl-' });
    for (let i = 0; i < 7; i++) {
      await store.set('leases', `a${i}`, { kind: 'lease' }, { expireAt: 2_000 });
    }
    await store.set('leases', 'b', { kind: 'lease' });
    await clock.advance(5_000);
    // Pages past the expired documents still in Firestore to fill the limit.
    expect(await store.list('leases', { where: { kind: 'lease' }, limit: 2 })).toEqual([
      { id: 'b', doc: { kind: 'lease' } },
    ]);
    expect((await firestore.collection('ttl-leases').get()).size).toBe(8);
  });

  it('keeps large strings out of the where copy, and refuses a document over 1 MiB before writing', async () => {
    const store = await open({ prefix: 'large-' });
    const long = 'x'.repeat(2_000);
    await store.set('docs', 'a', { long, short: 'y' });
    expect(await store.get('docs', 'a')).toEqual({ long, short: 'y' });
    expect((await firestore.collection('large-docs').doc('a').get()).get('fields')).toEqual({
      short: 'y',
    });
    const where = await catchError(store.list('docs', { where: { long } }), StateInputError);
    expect(where.message).toContain('where.long');

    const big = { payload: 'z'.repeat(900_000) };
    await store.set('docs', 'big', big);
    expect(await store.get('docs', 'big')).toEqual(big);
    const tooBig = await catchError(
      store.update('docs', 'big', () => ({ payload: 'z'.repeat(1_100_000) })),
      StateInputError,
    );
    expect(tooBig.option).toBe('doc');
    expect(tooBig.message).toContain('large-docs/big');
    expect(tooBig.message).toContain('1 MiB');
    expect(await store.get('docs', 'big')).toEqual(big);
  });

  it('reports a document it did not write, naming its path', async () => {
    await firestore.collection('foreign').doc('x').set({ status: 'hand-written' });
    await firestore.collection('foreign-json').doc('y').set({ v: 1, json: '{not json' });
    const store = await open();
    const error = await catchError(store.get('foreign', 'x'), StateDocumentError);
    expect(error.path).toBe('foreign/x');
    expect(error.message).toContain('foreign/x');
    expect(error.message).toContain('layout version');
    const badJson = await catchError(store.list('foreign-json'), StateDocumentError);
    expect(badJson.path).toBe('foreign-json/y');
    expect(badJson.problem).toContain('does not parse');
  });

  it('refuses bad options and filters Firestore cannot run, naming them', async () => {
    expect(
      (await catchError(openFirestoreStateStore({} as FirestoreStateStoreOptions), StateInputError))
        .option,
    ).toBe('firestore');
    expect(
      (await catchError(openFirestoreStateStore({ firestore, prefix: 'a/b' }), StateInputError))
        .option,
    ).toBe('prefix');
    const store = await open();
    const field = await catchError(store.list('runs', { where: { __x__: 1 } }), StateInputError);
    expect(field.option).toBe('where');
    const value = await catchError(
      store.list('runs', { where: { a: { b: 1 } as unknown as string } }),
      StateInputError,
    );
    expect(value.message).toContain('where.a');
    const year = await catchError(store.set('runs', 'a', {}, { expireAt: 1e17 }), StateInputError);
    expect(year.option).toBe('expireAt');
  });

  it('waits for writes in flight on close, and leaves the Firestore client open', async () => {
    const logger = createRecordingLogger();
    const store = await open({ logger, prefix: 'close-' });
    const order: string[] = [];
    const writes = Array.from({ length: 5 }, (_, i) =>
      store.set('docs', `d${i}`, { i }).then(() => order.push(`d${i}`)),
    );
    const closing = store.close().then(() => order.push('closed'));
    await catchError(store.get('docs', 'd0'), StateStoreClosedError);
    await Promise.all([...writes, closing]);
    expect(order.at(-1)).toBe('closed');
    expect((await firestore.collection('close-docs').get()).size).toBe(5);
    expect(logger.at('debug').map((entry) => entry.msg)).toContain('state: Firestore store closed');
  });
});
