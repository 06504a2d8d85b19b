import { describe, expect, it } from 'vitest';
import { compositeFactors, type FactorInputs, maxAdjustmentPoints } from './composite-factors.js';

const league = { effectiveFgPct: 0.54, threePtRate: 0.4, pace: 100 };
const rested: FactorInputs = {
  daysRest: 1,
  isBackToBack: false,
  gamesLast7Days: 3,
  fieldGoalsAttemptedPerGame: 18,
  threePtRate: 0.4,
  freeThrowRate: 0.3,
  trueShootingPct: 0.58,
  oppEffectiveFgPct: 0.54,
  oppThreePtRate: 0.4,
  oppPace: 100,
  ownPace: 100,
};

describe('compositeFactors', () => {
  it('is neutral for an average matchup on normal rest', () => {
    expect(compositeFactors(rested, league)).toEqual({
      fatigue: 1,
      matchup: 1,
      pace: 1,
      totalAdjustment: 0,
    });
  });

  it('lowers the points on a back-to-back and after a busy week', () => {
    const tired = compositeFactors(
      { ...rested, daysRest: 0, isBackToBack: true, gamesLast7Days: 5 },
      league,
    );
    expect(tired.fatigue).toBeCloseTo(1 - 0.04 - 0.03, 10);
    expect(tired.totalAdjustment).toBeLessThan(0);
  });

  it('raises the points against a defence that allows more, at a faster pace', () => {
    const soft = compositeFactors(
      { ...rested, oppEffectiveFgPct: 0.57, oppThreePtRate: 0.44, oppPace: 104 },
      league,
    );
    expect(soft.matchup).toBeGreaterThan(1);
    expect(soft.pace).toBeCloseTo(1.02, 10);
    expect(soft.totalAdjustment).toBeGreaterThan(0);
  });

  it('keeps the total within ±3 points', () => {
    const extreme = compositeFactors(
      { ...rested, fieldGoalsAttemptedPerGame: 40, oppEffectiveFgPct: 0.8, oppPace: 130 },
      league,
    );
    expect(extreme.totalAdjustment).toBe(maxAdjustmentPoints);
  });

  it('leaves matchup, pace and total NULL without their inputs', () => {
    const bare = compositeFactors(
      { ...rested, threePtRate: null, trueShootingPct: null, oppPace: null },
      league,
    );
    expect(bare).toEqual({ fatigue: 1, matchup: null, pace: null, totalAdjustment: null });
  });
});
