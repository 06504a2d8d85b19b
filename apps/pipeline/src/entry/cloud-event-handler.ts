import type { CloudEvent } from '@google-cloud/functions-framework';
import { describeIssues } from '@pipewell/clients/dead-letter';
import type { EngineHandler } from '../orchestration/index.js';
import { deliver, type EntryOptions, timeoutOf, withDeadline } from './deliver.js';
import { pushEnvelopeSchema } from './envelope.js';
import { EntryError } from './errors.js';

/** The CloudEvent type Pub/Sub triggers deliver (Cloud Functions gen2, Eventarc). */
export const pubSubMessagePublished = 'google.cloud.pubsub.topic.v1.messagePublished';

/** Eventarc names its own subscription: the envelope's is not the engine's. */
const cloudEventDataSchema = pushEnvelopeSchema.extend({
  subscription: pushEnvelopeSchema.shape.subscription.optional(),
});

/** A handler for `functions.cloudEvent`. */
export type PubSubCloudEventHandler = (event: CloudEvent<unknown>) => Promise<void>;

/**
 * A Cloud Functions gen2 handler of `handler`'s topic (a `messagePublished` CloudEvent, whose
 * `data` holds the message as a push envelope does). Resolves to ack: handled, or dead-lettered
 * to the subscription's dead-letter topic with the reason attributes (a permanent error, a schema
 * failure). Throws on a transient error (the function answers 500 and the trigger retries), on
 * a dead letter that could not be published, and on an event that is not a Pub/Sub message.
 *
 * @example
 * ```ts
 * functions.cloudEvent('pipeline-raw', cloudEventHandler(rawHandler, { deadLetters: queue }));
 * ```
 */
export function cloudEventHandler(
  handler: EngineHandler,
  options: EntryOptions,
): PubSubCloudEventHandler {
  return async (event) => {
    if (event.type !== pubSubMessagePublished) {
      throw new EntryError(
        `cloudEventHandler(${handler.subscription}): event type must be ${pubSubMessagePublished} (got ${JSON.stringify(event.type)})`,
      );
    }
    const parsed = cloudEventDataSchema.safeParse(event.data);
    if (!parsed.success) {
      throw new EntryError(
        `cloudEventHandler(${handler.subscription}): the event data is not a Pub/Sub message: ${describeIssues(parsed.error)}`,
      );
    }
    const envelope = { ...parsed.data, subscription: handler.subscription };
    const result = await withDeadline(timeoutOf(handler, options), undefined, (signal) =>
      deliver(handler, envelope, options, signal),
    );
    if (result.outcome === 'retry') throw result.error;
  };
}
