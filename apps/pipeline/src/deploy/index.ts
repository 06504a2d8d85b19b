export type { AppliedPubSub } from './apply.js';
export { applyPlanToPubSub } from './apply.js';
export type {
  DeployCheckOptions,
  DeployCheckResult,
  DeployFinding,
  DeployFindingCode,
  LiveSchedulerJob,
  SchedulerLister,
} from './check.js';
export { deployCheck, deployCheckExitCode } from './check.js';
export { DeployError } from './errors.js';
export type { MonitorSchedule } from './monitors.js';
export { monitorSchedules } from './monitors.js';
export type { DeployPlanOptions } from './plan.js';
export { deadLetterReaderSuffix, deployPlan } from './plan.js';
export type { EngineSubscriptionSettings } from './probe.js';
export { probeEngineSubscriptions } from './probe.js';
export { renderPlanGcloud, shellWord } from './render-gcloud.js';
export { renderPlanYaml } from './render-yaml.js';
export type { ServiceName, SubscriptionRole } from './services.js';
export { pushRouteOf, serviceDescriptions, serviceOfRole } from './services.js';
export type {
  BucketPlan,
  CollectionPlan,
  DatasetPlan,
  DeployPlan,
  LifecycleRulePlan,
  SchedulerJobPlan,
  ServicePlan,
  SubscriptionPlan,
  TablePlan,
  TopicPlan,
} from './types.js';
export type { YamlValue } from './yaml.js';
export { toYaml } from './yaml.js';
