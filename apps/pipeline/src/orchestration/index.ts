export { predictionBatchProcessor } from './definition-index.js';
export { createPipelineEngine, engineSubscriptions } from './engine.js';
export { OrchestrationError } from './errors.js';
export type {
  BatchGateOptions,
  CoverageGateOptions,
  GateOutput,
  JudgeGateInput,
  QuorumGateOptions,
  WarehouseCount,
} from './gates.js';
export { batchGate, countRowsOn, coverageGate, judgeGate, quorumGate } from './gates.js';
export * from './types.js';
