import type { PropMarket } from '../messages/index.js';
import type { LinearModel } from './linear-model.js';
import type { TrainingRow } from './training.js';

/** One date's fitted models, by market (absent when too few training rows). */
export type DateModels = ReadonlyMap<PropMarket, LinearModel>;

/** A feature-store row of the date, as the worker reads it. */
export interface FeatureRow {
  readonly game_key: string;
  readonly player_lookup: string;
  readonly bdl_player_id: number;
  readonly player_name: string | null;
  readonly is_home: boolean | null;
  readonly is_back_to_back: boolean | null;
  readonly minutes_avg_last_10: number | null;
  readonly points_avg_last_10: number | null;
  readonly points_avg_season: number | null;
  readonly points_std_last_10: number | null;
  readonly rebounds_avg_last_10: number | null;
  readonly rebounds_avg_season: number | null;
  readonly assists_avg_last_10: number | null;
  readonly assists_avg_season: number | null;
}

/** A batch's feature rows and each player's games played before the date. */
export interface BatchFeatures {
  /** By `featureKey(gameKey, playerId)`. */
  readonly rows: ReadonlyMap<string, FeatureRow>;
  /** Played games before the date, by `player_lookup`. */
  readonly gamesPlayed: ReadonlyMap<string, number>;
}

/** The key of a feature row in {@link BatchFeatures.rows}. */
export function featureKey(gameKey: string, playerId: number): string {
  return `${gameKey}#${playerId}`;
}

/**
 * What a prediction worker keeps in memory between requests: one date's models (fitted once per
 * date, so the ~300 requests of a date fit once) and one batch's feature rows (loaded with one
 * query). Concurrent first uses share one load; a failed load is forgotten so the next try
 * loads again. Holds the last `maxEntries` of each.
 */
export interface ModelCache {
  /** The models of `dataDate`, from `fit` on first use. */
  models(dataDate: string, fit: () => Promise<DateModels>): Promise<DateModels>;
  /** The feature rows of `batchId`, from `load` on first use. */
  features(batchId: string, load: () => Promise<BatchFeatures>): Promise<BatchFeatures>;
  /**
   * The training rows of `dataDate` (games in `[windowStart, dataDate)`): the rows kept from the
   * date before, plus those `load(from)` fetches for games from `from` on; everything when the
   * kept rows do not lead up to `dataDate` (first use, a date earlier than the last). Rows on or
   * after `dataDate` are never returned.
   */
  trainingRows(
    dataDate: string,
    windowStart: string,
    load: (from: string) => Promise<TrainingRow[]>,
  ): Promise<TrainingRow[]>;
  /** How many times `fit` and `load` were called, and how many training rows were loaded. */
  readonly stats: {
    readonly fits: number;
    readonly featureLoads: number;
    readonly trainingRowsLoaded: number;
  };
  /** Forget everything. */
  clear(): void;
}

/** Options of {@link createModelCache}. */
export interface ModelCacheOptions {
  /** Dates (and batches) kept. @default 3 */
  readonly maxEntries?: number;
}

/**
 * Create a {@link ModelCache}.
 *
 * @example
 * ```ts
 * const models = createModelCache();
 * await handlePredictionRequest(request, { warehouse, queue, clock, logger, models });
 * ```
 */
export function createModelCache(options: ModelCacheOptions = {}): ModelCache {
  const maxEntries = options.maxEntries ?? 3;
  const models = new Map<string, Promise<DateModels>>();
  const features = new Map<string, Promise<BatchFeatures>>();
  const stats = { fits: 0, featureLoads: 0, trainingRowsLoaded: 0 };
  // Training rows of the games before `through`, from `windowStart` on; one load at a time.
  let training: { through: string; rows: TrainingRow[] } | undefined;
  let trainingTail: Promise<unknown> = Promise.resolve();
  function memo<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const held = map.get(key);
    if (held !== undefined) return held;
    const loading = load();
    map.set(key, loading);
    loading.catch(() => {
      if (map.get(key) === loading) map.delete(key);
    });
    while (map.size > maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
    return loading;
  }
  return {
    models(dataDate, fit) {
      return memo(models, dataDate, () => {
        stats.fits++;
        return fit();
      });
    },
    features(batchId, load) {
      return memo(features, batchId, () => {
        stats.featureLoads++;
        return load();
      });
    },
    trainingRows(dataDate, windowStart, load) {
      const next = trainingTail.then(async () => {
        const kept =
          training !== undefined && training.through <= dataDate && training.through > windowStart
            ? training
            : undefined;
        const from = kept?.through ?? windowStart;
        const fresh = await load(from);
        stats.trainingRowsLoaded += fresh.length;
        const rows = [...(kept?.rows ?? []), ...fresh].filter(
          (row) => row.game_date >= windowStart && row.game_date < dataDate,
        );
        training = { through: dataDate, rows };
        return rows;
      });
      trainingTail = next.catch(() => {
        training = undefined;
      });
      return next;
    },
    stats,
    clear() {
      models.clear();
      features.clear();
      training = undefined;
    },
  };
}
