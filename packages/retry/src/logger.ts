/**
 * The logger every pipewell package accepts: the shape of pino's methods (an object of fields,
 * then a message), so a pino logger, or a thin wrapper over any other, can be passed as is.
 * Packages never log through `console`.
 */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
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
