import type { PhaseProcessorEntry } from '../orchestration/types.js';
import { predictionExport } from './prediction-export.js';
import { predictionGrading, predictionGradingName } from './prediction-grading.js';

/**
 * Phase 6 for the orchestrator: grading (critical: the gate and the summary read its rows), then
 * the export, which needs the day's grades first.
 */
export const gradingEntries: PhaseProcessorEntry[] = [
  { processor: predictionGrading, critical: true },
  { processor: predictionExport, dependsOn: [predictionGradingName] },
];
