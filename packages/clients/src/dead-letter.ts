// The dead-letter reasons alone, without the Pub/Sub SDK: code that writes or reads dead letters
// the way `@pipewell/clients/pubsub` does (a local queue, a test) never loads an SDK.
export type { DeadLetterKind } from './pubsub-dead-letter.js';
export { deadLetterAttributes } from './pubsub-dead-letter.js';
export { describeIssues } from './pubsub-message-schema.js';
