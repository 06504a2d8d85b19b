import { describeIssues } from './dead-letter.js';
import { QueueInputError } from './errors.js';
import type {
  MessageHandler,
  MessageSchema,
  PublishOptions,
  Queue,
  QueueSubscriber,
  SubscribeOptions,
} from './port.js';

/** A topic whose messages match one schema, for publisher and subscriber alike. */
export interface TypedTopic<T> {
  readonly name: string;
  readonly schema: MessageSchema<T>;
  /** Validate, then publish; a message failing the schema throws {@link QueueInputError} and is not published. */
  publish(data: T, options?: PublishOptions): Promise<string>;
  /** Subscribe with the topic's schema: a message failing it is dead-lettered, never handled. */
  subscribe(
    subscription: string,
    handler: MessageHandler<T>,
    options?: Omit<SubscribeOptions<T>, 'schema'>,
  ): Promise<QueueSubscriber>;
}

/**
 * A topic typed by a zod schema on any {@link Queue}: `publish` refuses a message that does not
 * match (before anything is stored), and `subscribe` hands the handler the parsed message, typed.
 *
 * @example
 * ```ts
 * const phaseComplete = createTypedTopic(queue, 'phase-complete', z.object({ phase: z.number(), dataDate: z.string() }));
 * await phaseComplete.publish({ phase: 2, dataDate: '2026-01-24' });
 * await phaseComplete.subscribe('orchestrator', async (event) => startNextPhase(event.phase + 1));
 * ```
 */
export function createTypedTopic<T>(
  queue: Queue,
  name: string,
  schema: MessageSchema<T>,
): TypedTopic<T> {
  return {
    name,
    schema,
    async publish(data, options) {
      const parsed = schema.safeParse(data);
      if (!parsed.success) {
        throw new QueueInputError(
          'message',
          `a message for topic ${name} does not match its schema: ${describeIssues(parsed.error.issues)}`,
        );
      }
      return queue.publish(name, data, options);
    },
    subscribe: (subscription, handler, options = {}) =>
      queue.subscribe(subscription, handler, { ...options, schema }),
  };
}
