import { deadLetterAttributes, describeIssues } from '@pipewell/clients/dead-letter';
import { type Logger, silentLogger } from '@pipewell/core';
import { isPermanentError } from '@pipewell/retry';
import type { EngineHandler } from '../orchestration/index.js';
import type { Queue } from '../queue/index.js';
import type { PushEnvelope } from './envelope.js';

/** What the entry points need besides the handlers. */
export interface EntryOptions {
  /**
   * Where dead letters are published: the app's queue (on Google Cloud, the Pub/Sub queue).
   * Its `publish` must resolve only once the message is durable.
   */
  readonly deadLetters: Pick<Queue, 'publish'>;
  /** @default silentLogger */
  readonly logger?: Logger;
  /**
   * How long a handler may run before its signal aborts.
   * @default the handler's subscription's `ackDeadlineMs`, else 600_000
   */
  readonly handlerTimeoutMs?: number;
}

/**
 * How one delivery ended: `acked` (handled), `dead-lettered` (published to the dead-letter
 * topic with why, so it is acked too), or `retry` (a transient error, or the dead letter could
 * not be published: Pub/Sub must deliver it again).
 */
export type DeliveryOutcome =
  | { readonly outcome: 'acked' }
  | { readonly outcome: 'dead-lettered'; readonly topic: string; readonly messageId: string }
  | { readonly outcome: 'retry'; readonly error: unknown };

/** The message text as JSON, or why it is not. */
function decode(
  data: string | undefined,
): { ok: true; value: unknown } | { ok: false; text: string; why: string } {
  const text = data === undefined ? '' : Buffer.from(data, 'base64').toString('utf8');
  if (text === '') return { ok: false, text, why: 'the message has no data' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, text, why: `the message data is not JSON: ${(error as Error).message}` };
  }
}

/**
 * Deliver one pushed message to `handler` as the pull subscriber would: validate it with the
 * handler's schema (a failure dead-letters it), run it, and dead-letter it on a permanent error
 * with the reason attributes of `@pipewell/clients/dead-letter`. Never throws.
 */
export async function deliver(
  handler: EngineHandler,
  envelope: PushEnvelope,
  options: EntryOptions,
  signal: AbortSignal,
): Promise<DeliveryOutcome> {
  const logger = options.logger ?? silentLogger;
  const { message } = envelope;
  const deliveryAttempt = envelope.deliveryAttempt ?? 1;
  const attributes = message.attributes ?? {};

  const deadLetter = async (
    why: Record<string, string>,
    data: unknown,
  ): Promise<DeliveryOutcome> => {
    const topic = handler.options.deadLetterTopic;
    try {
      const messageId = await options.deadLetters.publish(topic, data, {
        attributes: {
          ...attributes,
          ...why,
          pipewell_subscription: handler.subscription,
          pipewell_message_id: message.messageId,
          pipewell_delivery_attempt: String(deliveryAttempt),
        },
      });
      logger.warn(
        {
          subscription: handler.subscription,
          messageId: message.messageId,
          deadLetterTopic: topic,
          reason: why.pipewell_reason,
        },
        'push: a message that cannot succeed was dead-lettered',
      );
      return { outcome: 'dead-lettered', topic, messageId };
    } catch (error) {
      logger.error(
        { err: error, subscription: handler.subscription, messageId: message.messageId },
        'push: could not dead-letter, asking for a redelivery',
      );
      return { outcome: 'retry', error };
    }
  };

  const decoded = decode(message.data);
  if (!decoded.ok) {
    // Not JSON: its text goes to the dead-letter topic as a JSON string.
    return deadLetter(deadLetterAttributes('validation', decoded.why), decoded.text);
  }
  const parsed = handler.schema.safeParse(decoded.value);
  if (!parsed.success) {
    return deadLetter(
      deadLetterAttributes('validation', describeIssues(parsed.error)),
      decoded.value,
    );
  }
  try {
    await handler.handle(parsed.data, {
      messageId: message.messageId,
      subscription: handler.subscription,
      attributes,
      deliveryAttempt,
      publishTime: message.publishTime === undefined ? new Date() : new Date(message.publishTime),
      orderingKey: message.orderingKey || undefined,
      signal,
    });
    return { outcome: 'acked' };
  } catch (error) {
    if (isPermanentError(error)) {
      return deadLetter(deadLetterAttributes('permanent', error), decoded.value);
    }
    logger.warn(
      {
        err: error,
        subscription: handler.subscription,
        messageId: message.messageId,
        deliveryAttempt,
      },
      'push: the handler failed, asking for a redelivery',
    );
    return { outcome: 'retry', error };
  }
}

/** Run `fn` with a signal that aborts after `timeoutMs` or when `outer` aborts. */
export async function withDeadline<T>(
  timeoutMs: number,
  outer: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new Error(`the handler ran past its deadline of ${timeoutMs} ms`));
  }, timeoutMs);
  timer.unref();
  const onAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

/** The deadline of `handler`'s runs under `options`. */
export function timeoutOf(handler: EngineHandler, options: EntryOptions): number {
  return options.handlerTimeoutMs ?? handler.options.ackDeadlineMs ?? 600_000;
}
