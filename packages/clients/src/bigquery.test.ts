import { BigQuery } from '@google-cloud/bigquery';
import { createVirtualClock } from '@pipewell/core/testing';
import { createRetryPolicy, RetryError } from '@pipewell/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  column,
  getBigQuery,
  ident,
  insertRows,
  mergeRows,
  query,
  sql,
  typed,
} from './bigquery.js';
import { closeAll } from './pool.js';
import { ClientConfigError } from './project.js';
import { bigQueryErrorAnswer, type FakeBigQuery, startFakeBigQuery } from './testing.js';

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
    fake.setResult({ fields: [{ name: 'n', type: 'INT64' }], rows: [[0]] });
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
    fake.setResult({ fields: [{ name: 'player', type: 'STRING' }], rows: [['Jayson Tatum']] });
    fake.script(
      'jobs',
      bigQueryErrorAnswer({ status: 503, reason: 'backendError', message: 'Backend error' }),
      'reset',
    );
    const rows = await run(
      query(sql`SELECT player FROM ${ident('nba_raw.rosters')}`, { bigquery, retry }),
    );
    expect(rows).toEqual([{ player: 'Jayson Tatum' }]);
    expect(fake.requests.filter((r) => r.path.endsWith('/jobs'))).toHaveLength(3);
  });

  it("fails at once, with BigQuery's message, on an invalid query", async () => {
    fake.script(
      'jobs',
      bigQueryErrorAnswer({
        status: 400,
        reason: 'invalidQuery',
        message: 'Syntax error: Unexpected keyword FORM at [1:10]',
      }),
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
      ...[1, 2, 3].map(() =>
        bigQueryErrorAnswer({
          status: 403,
          reason: 'rateLimitExceeded',
          message: 'Exceeded rate limits',
        }),
      ),
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
    fake.script(
      'insertAll',
      bigQueryErrorAnswer({ status: 503, reason: 'backendError', message: 'Backend error' }),
    );
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
    fake.setResult({ fields: [], rows: [] });
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

  it("returns the MERGE's inserted and updated counts from the finished job's dmlStats", async () => {
    fake.script('getJob', {
      status: 200,
      body: {
        status: { state: 'DONE' },
        statistics: { query: { dmlStats: { insertedRowCount: '2', updatedRowCount: '1' } } },
      },
    });
    const result = await run(
      mergeRows('d.t', [{ k: 'a' }, { k: 'b' }, { k: 'c' }], { bigquery, retry, keys: ['k'] }),
    );
    expect(result).toEqual({ insertedRows: 2, updatedRows: 1, deletedRows: 0 });
    const insert = fake.requests.find((r) => r.path.endsWith('/jobs'));
    const jobId = (insert?.body as { jobReference: { jobId: string } } | undefined)?.jobReference
      .jobId;
    const get = fake.requests.filter(
      (r) => r.method === 'GET' && r.path.endsWith(`/jobs/${jobId}`),
    );
    expect(get).toHaveLength(1);
  });

  it('reads absent dmlStats counts as zero, and a failed read of them never reruns the MERGE', async () => {
    fake.script(
      'getJob',
      bigQueryErrorAnswer({ status: 503, reason: 'backendError', message: 'Backend error' }),
    );
    const result = await run(mergeRows('d.t', [{ k: 'a' }], { bigquery, retry, keys: ['k'] }));
    expect(result).toEqual({ insertedRows: 0, updatedRows: 0, deletedRows: 0 });
    expect(fake.requests.filter((r) => r.path.endsWith('/jobs'))).toHaveLength(1);
    expect(
      fake.requests.filter((r) => r.method === 'GET' && /\/jobs\/[^/]+$/.test(r.path)),
    ).toHaveLength(2);
  });

  it('deletes the rows of a slice the rows lack in the same MERGE, and empties it with none', async () => {
    fake.script('getJob', {
      status: 200,
      body: { statistics: { query: { dmlStats: { updatedRowCount: '1', deletedRowCount: '4' } } } },
    });
    const deleteMissing = { column: 'game_date', value: '2026-01-24', type: 'DATE' } as const;
    const rows = [{ k: 'a', game_date: '2026-01-24' }];
    expect(
      await run(mergeRows('d.t', rows, { bigquery, retry, keys: ['k'], deleteMissing })),
    ).toEqual({ insertedRows: 0, updatedRows: 1, deletedRows: 4 });
    const merge = lastJob() as unknown as {
      configuration: { query: { query: string; queryParameters: Array<Record<string, unknown>> } };
    };
    expect(merge.configuration.query.query).toMatch(
      / WHEN NOT MATCHED BY SOURCE AND T\.`game_date` = @slice THEN DELETE$/,
    );
    expect(merge.configuration.query.queryParameters[1]).toEqual({
      name: 'slice',
      parameterType: { type: 'DATE' },
      parameterValue: { value: '2026-01-24' },
    });
    fake.requests.length = 0;
    fake.script('getJob', {
      status: 200,
      body: { statistics: { query: { dmlStats: { deletedRowCount: '1' } } } },
    });
    expect(
      await run(mergeRows('d.t', [], { bigquery, retry, keys: ['k'], deleteMissing })),
    ).toEqual({ insertedRows: 0, updatedRows: 0, deletedRows: 1 });
    expect(
      (lastJob() as unknown as { configuration: { query: { query: string } } }).configuration.query
        .query,
    ).toBe('DELETE FROM `d.t` WHERE `game_date` = @slice');
    fake.requests.length = 0;
    expect(await run(mergeRows('d.t', [], { bigquery, retry, keys: ['k'] }))).toEqual({
      insertedRows: 0,
      updatedRows: 0,
      deletedRows: 0,
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a deleteMissing slice without a value or of a bad column before any request', async () => {
    const base = { bigquery, retry, keys: ['k'] };
    await expect(
      mergeRows('d.t', [], { ...base, deleteMissing: { column: 'd', value: null, type: 'DATE' } }),
    ).rejects.toThrow(/deleteMissing.value" needs a value/);
    await expect(
      mergeRows('d.t', [], {
        ...base,
        deleteMissing: { column: 'a b', value: 'x', type: 'STRING' },
      }),
    ).rejects.toThrow(ClientConfigError);
    expect(fake.requests).toHaveLength(0);
  });

  const lastJob = () =>
    fake.requests.find((r) => r.path.endsWith('/jobs'))?.body as {
      configuration: { query: { queryParameters: Array<Record<string, unknown>> } };
    };

  it('sends bigints as decimal strings, and the promise settles', async () => {
    fake.setResult({ fields: [{ name: 'n', type: 'INT64' }], rows: [[1]] });
    const big = 2n ** 70n;
    await run(
      query(
        sql`SELECT ${9007199254740993n} AS a, ${[1n, -2n]} AS b, ${typed(big, 'BIGNUMERIC')} AS c`,
        { bigquery, retry },
      ),
    );
    expect(lastJob().configuration.query.queryParameters).toEqual([
      {
        name: 'p0',
        parameterType: { type: 'INT64' },
        parameterValue: { value: '9007199254740993' },
      },
      {
        name: 'p1',
        parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
        parameterValue: { arrayValues: [{ value: '1' }, { value: '-2' }] },
      },
      { name: 'p2', parameterType: { type: 'BIGNUMERIC' }, parameterValue: { value: String(big) } },
    ]);
  });

  it('sends bytes as base64 BYTES, and types bigints and bytes inside a STRUCT', async () => {
    fake.setResult({ fields: [], rows: [] });
    await run(
      query(
        sql`SELECT ${Buffer.from('hi')}, ${new Uint8Array([0xff, 0x00])}, ${{ id: 5n, payload: Buffer.from('hi') }}`,
        { bigquery, retry },
      ),
    );
    expect(lastJob().configuration.query.queryParameters).toEqual([
      { name: 'p0', parameterType: { type: 'BYTES' }, parameterValue: { value: 'aGk=' } },
      { name: 'p1', parameterType: { type: 'BYTES' }, parameterValue: { value: '/wA=' } },
      {
        name: 'p2',
        parameterType: {
          type: 'STRUCT',
          structTypes: [
            { name: 'id', type: { type: 'INT64' } },
            { name: 'payload', type: { type: 'BYTES' } },
          ],
        },
        parameterValue: { structValues: { id: { value: '5' }, payload: { value: 'aGk=' } } },
      },
    ]);
  });

  it('rejects a parameter that cannot be sent as JSON instead of throwing inside the SDK', async () => {
    const value = {
      toJSON() {
        throw new RangeError('Invalid time value');
      },
    };
    const error = await run(
      query(sql`SELECT ${typed(value, 'STRING')}`, { bigquery, retry }),
    ).catch((e: unknown) => e);
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      'parameter @p0 cannot be sent as JSON: Invalid time value',
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('returns at most maxResults rows', async () => {
    fake.setResult({ fields: [{ name: 'n', type: 'INT64' }], rows: [[1], [2], [3], [4], [5]] });
    const rows = await run(
      query(sql`SELECT n FROM ${ident('d.t')}`, { bigquery, retry, maxResults: 2 }),
    );
    expect(rows).toEqual([{ n: 1 }, { n: 2 }]);
    const results = fake.requests.filter((r) => r.path.includes('/queries/'));
    expect(results.map((r) => r.query.maxResults)).toEqual(['2']);
    const all = await run(query(sql`SELECT n FROM ${ident('d.t')}`, { bigquery, retry }));
    expect(all).toHaveLength(5);
  });

  it("streams into the table's own project when the table names one", async () => {
    await run(insertRows('other-project.ds.t', [{ a: 1 }], { bigquery, retry }));
    await run(insertRows('ds.t', [{ a: 2 }], { bigquery, retry }));
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/bigquery/v2/projects/other-project/datasets/ds/tables/t/insertAll',
      '/bigquery/v2/projects/demo-project/datasets/ds/tables/t/insertAll',
    ]);
  });

  it('inserts bigints as decimal strings and bytes as base64, with or without insert ids', async () => {
    const rows = [
      {
        id: 9007199254740993n,
        payload: Buffer.from('hi'),
        nested: { raw: new Uint8Array([1, 2]), counts: [1n, 2n] },
      },
    ];
    await run(insertRows('ds.t', rows, { bigquery, retry }));
    await run(insertRows('ds.t', rows, { bigquery, retry, insertIdOf: () => 'row-1' }));
    const sent = fake.requests.map(
      (r) => (r.body as { rows: Array<{ insertId: string; json: unknown }> }).rows[0],
    );
    const json = {
      id: '9007199254740993',
      payload: 'aGk=',
      nested: { raw: 'AQI=', counts: ['1', '2'] },
    };
    expect(sent[0]?.json).toEqual(json);
    expect(sent[0]?.insertId).toMatch(/^[0-9a-f]{32}$/);
    expect(sent[1]).toEqual({ insertId: 'row-1', json });
  });

  it.each([
    [
      'a value whose toJSON throws',
      {
        toJSON() {
          throw new RangeError('Invalid time value');
        },
      },
      'row 1 cannot be sent as JSON: Invalid time value',
    ],
    ['a cycle', undefined, 'row 1 cannot be sent as JSON: Converting circular structure'],
  ])('rejects a row with %s instead of throwing inside the SDK', async (_name, value, message) => {
    const row: Record<string, unknown> = { a: 1, value };
    if (value === undefined) row.value = row;
    const error = await run(
      insertRows('ds.t', [{ a: 1 }, row], { bigquery, retry, insertIdOf: (_r, i) => `r${i}` }),
    ).catch((e: unknown) => e);
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect(fake.requests).toHaveLength(0);
  });

  it('merges DATE, bigint and bytes columns with their values on the wire', async () => {
    fake.setResult({ fields: [], rows: [] });
    await run(
      mergeRows(
        'd.t',
        [
          { id: 1n, game_date: '2026-01-24', payload: Buffer.from('hi') },
          { id: 2n, game_date: '2024-02-29', payload: Buffer.from('yo') },
        ],
        { bigquery, retry, keys: ['id'], types: { game_date: 'DATE' } },
      ),
    );
    const [rowsParam] = lastJob().configuration.query.queryParameters as [
      {
        parameterType: {
          arrayType: { structTypes: Array<{ name: string; type: { type: string } }> };
        };
        parameterValue: { arrayValues: Array<{ structValues: unknown }> };
      },
    ];
    expect(rowsParam.parameterType.arrayType.structTypes.map((f) => [f.name, f.type.type])).toEqual(
      [
        ['id', 'INT64'],
        ['game_date', 'DATE'],
        ['payload', 'BYTES'],
      ],
    );
    expect(rowsParam.parameterValue.arrayValues.map((v) => v.structValues)).toEqual([
      { id: { value: '1' }, game_date: { value: '2026-01-24' }, payload: { value: 'aGk=' } },
      { id: { value: '2' }, game_date: { value: '2024-02-29' }, payload: { value: 'eW8=' } },
    ]);
  });

  // The SDK reads any object with a `type` naming a time, date, geography or range type as one of
  // its own wrappers and sends its `value` alone: a row like these went out as `{}`.
  it('merges rows whose `type` and `value` columns read like BigQuery types, intact', async () => {
    fake.setResult({ fields: [], rows: [] });
    const rows = [
      { id: 1, type: 'OVERTIME', value: 'x' },
      { id: 2, type: 'UPDATE', value: null },
      { id: 3, type: 'DATE', value: 'z' },
      { id: 4, type: 'GEOGRAPHY', value: 'w' },
      { id: 5, type: 'RANGE', value: 'v' },
      { id: 6, type: 'TIME', value: undefined },
    ];
    await run(mergeRows('d.t', rows, { bigquery, retry, keys: ['id'] }));
    const [rowsParam] = lastJob().configuration.query.queryParameters as [
      { parameterValue: { arrayValues: unknown[] } },
    ];
    expect(rowsParam.parameterValue.arrayValues).toEqual(
      rows.map((row) => ({
        structValues: {
          id: { value: row.id },
          type: { value: row.type },
          value: { value: row.value ?? null },
        },
      })),
    );
  });

  it('sends STRUCT parameters with `type` and `value` fields intact, alone, in arrays and nested', async () => {
    fake.setResult({ fields: [], rows: [] });
    const game = {
      type: 'OVERTIME',
      value: 3,
      events: [
        { type: 'TIMEOUT', value: '2026-01-24' },
        { type: 'DATE', value: 'x' },
      ],
    };
    const plays = [
      { type: 'UPDATE', value: 1.5 },
      { type: 'GEOGRAPHY', value: 2 },
    ];
    // A `type` that is not a string made the SDK throw (`type.indexOf is not a function`).
    const odd = [{ type: 7, value: { type: 'TIME', value: 'noon' } }];
    await run(query(sql`SELECT ${game} AS g, ${plays} AS p, ${odd} AS o`, { bigquery, retry }));
    const event = {
      type: 'STRUCT',
      structTypes: [
        { name: 'type', type: { type: 'STRING' } },
        { name: 'value', type: { type: 'STRING' } },
      ],
    };
    expect(lastJob().configuration.query.queryParameters).toEqual([
      {
        name: 'p0',
        parameterType: {
          type: 'STRUCT',
          structTypes: [
            { name: 'type', type: { type: 'STRING' } },
            { name: 'value', type: { type: 'INT64' } },
            { name: 'events', type: { type: 'ARRAY', arrayType: event } },
          ],
        },
        parameterValue: {
          structValues: {
            type: { value: 'OVERTIME' },
            value: { value: 3 },
            events: {
              arrayValues: [
                { structValues: { type: { value: 'TIMEOUT' }, value: { value: '2026-01-24' } } },
                { structValues: { type: { value: 'DATE' }, value: { value: 'x' } } },
              ],
            },
          },
        },
      },
      {
        name: 'p1',
        parameterType: {
          type: 'ARRAY',
          arrayType: {
            type: 'STRUCT',
            structTypes: [
              { name: 'type', type: { type: 'STRING' } },
              { name: 'value', type: { type: 'FLOAT64' } },
            ],
          },
        },
        parameterValue: {
          arrayValues: [
            { structValues: { type: { value: 'UPDATE' }, value: { value: 1.5 } } },
            { structValues: { type: { value: 'GEOGRAPHY' }, value: { value: 2 } } },
          ],
        },
      },
      {
        name: 'p2',
        parameterType: {
          type: 'ARRAY',
          arrayType: {
            type: 'STRUCT',
            structTypes: [
              { name: 'type', type: { type: 'INT64' } },
              { name: 'value', type: event },
            ],
          },
        },
        parameterValue: {
          arrayValues: [
            {
              structValues: {
                type: { value: 7 },
                value: { structValues: { type: { value: 'TIME' }, value: { value: 'noon' } } },
              },
            },
          ],
        },
      },
    ]);
  });

  it("sends the SDK's own value classes (as a row read back holds them) by their class", async () => {
    fake.setResult({ fields: [], rows: [] });
    await run(
      query(
        sql`SELECT ${BigQuery.date('2026-01-24')}, ${BigQuery.timestamp(new Date('2026-01-24T19:30:00Z'))}, ${BigQuery.geography('POINT(0 0)')}, ${[BigQuery.int('9007199254740993')]}, ${new Date('2026-01-24T00:00:00Z')}`,
        { bigquery, retry },
      ),
    );
    expect(lastJob().configuration.query.queryParameters).toEqual([
      { name: 'p0', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-01-24' } },
      {
        name: 'p1',
        parameterType: { type: 'TIMESTAMP' },
        parameterValue: { value: '2026-01-24T19:30:00.000Z' },
      },
      { name: 'p2', parameterType: { type: 'GEOGRAPHY' }, parameterValue: { value: 'POINT(0 0)' } },
      {
        name: 'p3',
        parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
        parameterValue: { arrayValues: [{ value: '9007199254740993' }] },
      },
      {
        name: 'p4',
        parameterType: { type: 'TIMESTAMP' },
        parameterValue: { value: '2026-01-24T00:00:00.000Z' },
      },
    ]);
  });

  it('sends typed nulls as NULL and JSON values as JSON text', async () => {
    fake.setResult({ fields: [], rows: [] });
    await run(
      query(
        sql`SELECT ${typed(null, 'STRING')}, ${typed(null, ['INT64'])}, ${typed({ type: 'DATE', value: [1, 'x'] }, 'JSON')}`,
        { bigquery, retry },
      ),
    );
    expect(lastJob().configuration.query.queryParameters).toEqual([
      { name: 'p0', parameterType: { type: 'STRING' }, parameterValue: { value: null } },
      {
        name: 'p1',
        parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
        parameterValue: {},
      },
      {
        name: 'p2',
        parameterType: { type: 'JSON' },
        parameterValue: { value: '{"type":"DATE","value":[1,"x"]}' },
      },
    ]);
  });

  it('places column() as an identifier in the SQL, not as a parameter', async () => {
    fake.setResult({ fields: [{ name: 'points', type: 'INT64' }], rows: [[31]] });
    const rows = await run(
      query(
        sql`SELECT ${column('points')} FROM ${ident('d.t')} ORDER BY ${column('points')} DESC`,
        { bigquery, retry },
      ),
    );
    expect(rows).toEqual([{ points: 31 }]);
    const job = lastJob().configuration.query as { query: string; queryParameters: unknown[] };
    expect(job.query).toBe('SELECT `points` FROM `d.t` ORDER BY `points` DESC');
    expect(job.queryParameters).toEqual([]);
  });

  it('reads BIGQUERY_EMULATOR_HOST and the project from an injected env, not process.env', async () => {
    const saved = { ...process.env };
    try {
      // A dead port: reaching it would mean process.env was read after all.
      process.env.BIGQUERY_EMULATOR_HOST = 'http://127.0.0.1:9';
      process.env.GCP_PROJECT_ID = 'demo-process';
      fake.setResult({ fields: [{ name: 'n', type: 'INT64' }], rows: [[1]] });
      const local = getBigQuery({
        env: { BIGQUERY_EMULATOR_HOST: fake.url, GCP_PROJECT_ID: 'demo-injected' },
      });
      expect(local.projectId).toBe('demo-injected');
      expect(await run(query(sql`SELECT 1 AS n`, { bigquery: local, retry }))).toEqual([{ n: 1 }]);
      expect(fake.requests[0]?.path).toBe('/projects/demo-injected/jobs');
      expect(fake.requests[0]?.body).toBeDefined();

      // An env without the variable means no emulator, whatever process.env says.
      fake.requests.length = 0;
      const remote = getBigQuery({
        env: { GCP_PROJECT_ID: 'demo-remote' },
        apiEndpoint: fake.url,
        authClient: noAuth as never,
      });
      await run(query(sql`SELECT 1 AS n`, { bigquery: remote, retry }));
      expect(fake.requests[0]?.path).toBe('/bigquery/v2/projects/demo-remote/jobs');
    } finally {
      process.env = saved;
      await closeAll();
    }
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
    [
      'an impossible date in a DATE column',
      () =>
        mergeRows(
          'd.t',
          [
            { a: 1, d: '2026-01-24' },
            { a: 2, d: '2026-02-29' },
          ],
          { keys: ['a'], types: { d: 'DATE' }, bigquery: {} as never },
        ),
      'option "rows[1].d" must be a calendar date as YYYY-MM-DD (got "2026-02-29": 2026-02 has no day 29)',
    ],
    [
      'a bigint column outside INT64',
      () => mergeRows('d.t', [{ a: 2n ** 63n }], { keys: ['a'], bigquery: {} as never }),
      'rows[0].a is 9223372036854775808n, outside INT64',
    ],
    [
      'a query with an impossible DATE',
      () => query(sql`SELECT ${typed('2026-04-31', 'DATE')}`, { bigquery: {} as never }),
      'option "value 1 (@p0)" must be a calendar date',
    ],
    [
      'a STRUCT field that is null, whose type cannot be inferred',
      () => query(sql`SELECT ${{ id: 1, note: null }}`, { bigquery: {} as never }),
      'parameter @p0.note is null, so its type cannot be inferred',
    ],
    [
      'STRUCTs with different fields in one array',
      () => query(sql`SELECT ${[{ a: 1 }, { b: 2 }]}`, { bigquery: {} as never }),
      'parameter @p0[] mixes STRUCTs with different fields (a and b, element 1)',
    ],
    [
      'STRUCT fields of different types across an array',
      () => query(sql`SELECT ${[{ a: 1 }, { a: 'x' }]}`, { bigquery: {} as never }),
      'parameter @p0[].a mixes types (INT64 and STRING)',
    ],
    [
      'a class instance, which is no STRUCT',
      () => query(sql`SELECT ${new Map([['a', 1]])}`, { bigquery: {} as never }),
      'parameter @p0 is a Map, which has no BigQuery type',
    ],
    [
      'an object typed as a scalar',
      () => query(sql`SELECT ${typed({ a: 1 }, 'STRING')}`, { bigquery: {} as never }),
      'parameter @p0 is an object, but its type is STRING',
    ],
    [
      'an array typed as a scalar',
      () => query(sql`SELECT ${typed([1], 'INT64')}`, { bigquery: {} as never }),
      "parameter @p0 is an array, but its type is INT64 (an array's type is ['INT64'])",
    ],
    [
      'a type BigQuery does not have',
      () => query(sql`SELECT ${typed('x', 'TEXT' as never)}`, { bigquery: {} as never }),
      'parameter @p0 has type "TEXT", which is not a BigQuery parameter type',
    ],
    [
      'maxResults of 0',
      () => query(sql`SELECT 1`, { maxResults: 0, bigquery: {} as never }),
      'option "maxResults" must be a whole number of rows >= 1 (got 0)',
    ],
    [
      'a fractional maxResults',
      () => query(sql`SELECT 1`, { maxResults: 2.5, bigquery: {} as never }),
      'option "maxResults" must be a whole number of rows >= 1 (got 2.5)',
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
