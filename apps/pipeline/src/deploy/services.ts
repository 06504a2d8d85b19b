import { engineSubscriptions } from '../orchestration/index.js';

/** The engine's subscription roles: the keys of `engineSubscriptions`. */
export type SubscriptionRole = keyof typeof engineSubscriptions;

/**
 * The Cloud Run services, one per handler group: handlers that scale alike share a service.
 * - `pipeline-phases`: the phase trigger (phase 1's scrapers, the processors of phases 3, 4, 6 and
 *   the phase-5 coordinator): long runs, few at a time.
 * - `pipeline-raw`: the raw processors, one per scraper completion.
 * - `pipeline-orchestrator`: the small state transactions (phase completions, scraper records,
 *   prediction results) that open the gates.
 * - `pipeline-prediction-worker`: one prediction per request; the one that scales out.
 */
export const serviceDescriptions = {
  'pipeline-phases': 'runs the processors a phase trigger names (phases 1, 3, 4, 5-coordinator, 6)',
  'pipeline-raw': 'loads raw payloads into raw tables on each scraper completion (phase 2)',
  'pipeline-orchestrator': 'records completions and results, judges the gates, triggers phases',
  'pipeline-prediction-worker': 'predicts one player per prediction request (phase 5 workers)',
} as const;

/** A service name of {@link serviceDescriptions}. */
export type ServiceName = keyof typeof serviceDescriptions;

/**
 * The service each engine subscription pushes to. Typed by role, so a new role in
 * `engineSubscriptions` does not compile until it is given a service.
 */
export const serviceOfRole: Readonly<Record<SubscriptionRole, ServiceName>> = {
  phaseTrigger: 'pipeline-phases',
  raw: 'pipeline-raw',
  scrapers: 'pipeline-orchestrator',
  orchestrator: 'pipeline-orchestrator',
  predictionRequests: 'pipeline-prediction-worker',
  predictionResults: 'pipeline-orchestrator',
};

/** The route a subscription's push handler is served on: `pubsub/<subscription>`. */
export function pushRouteOf(subscription: string): string {
  return `pubsub/${subscription}`;
}

/** The role of an engine subscription name, if it is one. */
export function roleOfSubscription(name: string): SubscriptionRole | undefined {
  for (const [role, subscription] of Object.entries(engineSubscriptions)) {
    if (subscription === name) return role as SubscriptionRole;
  }
  return undefined;
}
