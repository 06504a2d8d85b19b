import { BigQuery } from '@google-cloud/bigquery';
import { createRetryPolicy, createVirtualClock, RetryError } from '@pipewell/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getBigQuery, ident, insertRows, mergeRows, query, sql, typed } from './bigquery.js';
import { closeAll } from './pool.js';
import { ClientConfigError } from './project.js';
import { apiError, type FakeBigQuery, startFakeBigQuery } from './testing/fake-bigquery.js';

// The SDK authenticates every request; the fake needs none.
const noAuth = { getRequestHeaders: async () => new Headers({ authorization: 'Bearer test' }) };

describe('BigQuery over its REST wire, against a local fake', () => {
  let fake: FakeBigQuery;
  let bigquery: BigQuery;
  const clock = createVirtualClock();
  // The bigquery preset's shape on a virtual clock, so waits cost no real time.
  const retry = createRetryPolicy({ preset: 'bigquery', clock, env: {} });
  const run = async <T>(promise: Promise<T>): Promise<T> => {
    await clock.runAll(promise);
    return promise;
  };

  beforeAll(async () => {
    fake = await startFakeBigQuery();
    bigquery = new BigQuery({
      projectId: 'demo-project',
      apiEndpoint: fake.url,
      authClient: noAuth as never,
      autoRetry: false,
    });
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await fake.close();
  });

  it('sends values as typed parameters, so injection payloads stay data', async () => {
    fake.setResult([{ name: 'n', type: 'INT64' }], [[0]]);
    const payloads = ["' OR 1=1 --", '`; DROP TABLE nba_raw.box_scores; --', 'a"b\\\\c'];
    const rows = await run(
      query(
        sql`SELECT COUNT(*) AS n FROM ${ident('nba_raw.box_scores')} WHERE team IN UNNEST(${payloads}) AND game_date = ${typed('2026-01-24', 'DATE')} AND minutes > ${12.5}`,
        { bigquery, retry, labels: { processor: 'test' } },
      ),
    );
    expect(rows).toEqual([{ n: 0 }]);
    const job = fake.requests.find((r) => r.path.endsWith('/jobs'))?.body as {
      configuration: { query: Record<string, unknown>; labels: unknown; jobTimeoutMs: string };
    };
    expect(job.configuration.query.query).toBe(
      'SELECT COUNT(*) AS n FROM `nba_raw.box_scores` WHERE team IN UNNEST(@p0) AND game_date = @p1 AND minutes > @p2',
    );
    expect(job.configuration.query.parameterMode).toBe('named');
    expect(job.configuration.query.queryParameters).toEqual([
      {
        name: 'p0',
        parameterType: { type: 'ARRAY', arrayType: { type: 'STRING' } },
        parameterValue: { arrayValues: payloads.map((value) => ({ value })) },
      },
      { name: 'p1', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-01-24' } },
      { name: 'p2', parameterType: { type: 'FLOAT64' }, parameterValue: { value: 12.5 } },
    ]);
    expect(job.configuration.labels).toEqual({ processor: 'test' });
    expect(Number(job.configuration.jobTimeoutMs)).toBe(60_000);
  });

  it('retries a 503 and then succeeds', async () => {
    fake.setResult([{ name: 'player', type: 'STRING' }], [['Jayson Tatum']]);
    fake.script('jobs', apiError(503, 'backendError', 'Backend error'), 'reset');
    const rows = await run(
      query(sql`SELECT player FROM ${ident('nba_raw.rosters')}`, { bigquery, retry }),
    );
    expect(rows).toEqual([{ player: 'Jayson Tatum' }]);
    expect(fake.requests.filter((r) => r.path.endsWith('/jobs'))).toHaveLength(3);
  });

  it("fails at once, with BigQuery's message, on an invalid query", async () => {
    fake.script(
      'jobs',
      apiError(400, 'invalidQuery', 'Syntax error: Unexpected keyword FORM at [1:10]'),
    );
    const error = await run(query(sql`SELECT * FORM x`, { bigquery, retry })).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('Syntax error: Unexpected keyword FORM at [1:10]');
    expect(RetryError.isInstance(error)).toBe(false);
    expect(fake.requests.filter((r) => r.path.endsWith('/jobs'))).toHaveLength(1);
  });

  it('gives up after the preset attempts on a persistent rateLimitExceeded', async () => {
    fake.script(
      'jobs',
      ...[1, 2, 3].map(() => apiError(403, 'rateLimitExceeded', 'Exceeded rate limits')),
    );
    const error = await run(query(sql`SELECT 1`, { bigquery, retry })).catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    expect((error as RetryError).attempts).toBe(3);
  });

  it('reports rows BigQuery refused, row by row, and keeps the good ones', async () => {
    const rows = [
      { game_id: '0022500647', player_id: 1, points: 31 },
      { game_id: '0022500647', player_id: 2, points: 'many' },
      { game_id: '0022500647', player_id: 3, points: 12 },
    ];
    fake.script('insertAll', {
      status: 200,
      body: {
        kind: 'bigquery#tableDataInsertAllResponse',
        insertErrors: [
          {
            index: 1,
            errors: [
              { reason: 'invalid', location: 'points', message: 'Cannot convert value to integer' },
            ],
          },
        ],
      },
    });
    const result = await run(
      insertRows('nba_raw.box_scores', rows, {
        bigquery,
        retry,
        insertIdOf: (r) => `${r.game_id}:${r.player_id}`,
      }),
    );
    expect(result.inserted).toBe(2);
    expect(result.failed).toEqual([
      {
        index: 1,
        insertId: '0022500647:2',
        row: rows[1],
        errors: [
          { reason: 'invalid', message: 'Cannot convert value to integer', location: 'points' },
        ],
      },
    ]);
    const sent = fake.requests.find((r) => r.path.endsWith('/insertAll'))?.body as {
      rows: Array<{ insertId: string }>;
      skipInvalidRows: boolean;
    };
    expect(sent.rows.map((r) => r.insertId)).toEqual([
      '0022500647:1',
      '0022500647:2',
      '0022500647:3',
    ]);
    expect(sent.skipInvalidRows).toBe(true);
  });

  it('retries an insert on 503 with the same insert ids', async () => {
    fake.script('insertAll', apiError(503, 'backendError', 'Backend error'));
    const rows = [{ a: 1 }, { a: 2 }];
    const result = await run(insertRows('nba_raw.t', rows, { bigquery, retry }));
    expect(result).toEqual({ inserted: 2, failed: [] });
    const sent = fake.requests
      .filter((r) => r.path.endsWith('/insertAll'))
      .map((r) => (r.body as { rows: Array<{ insertId: string }> }).rows.map((x) => x.insertId));
    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual(sent[1]);
  });

  it('upserts by key with one MERGE, rows as an array-of-struct parameter', async () => {
    fake.setResult([], []);
    await run(
      mergeRows(
        'nba_analytics.player_game_summary',
        [
          { game_id: 'g1', player_id: 1, points: 30, note: null },
          { game_id: 'g1', player_id: 2, points: 12.5, note: "O'Neal" },
        ],
        { bigquery, retry, keys: ['game_id', 'player_id'] },
      ),
    );
    const job = fake.requests.find((r) => r.path.endsWith('/jobs'))?.body as {
      configuration: { query: { query: string; queryParameters: Array<Record<string, unknown>> } };
    };
    expect(job.configuration.query.query).toBe(
      'MERGE `nba_analytics.player_game_summary` T USING UNNEST(@rows) S ON T.`game_id` = S.`game_id` AND T.`player_id` = S.`player_id` ' +
        'WHEN MATCHED THEN UPDATE SET `points` = S.`points`, `note` = S.`note` ' +
        'WHEN NOT MATCHED THEN INSERT (`game_id`, `player_id`, `points`, `note`) VALUES (S.`game_id`, S.`player_id`, S.`points`, S.`note`)',
    );
    const [rowsParam] = job.configuration.query.queryParameters as [
      {
        parameterType: {
          arrayType: { structTypes: Array<{ name: string; type: { type: string } }> };
        };
      },
    ];
    expect(rowsParam.parameterType.arrayType.structTypes.map((f) => [f.name, f.type.type])).toEqual(
      [
        ['game_id', 'STRING'],
        ['player_id', 'INT64'],
        ['points', 'FLOAT64'],
        ['note', 'STRING'],
      ],
    );
  });
});

describe('bad input fails before any network call, naming what is wrong', () => {
  it.each([
    [
      'a table with a backtick',
      () => ident('nba_raw.box`scores'),
      'illegal table name "box`scores"',
    ],
    ['a table with a semicolon', () => ident('nba_raw', 'x;DROP'), 'illegal table name "x;DROP"'],
    ['a dataset with a dash', () => ident('nba-raw.box_scores'), 'illegal dataset name "nba-raw"'],
    ['too many parts', () => ident('a.b.c.d'), 'must be [project.]dataset[.table]'],
    [
      'null without a type',
      () => sql`SELECT ${null}`,
      "value 1 is null: give it a type with typed(null, 'STRING')",
    ],
    ['an empty array without a type', () => sql`SELECT ${[]}`, 'value 1 is an empty array'],
    ['NaN', () => sql`SELECT ${Number.NaN}`, 'value 1 is NaN'],
    [
      'mixed arrays',
      () => sql`SELECT ${[1, 'a']}`,
      'value 1 mixes element types (INT64 and STRING)',
    ],
    ['a string query', () => query('SELECT 1' as never), 'never a string'],
    [
      'a bad column',
      () => mergeRows('d.t', [{ 'a b': 1 }], { keys: ['a b'] }),
      'illegal column name "a b"',
    ],
    [
      'a missing key',
      () => mergeRows('d.t', [{ a: 1 }], { keys: ['b'] }),
      'key column "b" is not in the rows',
    ],
    [
      'an untyped all-null column',
      () => mergeRows('d.t', [{ a: 1, b: null }], { keys: ['a'] }),
      'column "b" is null in every row',
    ],
  ])('%s', async (_name, make, message) => {
    const error = await Promise.resolve()
      .then(make as () => unknown)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(message);
  });

  it('rows that do not match a schema', async () => {
    const schema = z.object({ game_id: z.string().regex(/^\d{10}$/), points: z.number().int() });
    const error = await insertRows(
      'nba_raw.box_scores',
      [
        { game_id: '0022500647', points: 3 },
        { game_id: '20260124_BOS_CHI', points: 3 },
      ],
      {
        schema,
        bigquery: {} as never,
      },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toContain('row 1 does not match the schema at game_id');
  });
});

describe('sql', () => {
  it('composes fragments, renumbering their parameters', () => {
    const filter = sql`team = ${'BOS'} AND season = ${2026}`;
    const q = sql`SELECT * FROM ${ident('d.t')} WHERE ${filter} AND player_id IN UNNEST(${[1, 2]})`;
    expect(q.text).toBe(
      'SELECT * FROM `d.t` WHERE team = @p0 AND season = @p1 AND player_id IN UNNEST(@p2)',
    );
    expect(q.params).toEqual({ p0: 'BOS', p1: 2026, p2: [1, 2] });
    expect(q.types).toEqual({ p0: 'STRING', p1: 'INT64', p2: ['INT64'] });
  });

  it('types values: dates, booleans, bigints, floats in arrays, explicit types', () => {
    const when = new Date('2026-01-24T00:00:00Z');
    const q = sql`${when} ${true} ${10n} ${[1, 2.5]} ${typed(null, 'STRING')}`;
    expect(q.types).toEqual({
      p0: 'TIMESTAMP',
      p1: 'BOOL',
      p2: 'INT64',
      p3: ['FLOAT64'],
      p4: 'STRING',
    });
  });
});

describe('getBigQuery', () => {
  it('returns one client per project and options, and honours BIGQUERY_EMULATOR_HOST', async () => {
    const env = { ...process.env };
    try {
      process.env.GCP_PROJECT_ID = 'demo-pool';
      process.env.BIGQUERY_EMULATOR_HOST = 'http://127.0.0.1:9';
      const a = getBigQuery();
      expect(getBigQuery()).toBe(a);
      expect(getBigQuery({ location: 'EU' })).not.toBe(a);
      expect(a.projectId).toBe('demo-pool');
      expect(a.apiEndpoint).toBe('http://127.0.0.1:9');
    } finally {
      process.env = env;
      await closeAll();
    }
  });
});
