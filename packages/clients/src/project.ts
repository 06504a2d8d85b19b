import { PipewellOptionsError, processEnv, readEnv } from '@pipewell/core';

const projectVariables = ['GCP_PROJECT_ID', 'GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT'] as const;

/**
 * Thrown before any network call when a client cannot be configured: no project, a topic name
 * that is too short, an illegal table identifier, a message that does not match its schema.
 * `option` names what is wrong. A {@link PipewellOptionsError}, like every pipewell options error.
 */
export class ClientConfigError extends PipewellOptionsError {
  static override readonly marker = '@pipewell/clients.ClientConfigError';
  override readonly name = 'ClientConfigError';
  /**
   * Always true: the same input fails the same way on every attempt, so `isPermanentError`
   * from `@pipewell/retry` says so and a subscriber dead-letters the message at once instead
   * of NACKing it for redelivery.
   */
  readonly permanent = true;

  /** Create an error naming `option`; the message gets the package prefix. */
  constructor(option: string, message: string) {
    super(option, `@pipewell/clients: ${message}`);
  }

  /**
   * What is wrong: the same as `option`.
   * @deprecated Read `option`, the name every pipewell options error uses; `subject` is removed
   *   in the next minor release.
   */
  get subject(): string {
    return this.option;
  }
}

/** Options for {@link resolveProjectId}. */
export interface ResolveProjectOptions {
  /** Used when none of the environment variables is set. */
  readonly projectId?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Run `create` with `variable` hidden from the real `process.env`: an SDK constructor that reads
 * it (an emulator host) then sees only what the injected env decided. Internal: not exported.
 */
export function withoutProcessVariable<T>(variable: string, create: () => T): T {
  const env = processEnv();
  const saved = env?.[variable];
  if (env === undefined || saved === undefined) return create();
  delete env[variable];
  try {
    return create();
  } finally {
    env[variable] = saved;
  }
}

/**
 * The Google Cloud project to use: `GCP_PROJECT_ID`, then `GCP_PROJECT`, then
 * `GOOGLE_CLOUD_PROJECT`, then `options.projectId`. There is no default project: when none is
 * set, it throws {@link ClientConfigError} naming the variables.
 *
 * @example
 * ```ts
 * const projectId = resolveProjectId(); // 'nba-props-prod' from GCP_PROJECT_ID
 * ```
 */
export function resolveProjectId(options: ResolveProjectOptions = {}): string {
  const env = readEnv(options.env);
  for (const variable of projectVariables) {
    const value = env[variable]?.trim();
    if (value) return value;
  }
  const explicit = options.projectId?.trim();
  if (explicit) return explicit;
  throw new ClientConfigError(
    'projectId',
    `no Google Cloud project: set ${projectVariables.join(', ')} or pass { projectId }`,
  );
}
