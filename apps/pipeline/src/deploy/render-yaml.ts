import type { DeployPlan } from './types.js';
import { toYaml, type YamlValue } from './yaml.js';

/**
 * The plan as a reviewable YAML manifest: one section per resource kind, in the plan's order.
 *
 * @example
 * ```ts
 * process.stdout.write(renderPlanYaml(await deployPlan({ project, serviceUrl })));
 * ```
 */
export function renderPlanYaml(plan: DeployPlan): string {
  // Through JSON: the plan is plain data, and its undefined fields drop out.
  const data = JSON.parse(JSON.stringify(plan)) as YamlValue;
  return `# The resources pipewell needs on Google Cloud (pipewell deploy plan).\n${toYaml(data)}`;
}
