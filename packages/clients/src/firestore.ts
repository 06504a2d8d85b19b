import { Firestore, type Settings, type Transaction } from '@google-cloud/firestore';
import { createRetryPolicy, isTransientError, type RetryPolicy } from '@pipewell/retry';
import { pooled } from './pool.js';
import { resolveProjectId } from './project.js';

/**
 * The process's Firestore client for a project and settings, created on first use.
 * `FIRESTORE_EMULATOR_HOST` is honoured by the SDK.
 */
export function getFirestore(settings: Settings = {}): Firestore {
  const projectId = resolveProjectId(
    settings.projectId === undefined ? {} : { projectId: settings.projectId },
  );
  const options = { ...settings, projectId };
  return pooled(
    'firestore',
    { ...options, emulator: process.env.FIRESTORE_EMULATOR_HOST },
    () => new Firestore(options),
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
