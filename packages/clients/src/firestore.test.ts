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
  // A dead loopback port: a client that reaches it read process.env instead of its env.
  const deadHost = '127.0.0.1:9';

  beforeAll(async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    emulator = await startFirestoreEmulator({ projectId: 'demo-clients-fs' });
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    process.env.GCP_PROJECT_ID = emulator.projectId;
    firestore = getFirestore();
  }, 90_000);

  afterAll(async () => {
    process.env = saved;
    // The emulator first: a client stuck on a dead host can hold closeAll past the hook's
    // timeout, and the emulator's Java process must not outlive the run.
    await emulator?.stop();
    await closeAll();
  });

  it('pools one client per project and settings, pointed at the emulator', () => {
    expect(getFirestore()).toBe(firestore);
    expect(getFirestore({ ignoreUndefinedProperties: true })).not.toBe(firestore);
  });

  it('reads FIRESTORE_EMULATOR_HOST and the project from an injected env, not process.env', async () => {
    process.env.FIRESTORE_EMULATOR_HOST = deadHost;
    process.env.GCP_PROJECT_ID = 'demo-not-this-one';
    try {
      const local = getFirestore({
        env: { FIRESTORE_EMULATOR_HOST: emulator.host, GCP_PROJECT_ID: 'demo-clients-fs-env' },
      });
      expect(local).not.toBe(firestore);
      await local.collection('env').doc('injected').set({ via: 'env' });

      // An env without the variables means no emulator and no project variable, whatever
      // process.env says: this client goes where its own settings say. It finds the document,
      // so both wrote to and read from the project the envs named.
      const direct = getFirestore({
        env: {},
        projectId: 'demo-clients-fs-env',
        host: emulator.host,
        ssl: false,
        customHeaders: { Authorization: 'Bearer owner' },
      });
      expect(direct).not.toBe(local);
      expect((await direct.collection('env').doc('injected').get()).get('via')).toBe('env');
    } finally {
      process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
      process.env.GCP_PROJECT_ID = emulator.projectId;
    }
  }, 30_000);

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
