import type { PubSub, Subscription, Topic } from '@google-cloud/pubsub';
import { ClientConfigError } from './project.js';
import { getPubSub } from './pubsub-client.js';
import { checkName } from './pubsub-names.js';

const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

function hasCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

const creating = new WeakMap<PubSub, Map<string, Promise<unknown>>>();

/** Concurrent callers on one client share one creation per resource, instead of racing. */
function shareCreation<R>(pubsub: PubSub, key: string, create: () => Promise<R>): Promise<R> {
  let pending = creating.get(pubsub);
  if (pending === undefined) {
    pending = new Map();
    creating.set(pubsub, pending);
  }
  const existing = pending.get(key);
  if (existing !== undefined) return existing as Promise<R>;
  const map = pending;
  const creation = create().finally(() => map.delete(key));
  map.set(key, creation);
  return creation;
}

function fullName(pubsub: PubSub, kind: 'topics' | 'subscriptions', name: string): string {
  return name.includes('/') ? name : `projects/${pubsub.projectId}/${kind}/${name}`;
}

/**
 * Create the topic if it does not exist; resolve either way. Safe to call concurrently, from
 * one process or many: a creation that loses the race (ALREADY_EXISTS) counts as success, and
 * concurrent calls on one client share one creation.
 *
 * @example
 * ```ts
 * await ensureTopic('phase-complete');
 * ```
 */
export async function ensureTopic(
  name: string,
  options: { readonly pubsub?: PubSub } = {},
): Promise<Topic> {
  checkName('topic', name);
  const pubsub = options.pubsub ?? getPubSub();
  return shareCreation(pubsub, `topic ${fullName(pubsub, 'topics', name)}`, async () => {
    const topic = pubsub.topic(name);
    try {
      await topic.getMetadata();
      return topic;
    } catch (error) {
      if (!hasCode(error, NOT_FOUND)) throw error;
    }
    try {
      const [created] = await pubsub.createTopic(name);
      return created;
    } catch (error) {
      // Someone else created it between our look and our create.
      if (hasCode(error, ALREADY_EXISTS)) return topic;
      throw error;
    }
  });
}

/** Options for {@link ensureSubscription}. */
export interface EnsureSubscriptionOptions {
  readonly pubsub?: PubSub;
  /** The topic the subscription reads. */
  readonly topic: string;
  /** Where messages go after `maxDeliveryAttempts` NACKs (created if missing). */
  readonly deadLetterTopic?: string;
  /** @default 5 */
  readonly maxDeliveryAttempts?: number;
  /** Redelivery backoff. @default 10 s to 600 s */
  readonly retryPolicy?: {
    readonly minimumBackoffSeconds?: number;
    readonly maximumBackoffSeconds?: number;
  };
  readonly ackDeadlineSeconds?: number;
  readonly enableMessageOrdering?: boolean;
}

/**
 * Create a subscription (with a dead-letter policy, `maxDeliveryAttempts` 5 by default, and a
 * retry policy) if it does not exist; resolve either way. The topic and dead-letter topic are
 * created too. An existing subscription is left as it is. Safe to call concurrently, from one
 * process or many, even while the topic does not exist yet: ALREADY_EXISTS counts as success.
 *
 * @example
 * ```ts
 * await ensureSubscription('phase-complete-orchestrator', {
 *   topic: 'phase-complete',
 *   deadLetterTopic: 'phase-complete-dlq',
 * });
 * ```
 */
export async function ensureSubscription(
  name: string,
  options: EnsureSubscriptionOptions,
): Promise<Subscription> {
  checkName('subscription', name);
  checkName('topic', options?.topic);
  if (options.deadLetterTopic !== undefined) checkName('topic', options.deadLetterTopic);
  const maxDeliveryAttempts = options.maxDeliveryAttempts ?? 5;
  if (
    !Number.isInteger(maxDeliveryAttempts) ||
    maxDeliveryAttempts < 5 ||
    maxDeliveryAttempts > 100
  ) {
    throw new ClientConfigError(
      'maxDeliveryAttempts',
      `option "maxDeliveryAttempts" must be a whole number from 5 to 100 (got ${maxDeliveryAttempts})`,
    );
  }
  const pubsub = options.pubsub ?? getPubSub();
  return shareCreation(
    pubsub,
    `subscription ${fullName(pubsub, 'subscriptions', name)}`,
    async () => {
      const [topic, deadLetter] = await Promise.all([
        ensureTopic(options.topic, { pubsub }),
        options.deadLetterTopic === undefined
          ? undefined
          : ensureTopic(options.deadLetterTopic, { pubsub }),
      ]);
      try {
        const [subscription] = await topic.createSubscription(name, {
          ...(deadLetter === undefined
            ? {}
            : { deadLetterPolicy: { deadLetterTopic: deadLetter.name, maxDeliveryAttempts } }),
          retryPolicy: {
            minimumBackoff: { seconds: options.retryPolicy?.minimumBackoffSeconds ?? 10 },
            maximumBackoff: { seconds: options.retryPolicy?.maximumBackoffSeconds ?? 600 },
          },
          ...(options.ackDeadlineSeconds === undefined
            ? {}
            : { ackDeadlineSeconds: options.ackDeadlineSeconds }),
          ...(options.enableMessageOrdering ? { enableMessageOrdering: true } : {}),
        });
        return subscription;
      } catch (error) {
        // Someone else created it first.
        if (hasCode(error, ALREADY_EXISTS)) return pubsub.subscription(name);
        throw error;
      }
    },
  );
}
