import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import type { PropMarket } from '../messages/index.js';
import { featureNames, type TrainingRow, trainingExample } from './training.js';

/** A linear model of one market's stat, fitted on one date's training rows. */
export interface LinearModel {
  readonly market: PropMarket;
  /** Coefficients in {@link featureNames} order, then the intercept. */
  readonly weights: readonly number[];
  /** The mean of each feature over the training rows, to stand in for a missing one. */
  readonly featureMeans: readonly number[];
  /** Root-mean-square residual on the training rows: the spread of an outcome around a prediction. */
  readonly residualSd: number;
  readonly trainingRows: number;
  /** The latest game date trained on (always before the pipeline date). */
  readonly lastTrainingDate: string;
  /** The prediction for features in {@link featureNames} order, never below 0. */
  predict(features: readonly number[]): number;
}

/** Fewer usable training rows than this, and no model is fitted. */
export const MIN_TRAINING_ROWS = 30;

/**
 * Fit `market`'s model by least squares (`ml-regression-multivariate-linear`, with intercept) on
 * the usable rows; undefined when there are fewer than {@link MIN_TRAINING_ROWS}.
 */
export function fitLinearModel(
  rows: readonly TrainingRow[],
  market: PropMarket,
): LinearModel | undefined {
  const x: number[][] = [];
  const y: number[][] = [];
  let lastTrainingDate = '';
  for (const row of rows) {
    const example = trainingExample(row, market);
    if (example === undefined) continue;
    x.push(example.features);
    y.push([example.target]);
    if (row.game_date > lastTrainingDate) lastTrainingDate = row.game_date;
  }
  if (x.length < MIN_TRAINING_ROWS) return undefined;
  const regression = new MultivariateLinearRegression(x, y, { statistics: false });
  const weights = regression.weights.map((w) => w[0] ?? 0);
  const featureMeans = featureNames.map(
    (_, i) => x.reduce((sum, features) => sum + (features[i] ?? 0), 0) / x.length,
  );
  const predictRaw = (features: readonly number[]): number => {
    let value = weights[features.length] ?? 0;
    for (let i = 0; i < features.length; i++) value += (weights[i] ?? 0) * (features[i] ?? 0);
    return value;
  };
  let squares = 0;
  for (let i = 0; i < x.length; i++) {
    const residual = (y[i]?.[0] ?? 0) - predictRaw(x[i] ?? []);
    squares += residual * residual;
  }
  return {
    market,
    weights,
    featureMeans,
    residualSd: Math.sqrt(squares / x.length),
    trainingRows: x.length,
    lastTrainingDate,
    predict: (features) => Math.max(0, predictRaw(features)),
  };
}
