export { LeaseExpiredError, QueueClosedError, QueueInputError } from './errors.js';
export type { LocalQueue, LocalQueueOptions, QueueRecovery } from './local-queue.js';
export { openLocalQueue } from './local-queue.js';
export type {
  IdleOptions,
  MessageContext,
  MessageHandler,
  MessageSchema,
  PublishOptions,
  Queue,
  QueueSubscriber,
  SubscribeOptions,
  SubscriptionOptions,
  SubscriptionStats,
} from './port.js';
export type { TypedTopic } from './typed-topic.js';
export { createTypedTopic } from './typed-topic.js';
