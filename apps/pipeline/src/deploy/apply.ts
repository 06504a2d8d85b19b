import type { PubSub } from '@google-cloud/pubsub';
import { ensureTopic } from '@pipewell/clients/pubsub';
import { DeployError } from './errors.js';
import { toDuration } from './pubsub-shapes.js';
import type { DeployPlan } from './types.js';

const ALREADY_EXISTS = 6;

/** What {@link applyPlanToPubSub} created. */
export interface AppliedPubSub {
  readonly topics: readonly string[];
  readonly subscriptions: readonly string[];
}

/**
 * Create the plan's topics and subscriptions on `pubsub` (a project, or the Pub/Sub emulator)
 * when missing: push endpoints, ack deadlines, retry policies and dead-letter policies as
 * planned. Existing resources are left as they are, so `deployCheck` can report their drift.
 * For the emulator and the tests; a project is set up with the `gcloud` script, which also grants
 * the dead-letter IAM bindings.
 *
 * @example
 * ```ts
 * await applyPlanToPubSub(plan, new PubSub({ projectId, apiEndpoint: emulator.host, emulatorMode: true }));
 * ```
 */
export async function applyPlanToPubSub(plan: DeployPlan, pubsub: PubSub): Promise<AppliedPubSub> {
  const createdTopics: string[] = [];
  for (const topic of plan.topics) {
    const [exists] = await pubsub.topic(topic.name).exists();
    if (!exists) createdTopics.push(topic.name);
    await ensureTopic(topic.name, { pubsub });
  }
  const createdSubscriptions: string[] = [];
  for (const sub of plan.subscriptions) {
    const [exists] = await pubsub.subscription(sub.name).exists();
    if (exists) continue;
    try {
      await pubsub.topic(sub.topic).createSubscription(sub.name, {
        ackDeadlineSeconds: sub.ackDeadlineSeconds,
        ...(sub.retryPolicy === undefined
          ? {}
          : {
              retryPolicy: {
                minimumBackoff: toDuration(sub.retryPolicy.minimumBackoffSeconds),
                maximumBackoff: toDuration(sub.retryPolicy.maximumBackoffSeconds),
              },
            }),
        ...(sub.deadLetterTopic === undefined
          ? {}
          : {
              deadLetterPolicy: {
                deadLetterTopic: pubsub.topic(sub.deadLetterTopic).name,
                maxDeliveryAttempts: sub.maxDeliveryAttempts ?? 5,
              },
            }),
        ...(sub.push === undefined ? {} : { pushConfig: { pushEndpoint: sub.push.endpoint } }),
      });
      createdSubscriptions.push(sub.name);
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === ALREADY_EXISTS) continue;
      throw new DeployError(
        `applyPlanToPubSub: creating subscription ${sub.name} on topic ${sub.topic} failed`,
        {
          cause: error,
        },
      );
    }
  }
  return { topics: createdTopics, subscriptions: createdSubscriptions };
}
