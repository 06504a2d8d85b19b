export type {
  BatchDeps,
  PredictionBatch,
  PredictionBatchDocument,
  PredictionResultDocument,
  RecordResultOutcome,
  ReportedStatus,
  SettleOptions,
} from './batch.js';
export {
  deactivateEarlierBatches,
  loadBatchResults,
  loadPredictionBatch,
  missingPlayers,
  predictionBatchesCollection,
  predictionResultId,
  predictionResultsCollection,
  predictionShardsCollection,
  recordPredictionResult,
  settleStalledBatches,
  shardSizeOf,
  UnknownPredictionBatchError,
} from './batch.js';
export type { PredictionCoordinatorOptions } from './coordinator.js';
export {
  batchIdOf,
  createPredictionCoordinator,
  PREDICTION_COORDINATOR,
  predictionCoordinator,
  predictionEntries,
} from './coordinator.js';
export type { LinearModel } from './linear-model.js';
export { fitLinearModel, MIN_TRAINING_ROWS } from './linear-model.js';
export type {
  BatchFeatures,
  DateModels,
  FeatureRow,
  ModelCache,
  ModelCacheOptions,
} from './model-cache.js';
export { createModelCache, featureKey } from './model-cache.js';
export type { PredictionRow, PredictionWriter } from './prediction-writer.js';
export { createPredictionWriter } from './prediction-writer.js';
export type { Recommendation, RecommendationDecision } from './recommendation.js';
export { MIN_CONFIDENCE, MIN_EDGE, normalCdf, recommend } from './recommendation.js';
export type { MarketColumns, PredictionSystemId } from './systems.js';
export {
  LINEAR_MODEL,
  MOVING_AVERAGE_BASELINE,
  marketColumns,
  predictionSystems,
} from './systems.js';
export type { TrainingOptions, TrainingRow } from './training.js';
export {
  featureNames,
  loadTrainingRows,
  trainingExample,
  trainingWindowStart,
} from './training.js';
export type { PredictionWorkerDeps } from './worker.js';
export { fitDateModels, handlePredictionRequest, loadBatchFeatures } from './worker.js';
