export type { EnsureSubscriptionOptions } from './pubsub-admin.js';
export { ensureSubscription, ensureTopic } from './pubsub-admin.js';
export type { GetPubSubOptions } from './pubsub-client.js';
export { getPubSub } from './pubsub-client.js';
export type { MessageSchema } from './pubsub-message-schema.js';
export type { PublishMessageOptions, PublishOptions } from './pubsub-publish.js';
export { publish } from './pubsub-publish.js';
export type {
  MessageContext,
  MessageHandler,
  SettledMessage,
  SubscribeOptions,
  Subscriber,
  SubscriberStats,
} from './pubsub-subscribe.js';
export { subscribe } from './pubsub-subscribe.js';
export type { TypedTopic } from './pubsub-typed-topic.js';
export { createTypedTopic } from './pubsub-typed-topic.js';
