import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakerStoreContract } from '@pipewell/circuit-breaker/testing';
import { createVirtualClock } from '@pipewell/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createStateBreakerStore } from './breaker-store.js';
import { type LocalStateStore, openLocalStateStore } from './local-state.js';

let dir: string | undefined;
let state: Promise<LocalStateStore> | undefined;

/** One local store for the whole suite: each contract test uses breaker names of its own. */
function localState(): Promise<LocalStateStore> {
  state ??= mkdtemp(join(tmpdir(), 'pipewell-breaker-')).then((made) => {
    dir = made;
    return openLocalStateStore({ dir: made, clock: createVirtualClock() });
  });
  return state;
}

afterAll(async () => {
  await (await state)?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('createStateBreakerStore on the local state store', () => {
  breakerStoreContract({ it, makeStore: async () => createStateBreakerStore(await localState()) });

  it('keeps breaker records across a reopen of the state store', async () => {
    const made = await mkdtemp(join(tmpdir(), 'pipewell-breaker-reopen-'));
    try {
      const first = await openLocalStateStore({ dir: made });
      const outcome = {
        kind: 'trip',
        instanceId: 'a',
        at: 5_000,
        windowMs: 60_000,
        period: 0,
      } as const;
      const written = await createStateBreakerStore(first).recordOutcome('bigquery/eu', outcome);
      await first.close();
      const second = await openLocalStateStore({ dir: made });
      expect(await createStateBreakerStore(second).get('bigquery/eu')).toEqual(written);
      await second.close();
    } finally {
      await rm(made, { recursive: true, force: true });
    }
  });
});
