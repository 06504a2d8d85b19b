/**
 * Environment variables as a read-only record: `process.env`, or one a caller (a test, a config
 * loader) passes instead, so code that reads the environment never has to touch the process's.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The process's own `process.env`, live and writable, or `undefined` where there is no `process`
 * (an edge runtime, a browser). Most code wants {@link readEnv}; this is for the rare caller that
 * must change the real environment for a moment (to keep an SDK from reading a variable).
 *
 * @example
 * ```ts
 * const live = processEnv();
 * if (live !== undefined) delete live.PUBSUB_EMULATOR_HOST;
 * ```
 */
export function processEnv(): Record<string, string | undefined> | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
}

/**
 * The environment to read: `env` when given (a test's injected one), else `process.env` where
 * there is a process, else `{}`. Every pipewell option named `env` defaults through this.
 *
 * @example
 * ```ts
 * const env = readEnv(options.env);
 * const threshold = env.CIRCUIT_BREAKER_THRESHOLD;
 * ```
 */
export function readEnv(env?: Env): Env {
  return env ?? processEnv() ?? {};
}
