import type { Firestore } from '@google-cloud/firestore';
import {
  type RunningEmulator,
  requireEmulators,
  startFirestoreEmulator,
} from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFirestore, runTransaction } from './firestore.js';
import { closeAll } from './pool.js';

const available = requireEmulators('@pipewell/clients Firestore');

describe.skipIf(!available)('Firestore against the emulator', () => {
  let emulator: RunningEmulator;
  let firestore: Firestore;
  const saved = { ...process.env };

  beforeAll(async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    emulator = await startFirestoreEmulator({ projectId: 'demo-clients-fs' });
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    process.env.GCP_PROJECT_ID = emulator.projectId;
    firestore = getFirestore();
  }, 90_000);

  afterAll(async () => {
    await closeAll();
    process.env = saved;
    await emulator?.stop();
  });

  it('pools one client per project and settings, pointed at the emulator', () => {
    expect(getFirestore()).toBe(firestore);
    expect(getFirestore({ ignoreUndefinedProperties: true })).not.toBe(firestore);
  });

  it('runs contended transactions so that no update is lost', async () => {
    const ref = firestore.collection('counters').doc('games-loaded');
    await ref.set({ count: 0 });
    await Promise.all(
      Array.from({ length: 8 }, () =>
        runTransaction(async (tx) => {
          const doc = await tx.get(ref);
          tx.set(ref, { count: (doc.get('count') as number) + 1 });
        }),
      ),
    );
    expect((await ref.get()).get('count')).toBe(8);
  }, 60_000);

  it('returns the transaction result and rethrows a non-transient error unchanged', async () => {
    const ref = firestore.collection('counters').doc('x');
    await expect(runTransaction(async (tx) => (await tx.get(ref)).exists)).resolves.toBe(false);
    const bug = new TypeError('bad row');
    await expect(
      runTransaction(async () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
  }, 30_000);
});
