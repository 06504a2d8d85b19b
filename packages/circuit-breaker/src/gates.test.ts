import { describe, expect, it } from 'vitest';
import { BreakerConfigError } from './errors.js';
import { allGates, type QuorumGate, quorumGate, type ShareGateInput, shareGate } from './gates.js';

const precompute = [
  'player_daily_cache',
  'feature_store',
  'composite_factors',
  'team_defense',
  'shot_zones',
];
// Built inside each test, so a gate that wrongly refuses this definition fails the tests that use
// it instead of the file's import.
const phase4to5 = (): QuorumGate =>
  quorumGate({
    of: precompute,
    required: ['player_daily_cache', 'feature_store'],
    minComplete: 3,
  });

describe('quorumGate', () => {
  it('opens with 3 of 5 including both critical processors', () => {
    const result = phase4to5().evaluate(['player_daily_cache', 'feature_store', 'shot_zones']);
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
    const result = phase4to5().evaluate([
      'player_daily_cache',
      'composite_factors',
      'team_defense',
      'shot_zones',
    ]);
    expect(result.open).toBe(false);
    expect(result.reasons).toContain('required not complete: feature_store');
  });

  it('blocks with too few complete and reports names it does not count', () => {
    const result = phase4to5().evaluate(['player_daily_cache', 'feature_store', 'feature_stor']);
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
  const gate = {
    evaluate: (input: ShareGateInput) =>
      shareGate({ maxBadShare: 0.5, itemName: 'games' }).evaluate(input),
  };

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
    const quorum = phase4to5().evaluate(precompute);
    const share = shareGate({ maxBadShare: 0.1 }).evaluate({ total: 10, bad: 2 });
    const result = allGates(quorum, share);
    expect(result.open).toBe(false);
    expect(result.reasons).toEqual([...quorum.reasons, ...share.reasons]);
  });
});

describe('gate results and errors, in the package vocabulary', () => {
  it("say proceed or blocked as soft-deps' decisions do", () => {
    expect(phase4to5().evaluate(precompute).decision).toBe('proceed');
    expect(phase4to5().evaluate(['feature_store']).decision).toBe('blocked');
    const share = shareGate({ maxBadShare: 0.1 });
    expect(share.evaluate({ total: 10, bad: 1 }).decision).toBe('proceed');
    expect(share.evaluate({ total: 10, bad: 2 }).decision).toBe('blocked');
    expect(
      allGates(phase4to5().evaluate(precompute), share.evaluate({ total: 10, bad: 1 })),
    ).toMatchObject({ open: true, decision: 'proceed' });
    expect(
      allGates(phase4to5().evaluate(precompute), share.evaluate({ total: 10, bad: 2 })),
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

function gateError(make: () => unknown): BreakerConfigError {
  try {
    make();
  } catch (error) {
    if (BreakerConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a BreakerConfigError');
}

describe('quorumGate: its definition', () => {
  it('refuses a missing options object, and an empty or non-string name in "of", naming "of"', () => {
    for (const make of [
      () => quorumGate(undefined as never),
      () => quorumGate({ of: ['a', ''] }),
      () => quorumGate({ of: ['a', 5 as never] }),
      () => quorumGate({ of: [5 as never] }),
    ]) {
      const error = gateError(make);
      expect(error.option).toBe('of');
      expect(error.message).toBe(
        '@pipewell/circuit-breaker: quorumGate: "of" must be a non-empty list of processor names',
      );
    }
  });

  it('names the gate and the option in every refusal', () => {
    const twice = gateError(() => quorumGate({ of: ['a', 'a'] }));
    expect(twice.option).toBe('of');
    expect(twice.message).toBe(
      '@pipewell/circuit-breaker: quorumGate: "of" lists a processor twice',
    );
    const outside = gateError(() => quorumGate({ of: ['a'], required: ['b', 'c'] }));
    expect(outside.message).toBe(
      '@pipewell/circuit-breaker: quorumGate: "required" names processors not in "of": b, c',
    );
    const min = gateError(() => quorumGate({ of: ['a'], minComplete: 2 }));
    expect(min.message).toBe(
      '@pipewell/circuit-breaker: quorumGate: "minComplete" must be a whole number from 0 to 1 (got 2)',
    );
  });

  it('takes minComplete from 0 to the size of "of", whole numbers only', () => {
    expect(gateError(() => quorumGate({ of: ['a', 'b'], minComplete: -1 })).option).toBe(
      'minComplete',
    );
    expect(gateError(() => quorumGate({ of: ['a', 'b'], minComplete: 1.5 })).option).toBe(
      'minComplete',
    );
    expect(quorumGate({ of: ['a', 'b'], minComplete: 0 }).evaluate([]).open).toBe(true);
    expect(quorumGate({ of: ['a', 'b'], minComplete: 2 }).evaluate(['a', 'b']).open).toBe(true);
  });

  it('exposes its resolved options, defaults filled in', () => {
    expect(phase4to5().options).toEqual({
      of: precompute,
      required: ['player_daily_cache', 'feature_store'],
      minComplete: 3,
    });
    expect(quorumGate({ of: ['a', 'b'] }).options).toEqual({
      of: ['a', 'b'],
      required: [],
      minComplete: 2,
    });
  });
});

describe('quorumGate: its reasons', () => {
  it('leaves out the required clause when nothing is required', () => {
    expect(quorumGate({ of: ['a', 'b'] }).evaluate(['a']).reasons).toEqual([
      'blocked: 1 of 2 complete (need 2)',
      'too few complete: missing b',
    ]);
  });

  it('lists every missing required processor, and each unknown name once', () => {
    const result = phase4to5().evaluate(['shot_zones', 'oops', 'oops', 'typo']);
    expect(result.reasons).toEqual([
      'blocked: 1 of 5 complete (need 3, including player_daily_cache, feature_store)',
      'too few complete: missing player_daily_cache, feature_store, composite_factors, team_defense',
      'required not complete: player_daily_cache, feature_store',
      'not counted (unknown to this gate): oops, typo',
    ]);
    expect(result.details.unknown).toEqual(['oops', 'typo']);
  });
});

describe('shareGate: its definition and input', () => {
  it('takes maxBadShare from 0 to 1 inclusive, and only as a number', () => {
    expect(shareGate({ maxBadShare: 0 }).evaluate({ total: 2, bad: 1 }).open).toBe(false);
    expect(shareGate({ maxBadShare: 1 }).evaluate({ total: 2, bad: 2 }).open).toBe(true);
    for (const make of [
      () => shareGate({ maxBadShare: '0.5' as never }),
      () => shareGate(undefined as never),
    ]) {
      const error = gateError(make);
      expect(error.option).toBe('maxBadShare');
      expect(error.message).toMatch(
        /^@pipewell\/circuit-breaker: shareGate: "maxBadShare" must be a number from 0 to 1/,
      );
    }
  });

  it('exposes its options, calling the items "items" by default', () => {
    const gate = shareGate({ maxBadShare: 0.25 });
    expect(gate.options).toEqual({ maxBadShare: 0.25, itemName: 'items' });
    expect(gate.evaluate({ total: 4, bad: 2 }).reasons).toEqual([
      'blocked: 2 of 4 items bad (50%, limit 25%)',
    ]);
  });

  it('refuses a total or a bad count that is not a whole number in range, naming it', () => {
    const gate = shareGate({ maxBadShare: 0.5 });
    const total = gateError(() => gate.evaluate({ total: 1.5, bad: 0 }));
    expect(total.option).toBe('total');
    expect(total.message).toBe(
      '@pipewell/circuit-breaker: shareGate: "total" must be a whole number >= 0 (got 1.5)',
    );
    for (const bad of [-1, 0.5]) {
      const error = gateError(() => gate.evaluate({ total: 2, bad }));
      expect(error.option).toBe('bad');
      expect(error.message).toBe(
        `@pipewell/circuit-breaker: shareGate: "bad" must count from 0 to total (2) (got ${bad})`,
      );
    }
  });

  it('lists bad ids only when it blocks, and has none when given a count', () => {
    const gate = shareGate({ maxBadShare: 0.5, itemName: 'games' });
    const open = gate.evaluate({ total: 4, bad: ['g1'] });
    expect(open.reasons).toEqual(['open: 1 of 4 games bad (25%, limit 50%)']);
    expect(open.details.badIds).toEqual(['g1']);
    const counted = gate.evaluate({ total: 4, bad: 3 });
    expect(counted.reasons).toEqual(['blocked: 3 of 4 games bad (75%, limit 50%)']);
    expect(counted.details.badIds).toEqual([]);
  });
});
