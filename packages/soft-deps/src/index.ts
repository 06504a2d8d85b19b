export { DependencyGuardOptionsError } from './errors.js';
export type {
  Decision,
  DependencyDecision,
  EvaluateOptions,
  EvaluateOptionsArgument,
  UpstreamResult,
  UpstreamStatus,
} from './evaluate.js';
export { compareDecisions, evaluateDependencies } from './evaluate.js';
export type {
  DependencyGuard,
  DependencyGuardOptions,
  GuardContext,
  GuardedRun,
  GuardOutcome,
} from './guard.js';
export { createDependencyGuard } from './guard.js';
export type {
  Coverage,
  CoverageContext,
  CoverageFunction,
  DependencyKind,
  DependencyMap,
  DependencyMapConfig,
  DependencyMapOptions,
  ProcessorConfig,
  UpstreamConfig,
  WhenNoneExpected,
} from './map.js';
export { createDependencyMap, DependencyMapError, parseDependencyMap } from './map.js';
export type { SoftDependenciesOptions, SoftDependencyProcessor } from './mixin.js';
export { withSoftDependencies } from './mixin.js';
export type { DecisionRecord, DecisionSink, MemoryDecisionSink } from './sink.js';
export { createMemoryDecisionSink } from './sink.js';
