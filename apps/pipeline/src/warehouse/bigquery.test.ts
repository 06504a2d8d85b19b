import { BigQuery } from '@google-cloud/bigquery';
import { ident, sql, typed } from '@pipewell/clients/sql';
import {
  bigQueryErrorAnswer,
  type FakeBigQuery,
  type FakeBigQueryAnswer,
  startFakeBigQuery,
} from '@pipewell/clients/testing';
import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openBigQueryWarehouse } from './bigquery.js';
import {
  WarehouseError,
  WarehouseRowError,
  WarehouseSchemaError,
  WarehouseSqlError,
} from './errors.js';
import type { Warehouse } from './port.js';
import { defineTable } from './table.js';

// The SDK authenticates every request; the fake needs none.
const noAuth = { getRequestHeaders: async () => new Headers({ authorization: 'Bearer test' }) };

const scores = defineTable({
  name: 'nba_raw.scores',
  columns: {
    game_key: 'STRING',
    player_id: 'INT64',
    game_date: 'DATE',
    points: 'INT64',
    minutes: 'FLOAT64',
    starter: 'BOOL',
    loaded_at: 'TIMESTAMP',
    extra: 'JSON',
  },
  keys: ['game_key', 'player_id'],
  partitionBy: 'game_date',
  clusterBy: ['player_id', 'game_key'],
  description: "One row per player per game, from the box score's 'stats'",
});

const unpartitioned = defineTable({
  name: 'nba_reference.teams',
  columns: { team: 'STRING' },
  keys: ['team'],
  description: 'teams',
});

interface QueryConfig {
  query: string;
  queryParameters: Array<{
    name: string;
    parameterType: Record<string, unknown>;
    parameterValue: Record<string, unknown>;
  }>;
}

/** A jobs.get answer carrying a MERGE's DML statistics. */
function dmlStats(stats: Record<string, string>): FakeBigQueryAnswer {
  return {
    status: 200,
    body: { status: { state: 'DONE' }, statistics: { query: { dmlStats: stats } } },
  };
}

const schemaFields = [
  { name: 'table_schema', type: 'STRING' },
  { name: 'table_name', type: 'STRING' },
  { name: 'column_name', type: 'STRING' },
  { name: 'data_type', type: 'STRING' },
  { name: 'is_nullable', type: 'STRING' },
];

/** INFORMATION_SCHEMA.COLUMNS rows of a stored `scores` table, with `change` applied. */
function storedScores(change: (columns: string[][]) => string[][] = (c) => c): unknown[][] {
  const columns = [
    ['game_key', 'STRING', 'NO'],
    ['player_id', 'INT64', 'NO'],
    ['game_date', 'DATE', 'YES'],
    ['points', 'INT64', 'YES'],
    ['minutes', 'FLOAT64', 'YES'],
    ['starter', 'BOOL', 'YES'],
    ['loaded_at', 'TIMESTAMP', 'YES'],
    ['extra', 'JSON', 'YES'],
  ];
  return change(columns).map((column) => ['dev_nba_raw', 'scores', ...column]);
}

describe('openBigQueryWarehouse, over the BigQuery wire against the loopback fake', () => {
  let fake: FakeBigQuery;
  let bigquery: BigQuery;
  let warehouse: Warehouse;
  const clock = createVirtualClock();
  const logger = createRecordingLogger();

  /** Run a call to its end on the virtual clock (the retries wait on it). */
  async function settle<T>(promise: Promise<T>): Promise<T> {
    await clock.runAll(promise.catch(() => undefined));
    return promise;
  }
  const jobs = (): QueryConfig[] =>
    fake.requests
      .filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'))
      .map((r) => (r.body as { configuration: { query: QueryConfig } }).configuration.query);
  const texts = (): string[] => jobs().map((job) => job.query);

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
    fake.setResult({ fields: [], rows: [] });
    warehouse = openBigQueryWarehouse({
      bigquery,
      projectId: 'demo-project',
      datasetPrefix: 'dev_',
      clock,
      logger,
    });
    logger.clear();
  });
  afterAll(async () => {
    await fake.close();
  });

  describe('ensureTables', () => {
    it('reads the stored schemas once, then creates the dataset and a partitioned, clustered table in one script', async () => {
      await settle(warehouse.ensureTables([scores, unpartitioned]));
      const [schemas, script] = jobs();
      expect(schemas?.query).toMatch(
        /FROM `demo-project`\.`region-us`\.INFORMATION_SCHEMA\.COLUMNS\s+WHERE table_schema IN UNNEST\(@p0\)/,
      );
      expect(schemas?.queryParameters[0]?.parameterValue).toEqual({
        arrayValues: [{ value: 'dev_nba_raw' }, { value: 'dev_nba_reference' }],
      });
      const posted = fake.requests.filter((r) => r.method === 'POST');
      expect(
        posted.map((r) => (r.body as { jobReference: { location: string } }).jobReference.location),
      ).toEqual(['US', 'US']);
      expect(script?.query.split(';\n')).toEqual([
        "CREATE SCHEMA IF NOT EXISTS `demo-project.dev_nba_raw` OPTIONS (location = 'US')",
        "CREATE SCHEMA IF NOT EXISTS `demo-project.dev_nba_reference` OPTIONS (location = 'US')",
        'CREATE TABLE IF NOT EXISTS `demo-project.dev_nba_raw.scores` (`game_key` STRING NOT NULL, `player_id` INT64 NOT NULL, ' +
          '`game_date` DATE, `points` INT64, `minutes` FLOAT64, `starter` BOOL, `loaded_at` TIMESTAMP, `extra` JSON) ' +
          "PARTITION BY `game_date` CLUSTER BY `player_id`, `game_key` OPTIONS (description = 'One row per player per game, from the box score\\'s \\'stats\\'')",
        "CREATE TABLE IF NOT EXISTS `demo-project.dev_nba_reference.teams` (`team` STRING NOT NULL) OPTIONS (description = 'teams')",
      ]);
      expect(jobs()).toHaveLength(2);
    });

    it('adds only the NULLable columns a definition gained, and does nothing when all is there', async () => {
      fake.setResult({
        fields: schemaFields,
        rows: storedScores((columns) => columns.filter(([name]) => name !== 'extra')),
      });
      await settle(warehouse.ensureTables([scores]));
      expect(texts()[1]).toBe(
        'ALTER TABLE `demo-project.dev_nba_raw.scores` ADD COLUMN IF NOT EXISTS `extra` JSON',
      );
      fake.requests.length = 0;
      fake.setResult({ fields: schemaFields, rows: storedScores() });
      await settle(warehouse.ensureTables([scores]));
      expect(jobs()).toHaveLength(1);
    });

    it('refuses two definitions of one table before sending anything', async () => {
      const other = defineTable({
        name: scores.name,
        columns: scores.columns,
        keys: ['game_key'],
        description: 'rekeyed',
      });
      const error = await catchError(warehouse.ensureTables([scores, other]), WarehouseSqlError);
      expect(error.message).toMatch(/two definitions of nba_raw.scores/);
      expect(fake.requests).toHaveLength(0);
    });

    const refusals: Array<[string, (columns: string[][]) => string[][], string, RegExp]> = [
      [
        'a column whose type changed',
        (c) => c.map((col) => (col[0] === 'points' ? ['points', 'FLOAT64', 'YES'] : col)),
        'points',
        /is FLOAT64 in the warehouse and INT64 in the definition/,
      ],
      [
        'a stored column the definition lost',
        (c) => [...c, ['assists', 'INT64', 'YES']],
        'assists',
        /ensureTables never drops a column/,
      ],
      [
        'a key that became a plain column',
        (c) => c.map((col) => (col[0] === 'points' ? ['points', 'INT64', 'NO'] : col)),
        'points',
        /is a key in the stored table and not a key in the definition/,
      ],
      [
        'a new key column',
        (c) => c.filter(([name]) => name !== 'player_id'),
        'player_id',
        /is a new key column/,
      ],
    ];
    it.each(refusals)('refuses %s and changes nothing', async (_, change, column, message) => {
      fake.setResult({ fields: schemaFields, rows: storedScores(change) });
      const error = await catchError(
        settle(warehouse.ensureTables([unpartitioned, scores])),
        WarehouseSchemaError,
      );
      expect(error.table).toBe('nba_raw.scores');
      expect(error.column).toBe(column);
      expect(error.message).toMatch(message);
      expect(error.permanent).toBe(true);
      // Only the read of the schemas: not even the other table was created.
      expect(jobs()).toHaveLength(1);
    });
  });

  describe('merge', () => {
    it('runs concurrent merges one after another, in call order', async () => {
      for (const inserted of ['1', '0', '0']) {
        fake.script(
          'getJob',
          dmlStats(inserted === '1' ? { insertedRowCount: '1' } : { updatedRowCount: '1' }),
        );
      }
      const results = await settle(
        Promise.all(
          [1, 2, 3].map((points) =>
            warehouse.merge(scores, [{ game_key: 'g1', player_id: 1, points }]),
          ),
        ),
      );
      expect(results).toEqual([
        { inserted: 1, updated: 0 },
        { inserted: 0, updated: 1 },
        { inserted: 0, updated: 1 },
      ]);
      // Each MERGE starts only once the one before it has finished (its statistics read).
      const steps = fake.requests
        .filter((r) => r.method === 'POST' || /\/jobs\/[^/]+$/.test(r.path))
        .map((r) => (r.method === 'POST' ? 'merge' : 'done'));
      expect(steps).toEqual(['merge', 'done', 'merge', 'done', 'merge', 'done']);
      const points = jobs().map((job) => {
        const rows = job.queryParameters[0]?.parameterValue as unknown as {
          arrayValues: Array<{ structValues: { points: { value: unknown } } }>;
        };
        return rows.arrayValues[0]?.structValues.points.value;
      });
      expect(points).toEqual([1, 2, 3]);
    });

    it('sends one MERGE on the natural key, every column typed, and returns the job counts', async () => {
      fake.script('getJob', dmlStats({ insertedRowCount: '1', updatedRowCount: '1' }));
      const result = await settle(
        warehouse.merge(scores, [
          {
            game_key: 'g1',
            player_id: 7,
            game_date: '2026-01-24',
            points: 31,
            minutes: 35.5,
            starter: true,
            loaded_at: '2026-01-24T20:30:00.123456+01:00',
            extra: { k: [1, 'two'] },
          },
          { game_key: 'g1', player_id: 8 },
        ]),
      );
      expect(result).toEqual({ inserted: 1, updated: 1 });
      expect(logger.at('debug').map((entry) => [entry.msg, entry.fields])).toEqual([
        [
          'bigquery merge',
          { table: 'nba_raw.scores', rows: 2, ms: 0, inserted: 1, updated: 1, deleted: 0 },
        ],
      ]);
      const [merge] = jobs();
      expect(merge?.query).toBe(
        'MERGE `demo-project.dev_nba_raw.scores` T USING UNNEST(@rows) S ON T.`game_key` = S.`game_key` AND T.`player_id` = S.`player_id` ' +
          'WHEN MATCHED THEN UPDATE SET `game_date` = S.`game_date`, `points` = S.`points`, `minutes` = S.`minutes`, `starter` = S.`starter`, `loaded_at` = S.`loaded_at`, `extra` = S.`extra` ' +
          'WHEN NOT MATCHED THEN INSERT (`game_key`, `player_id`, `game_date`, `points`, `minutes`, `starter`, `loaded_at`, `extra`) ' +
          'VALUES (S.`game_key`, S.`player_id`, S.`game_date`, S.`points`, S.`minutes`, S.`starter`, S.`loaded_at`, S.`extra`)',
      );
      const rows = merge?.queryParameters[0] as unknown as {
        parameterType: {
          arrayType: { structTypes: Array<{ name: string; type: { type: string } }> };
        };
        parameterValue: {
          arrayValues: Array<{ structValues: Record<string, { value?: unknown }> }>;
        };
      };
      expect(rows.parameterType.arrayType.structTypes.map((f) => [f.name, f.type.type])).toEqual([
        ['game_key', 'STRING'],
        ['player_id', 'INT64'],
        ['game_date', 'DATE'],
        ['points', 'INT64'],
        ['minutes', 'FLOAT64'],
        ['starter', 'BOOL'],
        ['loaded_at', 'TIMESTAMP'],
        ['extra', 'JSON'],
      ]);
      const values = rows.parameterValue.arrayValues.map((row) =>
        Object.fromEntries(Object.entries(row.structValues).map(([k, v]) => [k, v.value ?? null])),
      );
      expect(values).toEqual([
        {
          game_key: 'g1',
          player_id: 7,
          game_date: '2026-01-24',
          points: 31,
          minutes: 35.5,
          starter: true,
          loaded_at: '2026-01-24T19:30:00.123456Z',
          extra: '{"k":[1,"two"]}',
        },
        {
          game_key: 'g1',
          player_id: 8,
          game_date: null,
          points: null,
          minutes: null,
          starter: null,
          loaded_at: null,
          extra: null,
        },
      ]);
    });

    it('checks every row before sending anything, and sends nothing for no rows', async () => {
      const error = await catchError(
        settle(warehouse.merge(scores, [{ game_key: 'g1', player_id: 1, points: 1.5 }])),
        WarehouseRowError,
      );
      expect(error.column).toBe('points');
      expect(await settle(warehouse.merge(scores, []))).toEqual({ inserted: 0, updated: 0 });
      expect(fake.requests).toHaveLength(0);
    });

    it('writes nothing when the signal has already aborted', async () => {
      const reason = new Error('shutting down');
      const signal = AbortSignal.abort(reason);
      expect(
        await catchError(warehouse.merge(scores, [{ game_key: 'g', player_id: 1 }], { signal })),
      ).toBe(reason);
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('replacePartition', () => {
    it("adds a DELETE of the partition's keys the rows lack to the same MERGE, with every count", async () => {
      fake.script(
        'getJob',
        dmlStats({ insertedRowCount: '1', updatedRowCount: '1', deletedRowCount: '2' }),
      );
      const result = await settle(
        warehouse.replacePartition(scores, '2026-01-24', [
          { game_key: 'g1', player_id: 1, game_date: '2026-01-24', points: 11 },
          { game_key: 'g1', player_id: 4, game_date: '2026-01-24', points: 40 },
        ]),
      );
      expect(result).toEqual({ inserted: 1, updated: 1, deleted: 2 });
      const [merge] = jobs();
      expect(merge?.query).toMatch(
        /^MERGE `demo-project\.dev_nba_raw\.scores` T USING UNNEST\(@rows\) S .* WHEN NOT MATCHED BY SOURCE AND T\.`game_date` = @slice THEN DELETE$/,
      );
      expect(merge?.queryParameters[1]).toEqual({
        name: 'slice',
        parameterType: { type: 'DATE' },
        parameterValue: { value: '2026-01-24' },
      });
    });

    it('empties the partition with one DELETE when there are no rows', async () => {
      fake.script('getJob', dmlStats({ deletedRowCount: '3' }));
      expect(await settle(warehouse.replacePartition(scores, '2026-01-24', []))).toEqual({
        inserted: 0,
        updated: 0,
        deleted: 3,
      });
      expect(texts()).toEqual([
        'DELETE FROM `demo-project.dev_nba_raw.scores` WHERE `game_date` = @slice',
      ]);
    });

    it('refuses a row of another date, a table without partitionBy and a bad date, sending nothing', async () => {
      const row = await catchError(
        settle(
          warehouse.replacePartition(scores, '2026-01-24', [
            { game_key: 'g1', player_id: 1, game_date: '2026-01-25' },
          ]),
        ),
        WarehouseRowError,
      );
      expect(row.column).toBe('game_date');
      const none = await catchError(
        warehouse.replacePartition(unpartitioned, '2026-01-24', []),
        WarehouseSqlError,
      );
      expect(none.message).toMatch(/needs a table with partitionBy/);
      const bad = await catchError(
        warehouse.replacePartition(scores, '2026-02-30', []),
        WarehouseSqlError,
      );
      expect(bad.message).toMatch(/calendar date/);
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('query', () => {
    it('renames tables for the project and prefix, keeping every value a typed parameter', async () => {
      await settle(
        warehouse.query(
          sql`SELECT game_key, COUNT(*) AS n FROM ${ident('nba_raw.scores')} -- a comment
              WHERE game_date = ${typed('2026-01-24', 'DATE')} AND note = 'nba_raw.scores'
              AND player_id IN (SELECT * FROM UNNEST(${[1, 2]})) AND game_key = ${"' OR 1=1 --"}
              GROUP BY game_key`,
        ),
      );
      const [job] = jobs();
      expect(job?.query.replace(/\s+/g, ' ')).toBe(
        "SELECT game_key, COUNT(*) AS n FROM `demo-project.dev_nba_raw.scores` WHERE game_date = @p0 AND note = 'nba_raw.scores' " +
          'AND player_id IN (SELECT * FROM UNNEST(@p1)) AND game_key = @p2 GROUP BY game_key',
      );
      expect(job?.queryParameters).toEqual([
        { name: 'p0', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-01-24' } },
        {
          name: 'p1',
          parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
          parameterValue: { arrayValues: [{ value: 1 }, { value: 2 }] },
        },
        { name: 'p2', parameterType: { type: 'STRING' }, parameterValue: { value: "' OR 1=1 --" } },
      ]);
    });

    it('refuses what is outside the portable subset before sending anything', async () => {
      const refused = [
        sql`SELECT "x" AS s`,
        sql`BEGIN TRANSACTION`,
        sql`SELECT ${{ a: 1 }} AS s`,
        sql`SELECT 1 AS a; SELECT 2 AS b`,
      ];
      for (const statement of refused) {
        await catchError(warehouse.query(statement), WarehouseSqlError);
      }
      const string = await catchError(
        warehouse.query('SELECT 1' as unknown as ReturnType<typeof sql>),
        WarehouseSqlError,
      );
      expect(string.message).toMatch(/sql tag/);
      expect(fake.requests).toHaveLength(0);
    });

    it('returns every column type as the DuckDB adapter returns it', async () => {
      fake.setResult({
        fields: [
          { name: 's', type: 'STRING' },
          { name: 'i', type: 'INT64' },
          { name: 'f', type: 'FLOAT64' },
          { name: 'b', type: 'BOOL' },
          { name: 'd', type: 'DATE' },
          { name: 'ts', type: 'TIMESTAMP' },
          { name: 'j', type: 'JSON' },
          { name: 'js', type: 'JSON' },
          { name: 'avg', type: 'NUMERIC' },
          { name: 'dt', type: 'DATETIME' },
          { name: 'nothing', type: 'INT64' },
        ],
        rows: [
          [
            'Dončić',
            '9007199254740991',
            '0.1',
            'true',
            '2024-02-29',
            // Microseconds since the epoch, as BigQuery sends a TIMESTAMP to this client.
            '-1001',
            '{"nested":[1,"two",null,{"three":true}],"n":1.5}',
            '"just a string"',
            '2.5',
            '2026-01-24T19:30:00.123456',
            null,
          ],
        ],
      });
      const rows = await settle(warehouse.query(sql`SELECT * FROM ${ident('nba_raw.scores')}`));
      expect(rows).toEqual([
        {
          s: 'Dončić',
          i: Number.MAX_SAFE_INTEGER,
          f: 0.1,
          b: true,
          d: '2024-02-29',
          ts: '1969-12-31T23:59:59.998Z',
          j: { nested: [1, 'two', null, { three: true }], n: 1.5 },
          js: 'just a string',
          avg: 2.5,
          dt: '2026-01-24T19:30:00.123Z',
          nothing: null,
        },
      ]);
    });

    it('asks again while the job runs, and reads every page of the result', async () => {
      const schema = { fields: [{ name: 'n', type: 'INT64', mode: 'NULLABLE' }] };
      fake.script(
        'results',
        { status: 200, body: { jobComplete: false } },
        {
          status: 200,
          body: { jobComplete: true, schema, rows: [{ f: [{ v: '1' }] }], pageToken: 'next' },
        },
        { status: 200, body: { jobComplete: true, schema, rows: [{ f: [{ v: '2' }] }] } },
      );
      const rows = await settle(warehouse.query(sql`SELECT n FROM ${ident('d.t')}`));
      expect(rows).toEqual([{ n: 1 }, { n: 2 }]);
      const pages = fake.requests.filter((r) => r.path.includes('/queries/'));
      expect(pages.map((r) => r.query.pageToken ?? null)).toEqual([null, null, 'next']);
      expect(pages[0]?.query['formatOptions.useInt64Timestamp']).toBe('true');
      expect(jobs()).toHaveLength(1);
    });

    it('refuses an INT64 beyond the safe integers, and types with no portable value, naming them', async () => {
      fake.setResult({ fields: [{ name: 'big', type: 'INT64' }], rows: [['9007199254740993']] });
      const big = await catchError(
        settle(warehouse.query(sql`SELECT big FROM ${ident('d.t')}`)),
        WarehouseError,
      );
      expect(big.message).toMatch(/9007199254740993, beyond Number.MAX_SAFE_INTEGER/);
      // Refused, not retried: the same job would give the same value.
      expect(jobs()).toHaveLength(1);
      for (const type of ['BYTES', 'TIME']) {
        fake.setResult({ fields: [{ name: 'odd', type }], rows: [['AAAA']] });
        const error = await catchError(
          settle(warehouse.query(sql`SELECT odd FROM ${ident('d.t')}`)),
          WarehouseError,
        );
        expect(error.message).toBe(
          `column "odd" has the BigQuery type ${type}, which has no portable JS value: cast it in the query`,
        );
      }
    });

    it('runs a statement that writes after the merges called before it, and returns no rows', async () => {
      fake.script('getJob', dmlStats({ insertedRowCount: '1' }));
      const merging = warehouse.merge(scores, [{ game_key: 'g1', player_id: 1 }]);
      const updating = warehouse.query(
        sql`UPDATE ${ident('nba_raw.scores')} SET points = points + ${10} WHERE game_key = ${'g1'}`,
      );
      expect(await settle(updating)).toEqual([]);
      await settle(merging);
      const order = fake.requests.map((r) =>
        r.method === 'GET' && /\/jobs\/[^/]+$/.test(r.path)
          ? 'merge stats'
          : r.method === 'POST'
            ? String(
                (r.body as { configuration: { query: QueryConfig } }).configuration.query.query,
              ).slice(0, 6)
            : 'results',
      );
      expect(order.filter((step) => step !== 'results')).toEqual([
        'MERGE ',
        'merge stats',
        'UPDATE',
      ]);
    });
  });

  describe('errors', () => {
    it('maps a 400 invalidQuery to a permanent WarehouseSqlError, at once', async () => {
      fake.script(
        'jobs',
        bigQueryErrorAnswer({
          status: 400,
          reason: 'invalidQuery',
          message: 'Unrecognized name: pts at [1:8]',
        }),
      );
      const error = await catchError(
        settle(warehouse.query(sql`SELECT pts FROM ${ident('nba_raw.scores')}`)),
        WarehouseSqlError,
      );
      expect(error.permanent).toBe(true);
      expect(error.message).toMatch(/Unrecognized name: pts at \[1:8\]/);
      expect(jobs()).toHaveLength(1);
    });

    it('retries a 503 through the client, then returns the rows', async () => {
      fake.script(
        'jobs',
        bigQueryErrorAnswer({ status: 503, reason: 'backendError', message: 'Backend error' }),
      );
      fake.setResult({ fields: [{ name: 'n', type: 'INT64' }], rows: [['4']] });
      expect(await settle(warehouse.count(scores))).toBe(4);
      expect(texts()).toEqual([
        'SELECT COUNT(*) AS n FROM `demo-project.dev_nba_raw.scores`',
        'SELECT COUNT(*) AS n FROM `demo-project.dev_nba_raw.scores`',
      ]);
    });

    it('gives up on a lasting 503 with a WarehouseError that is not permanent', async () => {
      fake.script(
        'jobs',
        ...[1, 2, 3].map(() =>
          bigQueryErrorAnswer({ status: 503, reason: 'backendError', message: 'Backend error' }),
        ),
      );
      const error = await catchError(settle(warehouse.count(scores)), WarehouseError);
      expect(WarehouseSqlError.isInstance(error)).toBe(false);
      expect(jobs()).toHaveLength(3);
    });

    it('maps a missing table to a WarehouseError naming it', async () => {
      fake.script(
        'jobs',
        bigQueryErrorAnswer({
          status: 404,
          reason: 'notFound',
          message: 'Not found: Table demo-project:dev_nba_raw.scores',
        }),
      );
      const error = await catchError(settle(warehouse.count(scores)), WarehouseError);
      expect(error.message).toMatch(/reading nba_raw.scores failed: Not found/);
    });
  });

  describe('duplicates and close', () => {
    it('counts the keys that appear twice with one grouped query', async () => {
      fake.setResult({ fields: [{ name: 'n', type: 'INT64' }], rows: [['2']] });
      expect(await settle(warehouse.duplicates(scores))).toBe(2);
      expect(texts()).toEqual([
        'SELECT COUNT(*) AS n FROM (SELECT 1 FROM `demo-project.dev_nba_raw.scores` GROUP BY `game_key`, `player_id` HAVING COUNT(*) > 1)',
      ]);
    });

    it('waits for calls in flight, then refuses new ones', async () => {
      fake.script('getJob', dmlStats({ insertedRowCount: '1' }));
      const merging = warehouse.merge(scores, [{ game_key: 'g1', player_id: 1 }]);
      const closing = warehouse.close();
      expect(await settle(merging)).toEqual({ inserted: 1, updated: 0 });
      await closing;
      const error = await catchError(warehouse.count(scores), WarehouseError);
      expect(error.message).toMatch(/closed/);
    });
  });
});
