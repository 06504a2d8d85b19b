import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { readEnv } from '@pipewell/core';
import { createRetryPolicy, type RetryPolicy } from '@pipewell/retry';
import { pooled } from './pool.js';
import { resolveProjectId } from './project.js';

/** Options for {@link getBigQuery}: the SDK's options; `projectId` is resolved if absent. */
export interface GetBigQueryOptions extends BigQueryOptions {
  /**
   * The environment `BIGQUERY_EMULATOR_HOST` and the project variables are read from, so a test
   * can point one client at an emulator without touching the process's environment.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

// With BIGQUERY_EMULATOR_HOST there is nobody to authenticate to.
const anonymous = { getRequestHeaders: async (): Promise<Headers> => new Headers() };

/**
 * The process's BigQuery client for a project and options, created on first use. The project
 * comes from {@link resolveProjectId} when not given. The SDK's own retries are off
 * (`autoRetry: false`) so the `bigquery` retry preset of {@link query} is the one policy in force.
 * `BIGQUERY_EMULATOR_HOST` (read from `env`, default `process.env`) is honoured, without
 * credentials.
 *
 * @example
 * ```ts
 * const bigquery = getBigQuery(); // the same instance on every call
 * const local = getBigQuery({ env: { BIGQUERY_EMULATOR_HOST: 'http://127.0.0.1:9050', GCP_PROJECT_ID: 'demo' } });
 * ```
 */
export function getBigQuery(options: GetBigQueryOptions = {}): BigQuery {
  const { env = readEnv(), ...sdkOptions } = options;
  const projectId = resolveProjectId({
    env,
    ...(sdkOptions.projectId === undefined ? {} : { projectId: sdkOptions.projectId }),
  });
  const emulator = env.BIGQUERY_EMULATOR_HOST?.trim() || undefined;
  const settings: BigQueryOptions = {
    autoRetry: false,
    ...(emulator ? { authClient: anonymous as never } : {}),
    ...sdkOptions,
    // Named every time: left out, the SDK would pick the endpoint from process.env itself.
    apiEndpoint:
      sdkOptions.apiEndpoint ??
      emulator ??
      `https://bigquery.${sdkOptions.universeDomain ?? 'googleapis.com'}`,
    projectId,
  };
  return pooled(
    'bigquery',
    { ...settings, emulator },
    () => {
      const client = new BigQuery(settings);
      // The SDK's constructor also reads process.env.BIGQUERY_EMULATOR_HOST for its base URL;
      // the injected env decides instead (an emulator's variable is the base URL, as in the SDK).
      client.baseUrl = emulator ?? `${client.apiEndpoint}/bigquery/v2`;
      return client;
    },
    async () => {},
  );
}

let defaultPolicy: RetryPolicy | undefined;

/** The `bigquery` preset, built once. Internal: the default of query and insertRows; not exported. */
export function bigqueryPolicy(): RetryPolicy {
  defaultPolicy ??= createRetryPolicy({ preset: 'bigquery' });
  return defaultPolicy;
}
