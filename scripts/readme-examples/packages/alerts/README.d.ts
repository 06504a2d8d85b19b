// The reader's own values that the examples in packages/alerts/README.md use without defining.
// See scripts/check-readme-examples.mjs: pipewell's APIs are never declared here.

/** The service's logger: pino, or anything with pino's method shape. */
declare const logger: {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
};
/** The id of the run the alert is about. */
declare const runId: string;
