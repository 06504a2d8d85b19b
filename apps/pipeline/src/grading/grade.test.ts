import { describe, expect, it } from 'vitest';
import { gradePrediction, statOfMarket } from './grade.js';

const box = (actual: number | null, played: boolean | null = true) => ({
  boxScore: { played, actual },
});

describe('gradePrediction', () => {
  it('counts a push as a wrong call on either side', () => {
    expect(
      gradePrediction({ line: 20, predictedValue: 22, recommendation: 'OVER', ...box(20) })
        .correct_call,
    ).toBe(false);
    expect(
      gradePrediction({ line: 20, predictedValue: 18, recommendation: 'UNDER', ...box(20) })
        .correct_call,
    ).toBe(false);
  });

  it('makes no call for PASS, an unknown recommendation or a missing line', () => {
    for (const input of [
      { line: 20.5, recommendation: 'PASS' },
      { line: 20.5, recommendation: 'over' },
      { line: null, recommendation: 'OVER' },
    ]) {
      expect(gradePrediction({ ...input, predictedValue: 25, ...box(30) }).correct_call).toBeNull();
    }
  });

  it('leaves the errors NULL, but keeps the call, when there is no predicted value', () => {
    expect(
      gradePrediction({ line: 20.5, predictedValue: null, recommendation: 'OVER', ...box(30) }),
    ).toEqual({
      actual_value: 30,
      absolute_error: null,
      signed_error: null,
      correct_call: true,
      within_3: null,
      within_5: null,
      is_voided: false,
      void_reason: null,
    });
  });

  it('voids a played row without the stat as no_box_score', () => {
    expect(
      gradePrediction({ line: 1, predictedValue: 1, recommendation: 'OVER', ...box(null) }),
    ).toMatchObject({
      is_voided: true,
      void_reason: 'no_box_score',
    });
  });

  it('is inclusive at 5 points', () => {
    expect(
      gradePrediction({ line: 20.5, predictedValue: 25, recommendation: 'OVER', ...box(20) }),
    ).toMatchObject({
      absolute_error: 5,
      within_3: false,
      within_5: true,
    });
  });
});

describe('statOfMarket', () => {
  it('maps both spellings of each market and nothing else', () => {
    expect(
      ['player_points', 'points', 'player_rebounds', 'rebounds', 'player_assists', 'assists'].map(
        statOfMarket,
      ),
    ).toEqual(['points', 'points', 'rebounds', 'rebounds', 'assists', 'assists']);
    expect(statOfMarket('player_threes')).toBeUndefined();
    expect(statOfMarket('toString')).toBeUndefined();
  });
});
