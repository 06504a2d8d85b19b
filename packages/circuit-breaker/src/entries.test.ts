import { describe, expect, it } from 'vitest';
import * as firestore from './firestore.js';
import * as main from './index.js';
import { createMemoryBreakerStore } from './memory-store.js';
import * as store from './store.js';
import * as testing from './testing.js';

describe('entry points', () => {
  it('/store has what a store author needs', () => {
    expect(Object.keys(store).sort()).toEqual([
      'BreakerRecordError',
      'applyOutcome',
      'countTrips',
      'emptyRecord',
    ]);
  });

  it('/testing has the contract suite and the flaky store', () => {
    expect(Object.keys(testing).sort()).toEqual([
      'breakerStoreContract',
      'createFlakyBreakerStore',
    ]);
  });

  it('the main entry carries no test kit', () => {
    expect(Object.keys(main)).not.toContain('breakerStoreContract');
    expect(Object.keys(main)).not.toContain('createFlakyBreakerStore');
  });

  it('keeps the old names working, as the same functions, until the next minor release', () => {
    expect(main.createMemoryStore).toBe(createMemoryBreakerStore);
    expect(main.applyOutcome).toBe(store.applyOutcome);
    expect(main.countTrips).toBe(store.countTrips);
    expect(main.emptyRecord).toBe(store.emptyRecord);
    expect(firestore.createFirestoreStore).toBe(firestore.createFirestoreBreakerStore);
  });
});
