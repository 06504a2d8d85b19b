export type { Alert, AlertInput, AlertLink, Severity } from './alert.js';
export { AlertInputError } from './alert.js';
export type {
  Alerter,
  AlerterOptions,
  AlerterStats,
  AlertReceipt,
  DeliveryStatus,
  HistoryEntry,
} from './alerter.js';
export { createAlerter } from './alerter.js';
export type { AlertOutbox, OutboxEntry } from './outbox.js';
export { createMemoryOutbox } from './outbox.js';
export type { Redactor } from './redact.js';
export { createRedactor } from './redact.js';
export type {
  AlertSink,
  HttpSinkOptions,
  MemorySink,
  SlackSinkOptions,
  WebhookSinkOptions,
} from './sinks.js';
export {
  createLoggerSink,
  createMemorySink,
  createSlackSink,
  createWebhookSink,
  slackMessage,
  WebhookError,
} from './sinks.js';
