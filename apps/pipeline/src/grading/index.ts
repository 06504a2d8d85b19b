export { previousDay } from './dates.js';
export { gradingEntries } from './entries.js';
export type {
  ExportedGame,
  ExportedPrediction,
  ExportedResult,
  PredictionExportRow,
  PredictionsDocument,
  ResultExportRow,
  ResultSummary,
  ResultsDocument,
} from './export-documents.js';
export {
  buildPredictionsDocument,
  buildResultsDocument,
  exportSchemaVersion,
  predictionsExportPath,
  resultsExportPath,
  summarizeResults,
} from './export-documents.js';
export type { Grade, GradedStat, GradeInput, VoidReason } from './grade.js';
export { gradePrediction, statOfMarket } from './grade.js';
export { predictionExport, predictionExportName } from './prediction-export.js';
export { predictionGrading, predictionGradingName } from './prediction-grading.js';
