import { Firestore } from '@google-cloud/firestore';
import {
  firestoreSettings,
  type RunningEmulator,
  requireEmulators,
  startFirestoreEmulator,
} from '@pipewell/emulators';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFirestoreOutbox } from './firestore.js';
import { recordingLogger } from './test-support.js';
import { createOutboxEntry, durableOutboxContract, outboxContract } from './testing.js';

const available = requireEmulators('@pipewell/alerts Firestore outbox');

describe.skipIf(!available)('createFirestoreOutbox against the Firestore emulator', () => {
  let emulator: RunningEmulator;
  let firestore: Firestore;
  let collections = 0;
  const fresh = (): string => `outbox-${++collections}`;

  beforeAll(async () => {
    emulator = await startFirestoreEmulator({ projectId: 'demo-alerts' });
    firestore = new Firestore(firestoreSettings(emulator));
  }, 90_000);

  afterAll(async () => {
    await firestore?.terminate();
    await emulator?.stop();
  });

  describe('the outbox contract', () => {
    // Emulator transactions are slow under contention, so fewer racers than in memory.
    outboxContract({
      it,
      expect,
      makeOutbox: (limits) => createFirestoreOutbox({ firestore, collection: fresh(), ...limits }),
      concurrency: 4,
      timeoutMs: 30_000,
    });
  });

  describe('with an alerter, across restarts and instances', () => {
    durableOutboxContract({
      it,
      expect,
      beforeEach,
      afterEach,
      openOutbox: (name, limits) =>
        createFirestoreOutbox({ firestore, collection: name, ...limits }),
      timeoutMs: 60_000,
    });
  });

  it('uses the alert_outbox collection, one document per alert and sink, with a TTL field', async () => {
    const outbox = createFirestoreOutbox({ firestore });
    const entry = createOutboxEntry();
    await outbox.add(entry);
    const docs = await firestore.collection('alert_outbox').get();
    expect(docs.size).toBe(1);
    const data = docs.docs[0]?.data() ?? {};
    expect(data).toMatchObject({
      id: entry.id,
      sink: entry.sink,
      title: entry.alert.title,
      attempts: 1,
      leaseToken: null,
    });
    expect(data.expireAt?.toMillis()).toBe(entry.firstFailedAt + 2 * 86_400_000);
  }, 30_000);

  it('parks an unreadable document, naming its path, and claims the rest', async () => {
    const collection = fresh();
    const logs = recordingLogger();
    const outbox = createFirestoreOutbox({ firestore, collection, logger: logs.logger });
    const good = createOutboxEntry({ nextAttemptAt: 2_000 });
    await outbox.add(good);
    await firestore
      .collection(collection)
      .doc('broken')
      .set({ availableAt: 1_000, alertJson: '{not json' });
    const claims = await outbox.claim({ now: 5_000, leaseMs: 60_000, limit: 10 });
    expect(claims.map((claim) => claim.entry)).toEqual([good]);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toContain(`${collection}/broken`);
    expect(logs.lines[0]).toContain('bad alertJson');
    expect(await outbox.claim({ now: 10_000_000, leaseMs: 60_000, limit: 10 })).toHaveLength(1);
    expect(logs.lines).toHaveLength(1);
    const parked = await firestore.collection(collection).doc('broken').get();
    expect(parked.get('unreadable')).toBe('bad alertJson');
  }, 30_000);

  it('rejects construction without a Firestore instance, naming the option', () => {
    expect(() => createFirestoreOutbox({} as never)).toThrow('needs { firestore }');
    expect(() => createFirestoreOutbox({ firestore, collection: 'a/b' })).toThrow('"collection"');
  });
});
