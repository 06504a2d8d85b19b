import { describe, expect, it } from 'vitest';
import { BreakerConfigError } from './errors.js';
import { allGates, quorumGate, shareGate } from './gates.js';

const precompute = [
  'player_daily_cache',
  'feature_store',
  'composite_factors',
  'team_defense',
  'shot_zones',
];
const phase4to5 = quorumGate({
  of: precompute,
  required: ['player_daily_cache', 'feature_store'],
  minComplete: 3,
});

describe('quorumGate', () => {
  it('opens with 3 of 5 including both critical processors', () => {
    const result = phase4to5.evaluate(['player_daily_cache', 'feature_store', 'shot_zones']);
    expect(result.open).toBe(true);
    expect(result.reasons).toEqual([
      'open: 3 of 5 complete (need 3, including player_daily_cache, feature_store)',
    ]);
    expect(result.details).toEqual({
      complete: ['player_daily_cache', 'feature_store', 'shot_zones'],
      missing: ['composite_factors', 'team_defense'],
      missingRequired: [],
      unknown: [],
      minComplete: 3,
      total: 5,
    });
  });

  it('blocks when a critical processor is missing, however many others finished', () => {
    const result = phase4to5.evaluate([
      'player_daily_cache',
      'composite_factors',
      'team_defense',
      'shot_zones',
    ]);
    expect(result.open).toBe(false);
    expect(result.reasons).toContain('required not complete: feature_store');
  });

  it('blocks with too few complete and reports names it does not count', () => {
    const result = phase4to5.evaluate(['player_daily_cache', 'feature_store', 'feature_stor']);
    expect(result.open).toBe(false);
    expect(result.reasons[0]).toBe(
      'blocked: 2 of 5 complete (need 3, including player_daily_cache, feature_store)',
    );
    expect(result.reasons).toContain(
      'too few complete: missing composite_factors, team_defense, shot_zones',
    );
    expect(result.details.unknown).toEqual(['feature_stor']);
  });

  it('defaults to all-of with no required list', () => {
    const gate = quorumGate({ of: ['a', 'b'] });
    expect(gate.evaluate(['a']).open).toBe(false);
    expect(gate.evaluate(new Set(['a', 'b'])).open).toBe(true);
  });

  it('rejects impossible definitions', () => {
    expect(() => quorumGate({ of: [] })).toThrow('"of" must be a non-empty list');
    expect(() => quorumGate({ of: ['a', 'a'] })).toThrow('lists a processor twice');
    expect(() => quorumGate({ of: ['a'], required: ['b'] })).toThrow(
      '"required" names processors not in "of": b',
    );
    expect(() => quorumGate({ of: ['a'], minComplete: 2 })).toThrow(
      '"minComplete" must be a whole number from 0 to 1',
    );
  });
});

describe('shareGate', () => {
  const gate = shareGate({ maxBadShare: 0.5, itemName: 'games' });

  it('opens at or below the limit and blocks above it, listing the bad items', () => {
    expect(gate.evaluate({ total: 10, bad: 5 }).open).toBe(true);
    const blocked = gate.evaluate({ total: 4, bad: ['0022500647', '0022500648', '0022500649'] });
    expect(blocked.open).toBe(false);
    expect(blocked.reasons).toEqual([
      'blocked: 3 of 4 games bad (75%, limit 50%)',
      'bad games: 0022500647, 0022500648, 0022500649',
    ]);
    expect(blocked.details).toMatchObject({ total: 4, bad: 3, badShare: 0.75 });
  });

  it('opens with nothing to check, and says so', () => {
    expect(gate.evaluate({ total: 0, bad: 0 })).toMatchObject({
      open: true,
      reasons: ['open: 0 of 0 games bad (0%, limit 50%)', 'no games to check'],
    });
  });

  it('rejects impossible input', () => {
    expect(() => shareGate({ maxBadShare: 2 })).toThrow(
      '"maxBadShare" must be a number from 0 to 1',
    );
    expect(() => gate.evaluate({ total: 2, bad: 3 })).toThrow(
      '"bad" must count from 0 to total (2)',
    );
    expect(() => gate.evaluate({ total: -1, bad: 0 })).toThrow('"total" must be a whole number');
  });
});

describe('allGates', () => {
  it('opens only when every gate is open and keeps every reason', () => {
    const quorum = phase4to5.evaluate(precompute);
    const share = shareGate({ maxBadShare: 0.1 }).evaluate({ total: 10, bad: 2 });
    const result = allGates(quorum, share);
    expect(result.open).toBe(false);
    expect(result.reasons).toEqual([...quorum.reasons, ...share.reasons]);
  });
});

describe('gate results and errors, in the package vocabulary', () => {
  it("say proceed or blocked as soft-deps' decisions do", () => {
    expect(phase4to5.evaluate(precompute).decision).toBe('proceed');
    expect(phase4to5.evaluate(['feature_store']).decision).toBe('blocked');
    const share = shareGate({ maxBadShare: 0.1 });
    expect(share.evaluate({ total: 10, bad: 1 }).decision).toBe('proceed');
    expect(share.evaluate({ total: 10, bad: 2 }).decision).toBe('blocked');
    expect(
      allGates(phase4to5.evaluate(precompute), share.evaluate({ total: 10, bad: 1 })),
    ).toMatchObject({ open: true, decision: 'proceed' });
    expect(
      allGates(phase4to5.evaluate(precompute), share.evaluate({ total: 10, bad: 2 })),
    ).toMatchObject({ open: false, decision: 'blocked' });
  });

  it('reject a bad definition or input with a BreakerConfigError naming it', () => {
    const wrong = (make: () => unknown): BreakerConfigError => {
      try {
        make();
      } catch (error) {
        if (BreakerConfigError.isInstance(error)) return error;
        throw error;
      }
      throw new Error('expected a BreakerConfigError');
    };
    expect(wrong(() => quorumGate({ of: [] })).option).toBe('of');
    expect(wrong(() => quorumGate({ of: ['a'], required: ['b'] })).option).toBe('required');
    expect(wrong(() => quorumGate({ of: ['a'], minComplete: 2 })).option).toBe('minComplete');
    expect(wrong(() => shareGate({ maxBadShare: -1 })).option).toBe('maxBadShare');
    expect(wrong(() => shareGate({ maxBadShare: 0.5 }).evaluate({ total: 1, bad: 2 })).option).toBe(
      'bad',
    );
  });
});
