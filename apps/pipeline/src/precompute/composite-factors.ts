/** The inputs of one player's composite factors; null where an upstream had no row. */
export interface FactorInputs {
  readonly daysRest: number | null;
  readonly isBackToBack: boolean | null;
  readonly gamesLast7Days: number | null;
  /** From the player's shot profile. */
  readonly fieldGoalsAttemptedPerGame: number | null;
  readonly threePtRate: number | null;
  readonly freeThrowRate: number | null;
  readonly trueShootingPct: number | null;
  /** The opponent's defence and both teams' pace. */
  readonly oppEffectiveFgPct: number | null;
  readonly oppThreePtRate: number | null;
  readonly oppPace: number | null;
  readonly ownPace: number | null;
}

/** League-wide figures before the date: what opponents allowed, and pace. */
export interface LeagueBaseline {
  readonly effectiveFgPct: number | null;
  readonly threePtRate: number | null;
  readonly pace: number | null;
}

/** The factors (multipliers around 1) and their total in points (within ±3), or null. */
export interface Factors {
  readonly fatigue: number;
  readonly matchup: number | null;
  readonly pace: number | null;
  readonly totalAdjustment: number | null;
}

/** The largest total adjustment, in points either way. */
export const maxAdjustmentPoints = 3;

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/**
 * Composite factors of one upcoming player-game:
 * - fatigue: 1, -0.04 on a back-to-back, +0.01 with 2+ days of rest, -0.015 per game beyond 3
 *   in the last 7 days; within [0.9, 1.05];
 * - matchup: the opponent's effective FG% allowed against the league's, plus half the opponent's
 *   three-point attempt rate allowed against the league's weighted by the player's three-point
 *   share; within [0.9, 1.1]; null without the shot profile or the opponent's defence;
 * - pace: the mean of both teams' pace (the opponent's alone if the own team has none) over the
 *   league's; within [0.92, 1.08]; null without the opponent's;
 * - total: the player's points per game implied by his shot profile times (product - 1), a
 *   missing factor counting as 1, within ±{@link maxAdjustmentPoints}; null without the profile.
 */
export function compositeFactors(input: FactorInputs, league: LeagueBaseline): Factors {
  let fatigue = 1;
  if (input.isBackToBack === true) fatigue -= 0.04;
  if (input.daysRest !== null && input.daysRest >= 2) fatigue += 0.01;
  if (input.gamesLast7Days !== null) fatigue -= 0.015 * Math.max(0, input.gamesLast7Days - 3);
  fatigue = clamp(fatigue, 0.9, 1.05);

  let matchup: number | null = null;
  if (
    input.threePtRate !== null &&
    input.oppEffectiveFgPct !== null &&
    input.oppThreePtRate !== null &&
    league.effectiveFgPct &&
    league.threePtRate
  ) {
    const efgEdge = input.oppEffectiveFgPct / league.effectiveFgPct - 1;
    const threeEdge = input.oppThreePtRate / league.threePtRate - 1;
    matchup = clamp(1 + efgEdge + 0.5 * input.threePtRate * threeEdge, 0.9, 1.1);
  }

  let pace: number | null = null;
  if (input.oppPace !== null && league.pace) {
    const game = input.ownPace === null ? input.oppPace : (input.oppPace + input.ownPace) / 2;
    pace = clamp(game / league.pace, 0.92, 1.08);
  }

  let totalAdjustment: number | null = null;
  if (
    input.fieldGoalsAttemptedPerGame !== null &&
    input.trueShootingPct !== null &&
    input.freeThrowRate !== null
  ) {
    const baseline =
      2 *
      input.trueShootingPct *
      input.fieldGoalsAttemptedPerGame *
      (1 + 0.44 * input.freeThrowRate);
    const product = fatigue * (matchup ?? 1) * (pace ?? 1);
    totalAdjustment = clamp(baseline * (product - 1), -maxAdjustmentPoints, maxAdjustmentPoints);
  }
  return { fatigue, matchup, pace, totalAdjustment };
}
