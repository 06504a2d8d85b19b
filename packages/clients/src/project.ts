const projectVariables = ['GCP_PROJECT_ID', 'GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT'] as const;

const marker = Symbol.for('@pipewell/clients.ClientConfigError');

/**
 * Thrown before any network call when a client cannot be configured: no project, a topic name
 * that is too short, an illegal table identifier, a message that does not match its schema.
 * `subject` names what is wrong.
 */
export class ClientConfigError extends TypeError {
  override readonly name = 'ClientConfigError';
  readonly subject: string;
  /**
   * Always true: the same input fails the same way on every attempt, so `isPermanentError`
   * from `@pipewell/retry` says so and a subscriber dead-letters the message at once instead
   * of NACKing it for redelivery.
   */
  readonly permanent = true;

  constructor(subject: string, message: string) {
    super(`@pipewell/clients: ${message}`);
    this.subject = subject;
  }

  /** True for any `ClientConfigError`, even from another installed copy of this package. */
  static isInstance(error: unknown): error is ClientConfigError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[marker] === true
    );
  }
}
Object.defineProperty(ClientConfigError.prototype, marker, { value: true });

/** Options for {@link resolveProjectId}. */
export interface ResolveProjectOptions {
  /** Used when none of the environment variables is set. */
  readonly projectId?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The process environment, or `{}` where there is none. Internal: not exported. */
export function defaultEnv(): Readonly<Record<string, string | undefined>> {
  return (
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {}
  );
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
  const env = options.env ?? defaultEnv();
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
