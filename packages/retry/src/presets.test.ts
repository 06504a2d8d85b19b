import { describe, expect, it } from 'vitest';
import { RetryOptionsError } from './errors.js';
import { createRetryPolicy } from './policy.js';
import { resolveRetryPreset, retryPresets } from './presets.js';
import { retry } from './retry.js';

describe('retry presets', () => {
  it('ship the documented settings', () => {
    expect(retryPresets.bigquery).toMatchObject({
      maxAttempts: 3,
      baseDelayMs: 1_000,
      maxDelayMs: 15_000,
    });
    expect(retryPresets.slackWebhook).toMatchObject({
      maxAttempts: 3,
      baseDelayMs: 2_000,
      maxDelayMs: 8_000,
    });
    expect(retryPresets.scraper).toMatchObject({
      maxAttempts: 5,
      baseDelayMs: 60_000,
      maxDelayMs: 1_800_000,
    });
    expect(Object.keys(retryPresets).sort()).toEqual([
      'bigquery',
      'firestore',
      'pubsubPublish',
      'scraper',
      'slackWebhook',
    ]);
    expect(Object.isFrozen(retryPresets.bigquery)).toBe(true);
  });

  it('take environment overrides and say where each value came from', () => {
    const resolved = resolveRetryPreset('pubsubPublish', {
      PIPEWELL_RETRY_PUBSUB_PUBLISH_MAX_ATTEMPTS: '8',
      PIPEWELL_RETRY_PUBSUB_PUBLISH_JITTER: 'equal',
      PIPEWELL_RETRY_PUBSUB_PUBLISH_ATTEMPT_TIMEOUT_MS: '30000',
      PIPEWELL_RETRY_BIGQUERY_MAX_ATTEMPTS: '99',
    });
    expect(resolved.values).toEqual({
      maxAttempts: 8,
      baseDelayMs: 100,
      maxDelayMs: 5_000,
      jitter: 'equal',
      attemptTimeoutMs: 30_000,
    });
    expect(resolved.sources).toEqual({
      maxAttempts: 'env',
      baseDelayMs: 'preset',
      maxDelayMs: 'preset',
      jitter: 'env',
      attemptTimeoutMs: 'env',
    });
    expect(resolved.envNames.maxDelayMs).toBe('PIPEWELL_RETRY_PUBSUB_PUBLISH_MAX_DELAY_MS');
  });

  it.each([
    ['PIPEWELL_RETRY_BIGQUERY_MAX_ATTEMPTS', '0', 'must be a whole number >= 1 (got "0")'],
    ['PIPEWELL_RETRY_BIGQUERY_MAX_ATTEMPTS', 'three', 'must be a whole number >= 1 (got "three")'],
    [
      'PIPEWELL_RETRY_BIGQUERY_BASE_DELAY_MS',
      '-10',
      'must be a number of milliseconds >= 0 (got "-10")',
    ],
    ['PIPEWELL_RETRY_BIGQUERY_MAX_DELAY_MS', '', 'must be a number of milliseconds >= 0 (got "")'],
    [
      'PIPEWELL_RETRY_BIGQUERY_JITTER',
      'random',
      'must be one of full, equal, decorrelated, none (got "random")',
    ],
  ])('fail loudly on %s=%j', (variable, value, message) => {
    let error: unknown;
    try {
      createRetryPolicy({ preset: 'bigquery', env: { [variable]: value } });
    } catch (e) {
      error = e;
    }
    expect(RetryOptionsError.isInstance(error)).toBe(true);
    expect((error as RetryOptionsError).option).toBe(variable);
    expect((error as Error).message).toContain(`environment variable ${variable} ${message}`);
  });

  it('are overridden by code options, and environment overrides win over both', () => {
    const fromCode = createRetryPolicy({ preset: 'bigquery', maxAttempts: 6, env: {} });
    expect(fromCode.options).toMatchObject({
      maxAttempts: 6,
      baseDelayMs: 1_000,
      maxDelayMs: 15_000,
    });
    const fromEnv = createRetryPolicy({
      preset: 'bigquery',
      maxAttempts: 6,
      env: { PIPEWELL_RETRY_BIGQUERY_MAX_ATTEMPTS: '2' },
    });
    expect(fromEnv.options.maxAttempts).toBe(2);
  });

  it('validate the combination after overrides', () => {
    expect(() =>
      createRetryPolicy({
        preset: 'slackWebhook',
        env: { PIPEWELL_RETRY_SLACK_WEBHOOK_BASE_DELAY_MS: '9000' },
      }),
    ).toThrow('"baseDelayMs" (9000) must not exceed "maxDelayMs" (8000)');
  });

  it('are read once per policy, not per call', async () => {
    let reads = 0;
    const env = new Proxy({} as Record<string, string | undefined>, {
      get(_target, key) {
        if (typeof key === 'string' && key.startsWith('PIPEWELL_RETRY_')) reads++;
        return undefined;
      },
    });
    const policy = createRetryPolicy({ preset: 'firestore', env });
    const readsAtCreation = reads;
    expect(readsAtCreation).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) await policy.execute(async () => i);
    expect(reads).toBe(readsAtCreation);

    const options = { preset: 'firestore' as const, env };
    for (let i = 0; i < 50; i++) await retry(async () => i, options);
    expect(reads).toBe(readsAtCreation * 2);
  });
});
