export { closeAll } from './pool.js';
export type { ResolveProjectOptions } from './project.js';
export { ClientConfigError, resolveProjectId } from './project.js';
