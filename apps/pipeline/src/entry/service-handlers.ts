import { type ServiceName, serviceDescriptions, serviceOfRole } from '../deploy/index.js';
import { roleOfSubscription } from '../deploy/services.js';
import type { EngineHandler } from '../orchestration/index.js';
import { EntryError } from './errors.js';

/**
 * The handlers the deploy plan pushes to `service` (by `serviceOfRole`), so each Cloud Run
 * service serves its own subscriptions only.
 *
 * @example
 * ```ts
 * const handlers = handlersOfService(engine.handlers(), 'pipeline-orchestrator');
 * ```
 */
export function handlersOfService(
  handlers: ReadonlyArray<EngineHandler>,
  service: string,
): ReadonlyArray<EngineHandler> {
  if (!Object.hasOwn(serviceDescriptions, service)) {
    throw new EntryError(
      `handlersOfService: service must be one of ${Object.keys(serviceDescriptions).join(', ')} (got ${JSON.stringify(service)})`,
    );
  }
  return handlers.filter((handler) => {
    const role = roleOfSubscription(handler.subscription);
    return role !== undefined && serviceOfRole[role] === (service as ServiceName);
  });
}
