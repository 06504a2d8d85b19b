/** The side a prediction recommends, as the warehouse stores it. */
export type Recommendation = 'OVER' | 'UNDER' | 'PASS';

/** What {@link recommend} decides for one prediction. */
export interface RecommendationDecision {
  /** `predicted - line`. */
  readonly edge: number;
  /** The chance the outcome lands on the predicted side of the line, 0.5 to 1 (see {@link recommend}). */
  readonly confidence: number;
  readonly recommendation: Recommendation;
}

/** Below it, no side is recommended. */
export const MIN_CONFIDENCE = 0.55;

/** An edge of at most this many units (points, rebounds, assists) is a PASS. */
export const MIN_EDGE = 2;

/**
 * Decide OVER, UNDER or PASS for a predicted value against a line. Confidence is the normal
 * probability that the outcome falls on the predicted side, `Φ(|edge| / spread)`, clamped to
 * 0..1 and rounded to 3 decimals; `spread` is the expected spread of the outcome (a player's
 * points standard deviation, a model's residual deviation). PASS when `|edge| <= 2` or confidence
 * is below 0.55; otherwise OVER when the prediction is above the line, UNDER below.
 *
 * @example
 * ```ts
 * recommend(29.5, 26.5, 6); // { edge: 3, confidence: 0.691, recommendation: 'OVER' }
 * ```
 */
export function recommend(predicted: number, line: number, spread: number): RecommendationDecision {
  const edge = round(predicted - line, 2);
  const z = Math.abs(edge) / Math.max(spread, 1e-6);
  const confidence = round(Math.min(1, Math.max(0, normalCdf(z))), 3);
  const recommendation: Recommendation =
    Math.abs(edge) <= MIN_EDGE || confidence < MIN_CONFIDENCE
      ? 'PASS'
      : edge > 0
        ? 'OVER'
        : 'UNDER';
  return { edge, confidence, recommendation };
}

/** The standard normal CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
