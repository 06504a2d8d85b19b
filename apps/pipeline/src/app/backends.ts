import { type Env, PipewellOptionsError } from '@pipewell/core';

/** Where each port lives: the embedded default, or Google Cloud (or its emulators). */
export interface BackendChoice {
  /** `PIPEWELL_QUEUE`: the durable local queue, or Pub/Sub (`PUBSUB_EMULATOR_HOST` honoured). */
  readonly queue: 'local' | 'pubsub';
  /** `PIPEWELL_STATE`: the local journal, or Firestore (`FIRESTORE_EMULATOR_HOST` honoured). */
  readonly state: 'local' | 'firestore';
  /** `PIPEWELL_WAREHOUSE`: DuckDB in the data directory, or BigQuery. */
  readonly warehouse: 'duckdb' | 'bigquery';
  /** `PIPEWELL_OBJECTS`: a directory, or a Cloud Storage bucket (`STORAGE_EMULATOR_HOST` honoured). */
  readonly objects: 'local' | 'gcs';
  /** `GOOGLE_CLOUD_PROJECT` (or `GCP_PROJECT_ID`): needed by any Google Cloud backend. */
  readonly project: string | undefined;
  /** `PIPEWELL_BUCKET`: the bucket of raw payloads and exports. @default `<project>-pipewell` */
  readonly bucket: string | undefined;
  /** `PIPEWELL_PREFIX`: prefixes Firestore collections, BigQuery datasets and object paths, so environments can share a project. */
  readonly prefix: string;
  /** `BIGQUERY_LOCATION`. @default 'US' */
  readonly location: string;
}

/** A backend setting is wrong: names the variable and what it accepts. */
export class BackendConfigError extends PipewellOptionsError {
  static override readonly marker: string = '@pipewell/pipeline.BackendConfigError';
  override readonly name: string = 'BackendConfigError';
}

function pick<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new BackendConfigError(
    name,
    `${name} must be ${allowed.join(' or ')} (got ${JSON.stringify(value)})`,
  );
}

/**
 * Read {@link BackendChoice} from the environment. Every port defaults to the embedded backend;
 * mixed modes are allowed (Pub/Sub and Firestore emulators with DuckDB is how CI runs the fleet
 * mode). A Google Cloud backend without a project is refused, naming the variable.
 *
 * @example
 * ```ts
 * const choice = backendsFromEnv({ PIPEWELL_QUEUE: 'pubsub', PIPEWELL_STATE: 'firestore', GOOGLE_CLOUD_PROJECT: 'demo' });
 * ```
 */
export function backendsFromEnv(env: Env): BackendChoice {
  const choice = {
    queue: pick(env, 'PIPEWELL_QUEUE', ['local', 'pubsub'] as const, 'local'),
    state: pick(env, 'PIPEWELL_STATE', ['local', 'firestore'] as const, 'local'),
    warehouse: pick(env, 'PIPEWELL_WAREHOUSE', ['duckdb', 'bigquery'] as const, 'duckdb'),
    objects: pick(env, 'PIPEWELL_OBJECTS', ['local', 'gcs'] as const, 'local'),
  };
  const project =
    (env.GOOGLE_CLOUD_PROJECT?.trim() || env.GCP_PROJECT_ID?.trim() || undefined) ?? undefined;
  const cloud =
    choice.queue !== 'local' ||
    choice.state !== 'local' ||
    choice.warehouse !== 'duckdb' ||
    choice.objects !== 'local';
  if (cloud && project === undefined) {
    throw new BackendConfigError(
      'GOOGLE_CLOUD_PROJECT',
      'a Google Cloud backend is configured (PIPEWELL_QUEUE, PIPEWELL_STATE, PIPEWELL_WAREHOUSE or PIPEWELL_OBJECTS) but GOOGLE_CLOUD_PROJECT is not set',
    );
  }
  const prefix = env.PIPEWELL_PREFIX?.trim() ?? '';
  if (!/^[a-z0-9_]*$/.test(prefix)) {
    throw new BackendConfigError(
      'PIPEWELL_PREFIX',
      `PIPEWELL_PREFIX must be lower-case letters, digits and _ (got ${JSON.stringify(prefix)})`,
    );
  }
  return {
    ...choice,
    project,
    bucket:
      env.PIPEWELL_BUCKET?.trim() || (project === undefined ? undefined : `${project}-pipewell`),
    prefix,
    location: env.BIGQUERY_LOCATION?.trim() || 'US',
  };
}
