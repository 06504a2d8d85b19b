/**
 * The logger every pipewell package accepts: the shape of pino's methods (an object of fields,
 * then a message), so a pino logger, or a thin wrapper over any other, can be passed as is.
 * Packages never log through `console`.
 */
export interface Logger {
  /** Detail for debugging. */
  debug(fields: object, message?: string): void;
  /** Something worth knowing happened. */
  info(fields: object, message?: string): void;
  /** Something went wrong and was handled (a retried write, a skipped run). */
  warn(fields: object, message?: string): void;
  /** Something went wrong and was not handled, or was lost. */
  error(fields: object, message?: string): void;
}

const ignore = (): void => {};

/** A {@link Logger} that drops everything: the default wherever a logger is optional. */
export const silentLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
});
