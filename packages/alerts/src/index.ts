export type { Alert, AlertInput, AlertLink, Severity } from './alert.js';
export { AlertInputError } from './alert.js';
export type {
  Alerter,
  AlerterOptions,
  AlerterStats,
  AlertOptions,
  AlertReceipt,
  AlertStatus,
  CloseOptions,
  DeliveryStatus,
  FlushOptions,
  FlushResult,
  HistoryEntry,
} from './alerter.js';
export { createAlerter } from './alerter.js';
export type { FileOutbox, FileOutboxOptions } from './file-outbox.js';
export { createFileOutbox } from './file-outbox.js';
export type {
  AlertOutbox,
  ClaimRequest,
  MemoryOutbox,
  OutboxClaim,
  OutboxEntry,
  OutboxLimits,
  OutboxLimitsOptions,
  OutboxRetry,
} from './outbox.js';
export { createMemoryOutbox } from './outbox.js';
export { AlertOutboxError } from './outbox-error.js';
export type { Redactor } from './redact.js';
export { createRedactor } from './redact.js';
export type {
  AlertSink,
  LoggerSinkOptions,
  MemorySink,
  MemorySinkOptions,
  SinkContext,
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
