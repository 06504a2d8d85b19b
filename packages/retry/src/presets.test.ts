import { createVirtualClock } from '@pipewell/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RetryError, RetryOptionsError } from './errors.js';
import { parseRetryOptions } from './options.js';
import { createRetryPolicy } from './policy.js';
import { type RetryPresetName, resolveRetryPreset, retryPresets } from './presets.js';
import { retry } from './retry.js';

/** A transient error asking for a wait, as a 503 with Retry-After or an open breaker gives. */
const busyFor = (retryAfterMs: number): Error =>
  Object.assign(new Error(`busy for ${retryAfterMs} ms`), { status: 503, retryAfterMs });

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
      maxElapsedMs: 120_000,
      attemptTimeoutMs: 30_000,
    });
    expect(resolved.sources).toEqual({
      maxAttempts: 'env',
      baseDelayMs: 'preset',
      maxDelayMs: 'preset',
      jitter: 'env',
      maxElapsedMs: 'preset',
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
      'PIPEWELL_RETRY_BIGQUERY_MAX_DELAY_MS',
      '  ',
      'must be a number of milliseconds >= 0 (got "  ")',
    ],
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

  it('accept 1 attempt, a 0 ms delay and a maxElapsedMs override from the environment', () => {
    const { values, sources } = resolveRetryPreset('bigquery', {
      PIPEWELL_RETRY_BIGQUERY_MAX_ATTEMPTS: ' 1 ',
      PIPEWELL_RETRY_BIGQUERY_BASE_DELAY_MS: '0',
      PIPEWELL_RETRY_BIGQUERY_MAX_ELAPSED_MS: '5000',
    });
    expect(values).toMatchObject({ maxAttempts: 1, baseDelayMs: 0, maxElapsedMs: 5_000 });
    expect(sources).toMatchObject({ maxAttempts: 'env', baseDelayMs: 'env', maxElapsedMs: 'env' });
  });

  it('are overridden by code options, and environment overrides win over both', () => {
    const fromCode = parseRetryOptions({ preset: 'bigquery', maxAttempts: 6, env: {} });
    expect(fromCode).toMatchObject({
      maxAttempts: 6,
      baseDelayMs: 1_000,
      maxDelayMs: 15_000,
    });
    const fromEnv = parseRetryOptions({
      preset: 'bigquery',
      maxAttempts: 6,
      env: { PIPEWELL_RETRY_BIGQUERY_MAX_ATTEMPTS: '2' },
    });
    expect(fromEnv.maxAttempts).toBe(2);
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

  it('each bound the whole call with maxElapsedMs', () => {
    const names = Object.keys(retryPresets) as RetryPresetName[];
    for (const name of names) {
      const { maxElapsedMs } = retryPresets[name];
      expect(Number.isFinite(maxElapsedMs), name).toBe(true);
      expect(parseRetryOptions({ preset: name, env: {} }).maxElapsedMs).toBe(maxElapsedMs);
    }
    expect(retryPresets.bigquery.maxElapsedMs).toBe(600_000);
    expect(retryPresets.scraper).toMatchObject({
      maxElapsedMs: 3_600_000,
      maxRetryAfterMs: 1_800_000,
    });
  });

  it('give up at once when a honoured hint would pass maxElapsedMs', async () => {
    const clock = createVirtualClock();
    const calls: number[] = [];
    // The scraper preset honours hints up to 30 min and gives up at 1 h.
    const policy = createRetryPolicy({ preset: 'scraper', clock, env: {} });
    const result = policy.execute(async () => {
      calls.push(clock.now());
      throw busyFor(25 * 60_000);
    });
    await clock.runAll(result);
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    expect(error.reason).toBe('maxElapsed');
    // Waits of 25 min end at 25 and 50 min; a third would end at 75 min > 60 min.
    expect(calls).toEqual([0, 25 * 60_000, 50 * 60_000]);
    expect(clock.now()).toBe(50 * 60_000);
    expect(error.nextDelayMs).toBe(25 * 60_000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('take the hint limit from PIPEWELL_RETRY_<PRESET>_MAX_RETRY_AFTER_MS', async () => {
    const resolved = resolveRetryPreset('slackWebhook', {
      PIPEWELL_RETRY_SLACK_WEBHOOK_MAX_RETRY_AFTER_MS: '90000',
    });
    expect(resolved.values.maxRetryAfterMs).toBe(90_000);
    expect(resolved.sources.maxRetryAfterMs).toBe('env');
    expect(resolved.envNames.maxRetryAfterMs).toBe(
      'PIPEWELL_RETRY_SLACK_WEBHOOK_MAX_RETRY_AFTER_MS',
    );

    const clock = createVirtualClock();
    const withEnv = createRetryPolicy({
      preset: 'slackWebhook',
      clock,
      env: { PIPEWELL_RETRY_SLACK_WEBHOOK_MAX_RETRY_AFTER_MS: '90000' },
    });
    let calls = 0;
    const ok = withEnv.execute(async () => {
      if (++calls === 1) throw busyFor(75_000);
      return 'sent';
    });
    await clock.runAll(ok);
    await expect(ok).resolves.toBe('sent');
    expect(clock.now()).toBe(75_000);

    // Without the override, the default limit (60 s) refuses the same hint at once.
    const plain = createRetryPolicy({ preset: 'slackWebhook', clock, env: {} });
    const refused = plain.execute(async () => {
      throw busyFor(75_000);
    });
    const error = (await refused.catch((e: unknown) => e)) as RetryError;
    expect(error.reason).toBe('maxRetryAfter');
    expect(clock.now()).toBe(75_000);
  });
});

describe('preset overrides from the process environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('are read from process.env when no env is passed', () => {
    vi.stubEnv('PIPEWELL_RETRY_BIGQUERY_MAX_ATTEMPTS', '6');
    expect(resolveRetryPreset('bigquery').values.maxAttempts).toBe(6);
    expect(parseRetryOptions({ preset: 'bigquery' }).maxAttempts).toBe(6);
  });
});
