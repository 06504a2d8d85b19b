import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBigQuery, ident, insertRows, mergeRows, query, sql } from './bigquery.js';
import { closeAll } from './pool.js';

// Runs against real BigQuery only when a project and credentials are given; there is no
// BigQuery emulator to run it on otherwise.
const project = process.env.PIPEWELL_BIGQUERY_TEST_PROJECT;
const live = Boolean(
  project && (process.env.GOOGLE_APPLICATION_CREDENTIALS || process.env.PIPEWELL_BIGQUERY_USE_ADC),
);
if (!live) {
  // biome-ignore lint/suspicious/noConsole: a skipped live suite must say so
  console.warn(
    '@pipewell/clients: live BigQuery suite skipped (set PIPEWELL_BIGQUERY_TEST_PROJECT and GOOGLE_APPLICATION_CREDENTIALS to run it)',
  );
}

describe.skipIf(!live)('BigQuery, live', () => {
  const dataset = `pipewell_test_${Date.now()}`;
  const table = ident(dataset, 'box_scores');

  beforeAll(async () => {
    const bigquery = getBigQuery({ projectId: project as string });
    await bigquery.createDataset(dataset, { location: 'US' });
    await bigquery.dataset(dataset).createTable('box_scores', {
      schema: 'game_id:STRING,player_id:INT64,points:INT64',
    });
  }, 60_000);

  afterAll(async () => {
    await getBigQuery({ projectId: project as string })
      .dataset(dataset)
      .delete({ force: true });
    await closeAll();
  });

  it('keeps injection payloads as data', async () => {
    const rows = await query<{ s: string }>(sql`SELECT ${"' OR 1=1 --"} AS s`);
    expect(rows).toEqual([{ s: "' OR 1=1 --" }]);
  });

  it('reads back STRUCT parameters whose `type` and `value` fields read like BigQuery types', async () => {
    const events = [
      { type: 'OVERTIME', value: 'x' },
      { type: 'UPDATE', value: 'y' },
    ];
    const rows = await query<{ type: string; value: string }>(
      sql`SELECT e.type, e.value FROM UNNEST(${events}) AS e ORDER BY e.type`,
    );
    expect(rows).toEqual(events);
  });

  it('reports refused rows and keeps the good ones', async () => {
    const result = await insertRows(`${dataset}.box_scores`, [
      { game_id: 'g1', player_id: 1, points: 30 },
      { game_id: 'g1', player_id: 2, points: 'many' },
    ]);
    expect(result.inserted).toBe(1);
    expect(result.failed.map((f) => f.index)).toEqual([1]);
  }, 60_000);

  it('merges idempotently', async () => {
    const rows = [{ game_id: 'g2', player_id: 7, points: 12 }];
    await mergeRows(table, rows, { keys: ['game_id', 'player_id'] });
    await mergeRows(table, rows, { keys: ['game_id', 'player_id'] });
    const counted = await query<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM ${table} WHERE game_id = ${'g2'}`,
    );
    expect(counted).toEqual([{ n: 1 }]);
  }, 120_000);
});
