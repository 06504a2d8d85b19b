import { z } from 'zod';

/** The message inside a push envelope or a Pub/Sub CloudEvent's `data`. */
export const pushMessageSchema = z.object({
  /** Base64; absent for a message with attributes only. */
  data: z.string().optional(),
  attributes: z.record(z.string(), z.string()).nullish(),
  messageId: z.string().min(1),
  publishTime: z.string().optional(),
  orderingKey: z.string().optional(),
});

/** The body Pub/Sub POSTs to a push endpoint (and a Pub/Sub CloudEvent's `data`). */
export const pushEnvelopeSchema = z.object({
  message: pushMessageSchema,
  /** `projects/<project>/subscriptions/<name>`. */
  subscription: z.string().min(1),
  /** Present when the subscription has a dead-letter policy. */
  deliveryAttempt: z.number().int().positive().nullish(),
});

/** A parsed push envelope. */
export type PushEnvelope = z.infer<typeof pushEnvelopeSchema>;

/** The short name of `projects/p/subscriptions/name` (a short name is returned as it is). */
export function shortSubscriptionName(subscription: string): string {
  const slash = subscription.lastIndexOf('/');
  return slash === -1 ? subscription : subscription.slice(slash + 1);
}
