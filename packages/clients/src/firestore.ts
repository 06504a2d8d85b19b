import { Firestore, type Settings, type Transaction } from '@google-cloud/firestore';
import { readEnv } from '@pipewell/core';
import { createRetryPolicy, isTransientError, type RetryPolicy } from '@pipewell/retry';
import { pooled } from './pool.js';
import { resolveProjectId, withoutProcessVariable } from './project.js';

/** Options for {@link getFirestore}: the SDK's settings; `projectId` is resolved if absent. */
export interface GetFirestoreOptions extends Settings {
  /**
   * The environment `FIRESTORE_EMULATOR_HOST` and the project variables are read from, so a test
   * can point one client at an emulator without touching the process's environment.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const emulatorVariable = 'FIRESTORE_EMULATOR_HOST';

/**
 * The process's Firestore client for a project and settings, created on first use.
 * `FIRESTORE_EMULATOR_HOST` (read from `env`, default `process.env`) is honoured: the client
 * talks to that host without TLS, as the emulator's owner.
 *
 * @example
 * ```ts
 * const firestore = getFirestore(); // the same instance on every call
 * const local = getFirestore({ env: { FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080', GCP_PROJECT_ID: 'demo' } });
 * ```
 */
export function getFirestore(options: GetFirestoreOptions = {}): Firestore {
  const { env = readEnv(), ...settings } = options;
  const projectId = resolveProjectId({
    env,
    ...(settings.projectId === undefined ? {} : { projectId: settings.projectId }),
  });
  const emulator = env[emulatorVariable]?.trim() || undefined;
  // What the SDK itself does with the variable: that host, no TLS (and then it sends the
  // emulator's owner token).
  const sdkSettings: Settings = {
    ...settings,
    projectId,
    ...(emulator === undefined ? {} : { host: emulator, ssl: false }),
  };
  return pooled(
    'firestore',
    { ...sdkSettings, emulator },
    // The SDK's constructor reads process.env.FIRESTORE_EMULATOR_HOST and lets it override
    // `host`; hidden for that one synchronous call, the injected env is what decides.
    () => withoutProcessVariable(emulatorVariable, () => new Firestore(sdkSettings)),
    (client) => client.terminate(),
  );
}

/** Options for {@link runTransaction}. */
export interface TransactionOptions {
  /** @default getFirestore() */
  readonly firestore?: Firestore;
  /**
   * The SDK's own attempts per run (it retries contention inside).
   * @default 5
   */
  readonly maxAttempts?: number;
  /** Retries of the whole transaction when the SDK gives up on contention (ABORTED) or the service is unavailable. @default the `firestore` preset */
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
}

let policy: RetryPolicy | undefined;

/**
 * Run a Firestore transaction, retrying it with the `firestore` preset when it fails on
 * contention (ABORTED) or a transient error after the SDK's own attempts. `fn` may run several
 * times, so it must only read and write through the transaction.
 *
 * @example
 * ```ts
 * await runTransaction(async (tx) => {
 *   const doc = await tx.get(ref);
 *   tx.set(ref, { count: (doc.get('count') ?? 0) + 1 });
 * });
 * ```
 */
export async function runTransaction<T>(
  fn: (transaction: Transaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const firestore = options.firestore ?? getFirestore();
  policy ??= createRetryPolicy({ preset: 'firestore', retryOn: isTransientError });
  return (options.retry ?? policy).execute(
    () => firestore.runTransaction(fn, { maxAttempts: options.maxAttempts ?? 5 }),
    options.signal,
  );
}
