import { type ClientConfig, PubSub } from '@google-cloud/pubsub';
import { readEnv } from '@pipewell/core';
import { pooled } from './pool.js';
import { resolveProjectId, withoutProcessVariable } from './project.js';

// An intersection, not an interface extending ClientConfig: the API docs would copy the SDK's
// option comments, whose links into google-auth-library do not resolve.
/** Options for {@link getPubSub}: the SDK's `ClientConfig`, plus where to read the environment. */
export type GetPubSubOptions = ClientConfig & {
  /**
   * Where `PUBSUB_EMULATOR_HOST` and the project variables are read (see `resolveProjectId`).
   * An explicit `apiEndpoint` wins over `PUBSUB_EMULATOR_HOST`.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
};

const emulatorVariable = 'PUBSUB_EMULATOR_HOST';

/**
 * The process's Pub/Sub client for a project and options, created on first use. When
 * `PUBSUB_EMULATOR_HOST` is set in `env` (and no `apiEndpoint` is given) the client talks to that
 * emulator over plain gRPC, with no credentials; when it is not, to Pub/Sub itself, whatever
 * `process.env` holds.
 *
 * @example
 * ```ts
 * const pubsub = getPubSub(); // project from GCP_PROJECT_ID, emulator from PUBSUB_EMULATOR_HOST
 * const local = getPubSub({ env: { PUBSUB_EMULATOR_HOST: '127.0.0.1:8085', GCP_PROJECT_ID: 'demo-test' } });
 * ```
 */
export function getPubSub(options: GetPubSubOptions = {}): PubSub {
  const { env = readEnv(), ...config } = options;
  const projectId = resolveProjectId(
    config.projectId === undefined ? { env } : { projectId: config.projectId, env },
  );
  const emulator = env[emulatorVariable]?.trim() || undefined;
  const settings: ClientConfig = {
    ...config,
    projectId,
    // Passed explicitly, so the SDK never has to look at process.env for it.
    ...(emulator === undefined || config.apiEndpoint !== undefined
      ? {}
      : { apiEndpoint: emulator, emulatorMode: true }),
  };
  return pooled(
    'pubsub',
    settings,
    // The SDK's constructor falls back to process.env.PUBSUB_EMULATOR_HOST when given no
    // apiEndpoint; hidden for that one synchronous call, the injected env is what decides.
    () => withoutProcessVariable(emulatorVariable, () => new PubSub(settings)),
    (client) => client.close(),
  );
}
