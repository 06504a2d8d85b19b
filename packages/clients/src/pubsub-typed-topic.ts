import { ClientConfigError } from './project.js';
import type { MessageSchema } from './pubsub-message-schema.js';
import { checkName } from './pubsub-names.js';
import { type PublishOptions, publish } from './pubsub-publish.js';
import {
  type MessageHandler,
  type SubscribeOptions,
  type Subscriber,
  subscribe,
} from './pubsub-subscribe.js';

/** A topic and the schema of its messages, shared by publisher and subscriber. */
export interface TypedTopic<T> {
  readonly name: string;
  readonly schema: MessageSchema<T>;
  /** {@link publish} with this topic's schema. */
  publish(data: T, options?: Omit<PublishOptions<T>, 'schema'>): Promise<string>;
  /** {@link subscribe} with this topic's schema. */
  subscribe(
    subscription: string,
    handler: MessageHandler<T>,
    options?: Omit<SubscribeOptions<T>, 'schema'>,
  ): Promise<Subscriber>;
}

/**
 * Bundle a topic name and its zod schema, so publisher and subscriber share one type.
 *
 * @example
 * ```ts
 * const phaseComplete = createTypedTopic('phase-complete', z.object({ phase: z.number(), dataDate: z.string() }));
 * await phaseComplete.publish({ phase: 2, dataDate: '2026-01-24' });
 * ```
 */
export function createTypedTopic<T>(name: string, schema: MessageSchema<T>): TypedTopic<T> {
  checkName('topic', name);
  if (typeof schema?.safeParse !== 'function') {
    throw new ClientConfigError(
      'schema',
      'createTypedTopic needs a zod schema (anything with safeParse)',
    );
  }
  return {
    name,
    schema,
    publish: (data, options = {}) => publish(name, data, { ...options, schema }),
    subscribe: (subscription, handler, options = {}) =>
      subscribe(subscription, handler, { ...options, schema }),
  };
}
