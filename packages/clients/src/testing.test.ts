import { createVirtualClock } from '@pipewell/core/testing';
import { createRetryPolicy } from '@pipewell/retry';
import { afterEach, describe, expect, it } from 'vitest';
import { getBigQuery, query, sql } from './bigquery.js';
import { closeAll } from './pool.js';
import { ClientConfigError } from './project.js';
import { loadAlone } from './test-support/load-alone.js';
import { bigQueryErrorAnswer, type FakeBigQuery, startFakeBigQuery } from './testing.js';

describe('@pipewell/clients/testing', () => {
  it('loads without any Google Cloud SDK or test runner', async () => {
    expect(await loadAlone('testing.ts')).toEqual(['bigQueryErrorAnswer', 'startFakeBigQuery']);
  }, 60_000);

  it('(the same check refuses a module that loads vitest)', async () => {
    const error = await loadAlone('pool.test.ts').catch((e: unknown) => e);
    expect((error as { stderr?: string }).stderr).toContain('loaded a test runner: vitest');
  }, 60_000);
});

describe('startFakeBigQuery', () => {
  afterEach(async () => {
    await closeAll();
  });

  it('answers a pooled client pointed at it through BIGQUERY_EMULATOR_HOST', async () => {
    await using fake = await startFakeBigQuery();
    fake.setResult({ fields: [{ name: 'n', type: 'INT64' }], rows: [[1], [2]] });
    const bigquery = getBigQuery({
      env: { BIGQUERY_EMULATOR_HOST: fake.url, GCP_PROJECT_ID: 'demo-testing' },
    });
    expect(await query(sql`SELECT n FROM t WHERE x = ${1}`, { bigquery })).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /projects/demo-testing/jobs',
      expect.stringMatching(/^GET \/projects\/demo-testing\/queries\/./),
    ]);
  });

  it("runs the README's example: a scripted 503, retried on a virtual clock", async () => {
    await using fake = await startFakeBigQuery();
    const bigquery = getBigQuery({
      env: { BIGQUERY_EMULATOR_HOST: fake.url, GCP_PROJECT_ID: 'demo-test' },
    });
    fake.setResult({ fields: [{ name: 'points', type: 'INT64' }], rows: [[31]] });
    fake.script(
      'jobs',
      bigQueryErrorAnswer({ status: 503, reason: 'backendError', message: 'Backend error' }),
    );
    const clock = createVirtualClock();
    const rows = query<{ points: number }>(sql`SELECT points FROM t WHERE player_id = ${203999}`, {
      bigquery,
      retry: createRetryPolicy({ preset: 'bigquery', clock, env: {} }),
    });
    await clock.runAll(rows);
    expect(await rows).toEqual([{ points: 31 }]);
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
  });

  it('shapes a scripted error as BigQuery does', async () => {
    await using fake = await startFakeBigQuery();
    fake.script(
      'jobs',
      bigQueryErrorAnswer({ status: 503, reason: 'backendError', message: 'Backend error' }),
    );
    const response = await fetch(`${fake.url}/bigquery/v2/projects/p/jobs`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: {
        code: 503,
        message: 'Backend error',
        errors: [{ reason: 'backendError', message: 'Backend error', domain: 'global' }],
        status: 'backendError',
      },
    });
    // Scripted answers are used up in order; then the request succeeds.
    expect((await fetch(`${fake.url}/projects/p/jobs`, { method: 'POST', body: '{}' })).ok).toBe(
      true,
    );
  });

  it('answers a body that is not JSON with a 400 instead of failing the test run', async () => {
    await using fake = await startFakeBigQuery();
    const response = await fetch(`${fake.url}/projects/p/jobs`, {
      method: 'POST',
      body: '{not json',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'fake BigQuery: the request body is not JSON',
    );
    expect(fake.requests).toEqual([
      { method: 'POST', path: '/projects/p/jobs', query: {}, body: undefined },
    ]);
  });

  it('refuses a kind it does not script and a result without rows, naming the option', async () => {
    await using fake = await startFakeBigQuery();
    const kind = (() => {
      try {
        fake.script('tables' as never, 'reset');
      } catch (error) {
        return error;
      }
    })();
    expect(ClientConfigError.isInstance(kind) && kind.option).toBe('kind');
    const rows = (() => {
      try {
        fake.setResult({ fields: [] } as never);
      } catch (error) {
        return error;
      }
    })();
    expect(ClientConfigError.isInstance(rows) && rows.option).toBe('rows');
  });

  it('stops listening when disposed, and close() may be called again', async () => {
    let url: string;
    let kept: FakeBigQuery;
    {
      await using fake = await startFakeBigQuery();
      url = fake.url;
      kept = fake;
      expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    }
    await expect(fetch(`${url}/nowhere`)).rejects.toThrow();
    await expect(kept.close()).resolves.toBeUndefined();
  });
});
