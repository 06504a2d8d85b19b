export type { BackendChoice } from './backends.js';
export { BackendConfigError, backendsFromEnv } from './backends.js';
export type { PipelineDefinitionDeps } from './definition.js';
export { createPipelineDefinition } from './definition.js';
export { pipelineGates } from './gates.js';
export type { DateFigures } from './measures.js';
export {
  dateFigures,
  gamesCovered,
  playersPredicted,
  precomputeOutputs,
  rowsOn,
  scheduledGames,
} from './measures.js';
export type { OpenPipelineAppOptions, PipelineApp } from './open-app.js';
export { openPipelineApp, openPipelineEngine, openStateStoreOf } from './open-app.js';
