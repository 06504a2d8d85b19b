import type { PropMarket } from '../messages/index.js';

/** The rolling-average system: the last-10 average of the stat, else its season average. */
export const MOVING_AVERAGE_BASELINE = 'moving_average_baseline';

/** The linear regression fitted per date and market on earlier games only. */
export const LINEAR_MODEL = 'linear_model';

/** Every prediction system, in the order rows are written. */
export const predictionSystems = [MOVING_AVERAGE_BASELINE, LINEAR_MODEL] as const;

/** A system of {@link predictionSystems}. */
export type PredictionSystemId = (typeof predictionSystems)[number];

/** The feature-store and box-score columns of one market's stat. */
export interface MarketColumns {
  /** The box-score column (`player_game_summary`). */
  readonly stat: 'points' | 'rebounds' | 'assists';
  /** The feature-store column of the last-10 average. */
  readonly last10: 'points_avg_last_10' | 'rebounds_avg_last_10' | 'assists_avg_last_10';
  /** The feature-store column of the season average. */
  readonly season: 'points_avg_season' | 'rebounds_avg_season' | 'assists_avg_season';
  /** The feature-store column of the line. */
  readonly line: 'points_line' | 'rebounds_line' | 'assists_line';
}

/** The columns of each market. */
export const marketColumns: Readonly<Record<PropMarket, MarketColumns>> = {
  player_points: {
    stat: 'points',
    last10: 'points_avg_last_10',
    season: 'points_avg_season',
    line: 'points_line',
  },
  player_rebounds: {
    stat: 'rebounds',
    last10: 'rebounds_avg_last_10',
    season: 'rebounds_avg_season',
    line: 'rebounds_line',
  },
  player_assists: {
    stat: 'assists',
    last10: 'assists_avg_last_10',
    season: 'assists_avg_season',
    line: 'assists_line',
  },
};
