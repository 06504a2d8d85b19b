/** How one prediction fared, before the keys and dates are added: the graded columns. */
export interface Grade {
  readonly actual_value: number | null;
  readonly absolute_error: number | null;
  readonly signed_error: number | null;
  readonly correct_call: boolean | null;
  readonly within_3: boolean | null;
  readonly within_5: boolean | null;
  readonly is_voided: boolean;
  readonly void_reason: VoidReason | null;
}

/**
 * Why a prediction was voided rather than graded: the player's row says he did not play, or his
 * game has box-score rows but none for him.
 */
export type VoidReason = 'did_not_play' | 'no_box_score';

/** The box-score stat a market is graded on. */
export type GradedStat = 'points' | 'rebounds' | 'assists';

/** What {@link gradePrediction} reads: the prediction and the player's box-score row, if any. */
export interface GradeInput {
  readonly line: number | null;
  readonly predictedValue: number | null;
  readonly recommendation: string | null;
  /** The player's box-score row of the game, or undefined when the game has none for him. */
  readonly boxScore?: { readonly played: boolean | null; readonly actual: number | null };
}

const marketStats: Readonly<Record<string, GradedStat>> = {
  player_points: 'points',
  player_rebounds: 'rebounds',
  player_assists: 'assists',
  points: 'points',
  rebounds: 'rebounds',
  assists: 'assists',
};

/**
 * The stat `market` is graded on: `player_points` (The Odds API's key) or `points` → points, and
 * so on for rebounds and assists; undefined for any other market.
 */
export function statOfMarket(market: string): GradedStat | undefined {
  return Object.hasOwn(marketStats, market) ? marketStats[market] : undefined;
}

// Float subtraction leaves tails (24.3 - 27 = -2.6999999999999993); six decimals is far below
// any stat's resolution and keeps within_3 / within_5 exact at the boundary.
function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

const voided = (reason: VoidReason): Grade => ({
  actual_value: null,
  absolute_error: null,
  signed_error: null,
  correct_call: null,
  within_3: null,
  within_5: null,
  is_voided: true,
  void_reason: reason,
});

/**
 * Grade one prediction against the player's box score.
 *
 * - No box-score row (or one without the stat) → voided `no_box_score`; `played` false → voided
 *   `did_not_play`. A voided prediction has every graded column NULL.
 * - `signed_error` = predicted - actual; `within_3` / `within_5`: |error| <= 3 / 5 (inclusive).
 * - `correct_call`: OVER is right when actual > line, UNDER when actual < line; a push
 *   (actual = line) is false (the call did not win); NULL for PASS or any other recommendation,
 *   and when the line is NULL.
 */
export function gradePrediction(input: GradeInput): Grade {
  const { boxScore } = input;
  if (boxScore === undefined) return voided('no_box_score');
  if (boxScore.played === false) return voided('did_not_play');
  if (boxScore.actual === null) return voided('no_box_score');
  const actual = boxScore.actual;
  const signed = input.predictedValue === null ? null : round6(input.predictedValue - actual);
  const absolute = signed === null ? null : Math.abs(signed);
  return {
    actual_value: actual,
    absolute_error: absolute,
    signed_error: signed,
    correct_call: callOutcome(input.recommendation, input.line, actual),
    within_3: absolute === null ? null : absolute <= 3,
    within_5: absolute === null ? null : absolute <= 5,
    is_voided: false,
    void_reason: null,
  };
}

function callOutcome(recommendation: string | null, line: number | null, actual: number) {
  if (line === null) return null;
  if (recommendation === 'OVER') return actual > line;
  if (recommendation === 'UNDER') return actual < line;
  return null;
}
