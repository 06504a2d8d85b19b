import { ident, sql, typed } from '@pipewell/clients/sql';
import { catchError } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processorRunHistory } from './bookkeeping-tables.js';
import {
  WarehouseError,
  WarehouseRowError,
  WarehouseSchemaError,
  WarehouseSqlError,
} from './errors.js';
import type { Warehouse } from './port.js';
import { defineTable, type TableRowInput } from './table.js';

// Unique per run, so suites sharing one backend (a BigQuery project) never see each other's rows.
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let tableCount = 0;

function uniqueName(): string {
  tableCount += 1;
  return `pipewell_contract_${runId}.t${tableCount}`;
}

function scores() {
  return defineTable({
    name: uniqueName(),
    columns: {
      game_key: 'STRING',
      player_id: 'INT64',
      game_date: 'DATE',
      points: 'INT64',
      note: 'STRING',
    },
    keys: ['game_key', 'player_id'],
    partitionBy: 'game_date',
    description: 'contract: one row per player per game',
  });
}

function everyType() {
  return defineTable({
    name: uniqueName(),
    columns: {
      id: 'STRING',
      s: 'STRING',
      i: 'INT64',
      f: 'FLOAT64',
      b: 'BOOL',
      d: 'DATE',
      ts: 'TIMESTAMP',
      j: 'JSON',
    },
    keys: ['id'],
    description: 'contract: a column of every type',
  });
}

type Scores = ReturnType<typeof scores>;

function score(
  game_key: string,
  player_id: number,
  points: number,
  game_date = '2026-01-24',
): TableRowInput<Scores> {
  return { game_key, player_id, game_date, points, note: null };
}

/**
 * The behaviour every {@link Warehouse} adapter must have, as a vitest suite: `open` makes a
 * fresh, open warehouse for each test (the suite closes it). Tables get names unique to the run.
 *
 * @example
 * ```ts
 * warehouseContract('duckdb :memory:', () => openDuckDbWarehouse({ path: ':memory:' }));
 * ```
 */
export function warehouseContract(name: string, open: () => Promise<Warehouse>): void {
  describe(`Warehouse contract: ${name}`, () => {
    let warehouse: Warehouse;

    beforeEach(async () => {
      warehouse = await open();
    });

    afterEach(async () => {
      await warehouse.close();
    });

    async function pointsOf(table: Scores): Promise<Array<Record<string, unknown>>> {
      return warehouse.query(
        sql`SELECT game_key, player_id, points FROM ${ident(table.name)} ORDER BY game_key, player_id`,
      );
    }

    describe('ensureTables', () => {
      it('creates the tables and is idempotent, keeping the rows', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [score('g1', 1, 10)]);
        await warehouse.ensureTables([table]);
        await warehouse.ensureTables([table, table]);
        expect(await warehouse.count(table)).toBe(1);
      });

      it('adds a column a definition gained, NULL in the stored rows', async () => {
        const before = scores();
        await warehouse.ensureTables([before]);
        await warehouse.merge(before, [score('g1', 1, 10)]);
        const after = defineTable({
          name: before.name,
          columns: { ...before.columns, minutes: 'FLOAT64' },
          keys: ['game_key', 'player_id'],
          description: 'contract: with minutes',
        });
        await warehouse.ensureTables([after]);
        await warehouse.merge(after, [{ game_key: 'g2', player_id: 2, minutes: 31.5 }]);
        const rows = await warehouse.query(
          sql`SELECT game_key, minutes FROM ${ident(after.name)} ORDER BY game_key`,
        );
        expect(rows).toEqual([
          { game_key: 'g1', minutes: null },
          { game_key: 'g2', minutes: 31.5 },
        ]);
      });

      it('refuses a column whose type changed, and then changes nothing', async () => {
        const before = scores();
        await warehouse.ensureTables([before]);
        const changed = defineTable({
          name: before.name,
          columns: { ...before.columns, points: 'FLOAT64', extra: 'STRING' },
          keys: ['game_key', 'player_id'],
          description: 'contract: points became FLOAT64',
        });
        const other = scores();
        const error = await catchError(
          warehouse.ensureTables([other, changed]),
          WarehouseSchemaError,
        );
        expect(error.table).toBe(before.name);
        expect(error.column).toBe('points');
        expect(error.message).toMatch(/INT64 in the warehouse and FLOAT64 in the definition/);
        // Neither the other table nor the new column was created.
        await catchError(warehouse.count(other), WarehouseError);
        await warehouse.merge(before, [score('g1', 1, 10)]);
        expect(await pointsOf(before)).toEqual([{ game_key: 'g1', player_id: 1, points: 10 }]);
      });

      it('refuses a definition that lost a stored column', async () => {
        const before = scores();
        await warehouse.ensureTables([before]);
        const { note: _note, ...columns } = before.columns;
        const lost = defineTable({
          name: before.name,
          columns,
          keys: ['game_key', 'player_id'],
          description: 'contract: without note',
        });
        const error = await catchError(warehouse.ensureTables([lost]), WarehouseSchemaError);
        expect(error.column).toBe('note');
        expect(error.message).toMatch(/the definition does not: ensureTables never drops a column/);
      });

      it('refuses a change of keys', async () => {
        const before = scores();
        await warehouse.ensureTables([before]);
        const rekeyed = defineTable({
          name: before.name,
          columns: before.columns,
          keys: ['game_key'],
          description: 'contract: keyed on game_key alone',
        });
        const error = await catchError(warehouse.ensureTables([rekeyed]), WarehouseSchemaError);
        expect(error.column).toBe('player_id');
      });
    });

    describe('merge', () => {
      it('inserts new keys and updates existing ones, reporting each', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        expect(
          await warehouse.merge(table, [score('g1', 1, 10), score('g1', 2, 20), score('g2', 1, 5)]),
        ).toEqual({ inserted: 3, updated: 0 });
        expect(
          await warehouse.merge(table, [score('g1', 2, 22), score('g2', 1, 6), score('g3', 9, 1)]),
        ).toEqual({ inserted: 1, updated: 2 });
        expect(await pointsOf(table)).toEqual([
          { game_key: 'g1', player_id: 1, points: 10 },
          { game_key: 'g1', player_id: 2, points: 22 },
          { game_key: 'g2', player_id: 1, points: 6 },
          { game_key: 'g3', player_id: 9, points: 1 },
        ]);
        expect(await warehouse.duplicates(table)).toBe(0);
      });

      it('changes nothing when the same rows are merged again', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        const rows = [score('g1', 1, 10), score('g1', 2, 20)];
        await warehouse.merge(table, rows);
        const before = await warehouse.query(
          sql`SELECT * FROM ${ident(table.name)} ORDER BY player_id`,
        );
        const again = await warehouse.merge(table, rows);
        expect(again.inserted).toBe(0);
        expect(
          await warehouse.query(sql`SELECT * FROM ${ident(table.name)} ORDER BY player_id`),
        ).toEqual(before);
        expect(await warehouse.count(table)).toBe(2);
        expect(await warehouse.duplicates(table)).toBe(0);
      });

      it('writes a non-key column left out of a row as NULL', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [{ ...score('g1', 1, 10), note: 'first' }]);
        await warehouse.merge(table, [{ game_key: 'g1', player_id: 1 }]);
        expect(
          await warehouse.query(sql`SELECT points, note, game_date FROM ${ident(table.name)}`),
        ).toEqual([{ points: null, note: null, game_date: null }]);
      });

      it('returns zero counts for no rows', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        expect(await warehouse.merge(table, [])).toEqual({ inserted: 0, updated: 0 });
      });

      const badRows: Array<[string, unknown, string | undefined, RegExp]> = [
        ['an unknown column', { ...score('g9', 9, 1), pts: 3 }, 'pts', /not a column/],
        ['a missing key', { game_key: 'g9', points: 3 }, 'player_id', /key column/],
        ['a null key', { ...score('g9', 9, 1), game_key: null }, 'game_key', /key column/],
        ['a string for INT64', { ...score('g9', 9, 1), points: '3' }, 'points', /expected INT64/],
        ['a fraction for INT64', { ...score('g9', 9, 1), points: 3.5 }, 'points', /expected INT64/],
        ['an unsafe integer', { ...score('g9', 9, 1), points: 2 ** 53 + 2 }, 'points', /MAX_SAFE/],
        ['a date that does not exist', score('g9', 9, 1, '2026-02-30'), 'game_date', /DATE/],
        [
          'a Date object for DATE',
          { ...score('g9', 9, 1), game_date: new Date() },
          'game_date',
          /DATE/,
        ],
        ['a row that is not an object', 'g9', undefined, /plain object/],
      ];
      it.each(badRows)('writes nothing when a row has %s', async (_, bad, column, message) => {
        const table = scores();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [score('g1', 1, 10)]);
        const rows = [score('g1', 1, 99), score('g2', 2, 20), bad] as TableRowInput<Scores>[];
        const error = await catchError(warehouse.merge(table, rows), WarehouseRowError);
        expect(error.table).toBe(table.name);
        expect(error.rowIndex).toBe(2);
        expect(error.column).toBe(column);
        expect(error.message).toMatch(message);
        expect(error.message).toContain(`${table.name} row 2`);
        expect(await pointsOf(table)).toEqual([{ game_key: 'g1', player_id: 1, points: 10 }]);
      });

      it('refuses two rows with one key, writing nothing', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        const error = await catchError(
          warehouse.merge(table, [score('g1', 1, 10), score('g2', 1, 5), score('g1', 1, 11)]),
          WarehouseRowError,
        );
        expect(error.rowIndex).toBe(2);
        expect(error.message).toMatch(/same key .* as row 0/);
        expect(await warehouse.count(table)).toBe(0);
      });

      it('runs concurrent merges one after another, in call order', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        const results = await Promise.all(
          [1, 2, 3, 4, 5].map((points) => warehouse.merge(table, [score('g1', 1, points)])),
        );
        expect(results).toEqual([
          { inserted: 1, updated: 0 },
          ...Array(4).fill({ inserted: 0, updated: 1 }),
        ]);
        expect(await pointsOf(table)).toEqual([{ game_key: 'g1', player_id: 1, points: 5 }]);
      });

      it('writes nothing when the signal has already aborted', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        const reason = new Error('shutting down');
        const signal = AbortSignal.abort(reason);
        expect(await catchError(warehouse.merge(table, [score('g1', 1, 1)], { signal }))).toBe(
          reason,
        );
        expect(await warehouse.count(table)).toBe(0);
      });

      it('updates one processor run in place from start to end', async () => {
        await warehouse.ensureTables([processorRunHistory]);
        const start = {
          run_id: `run-${runId}`,
          processor: 'box-scores',
          phase: 2,
          data_date: '2026-01-24',
          status: 'running',
          attempt: 1,
          started_at: '2026-01-25T06:00:00.000Z',
          heartbeat_at: '2026-01-25T06:00:00.000Z',
        };
        expect(await warehouse.merge(processorRunHistory, [start])).toEqual({
          inserted: 1,
          updated: 0,
        });
        const end = {
          ...start,
          status: 'degraded',
          rows_processed: 412,
          degraded: true,
          degraded_reasons: [{ upstream: 'odds', reason: 'stale' }],
          finished_at: '2026-01-25T06:00:04.250Z',
          heartbeat_at: '2026-01-25T06:00:04.000Z',
        };
        expect(await warehouse.merge(processorRunHistory, [end])).toEqual({
          inserted: 0,
          updated: 1,
        });
        const rows = await warehouse.query(
          sql`SELECT * FROM ${ident(processorRunHistory.name)} WHERE run_id = ${start.run_id}`,
        );
        expect(rows).toEqual([{ ...end, error_message: null, error_class: null }]);
      });
    });

    describe('replacePartition', () => {
      it('makes one date hold exactly the rows given, leaving other dates alone', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [
          score('g1', 1, 10),
          score('g1', 2, 20),
          score('g1', 3, 30),
          score('g0', 1, 7, '2026-01-23'),
        ]);
        const result = await warehouse.replacePartition(table, '2026-01-24', [
          score('g1', 1, 11),
          score('g1', 4, 40),
        ]);
        expect(result).toEqual({ inserted: 1, updated: 1, deleted: 2 });
        expect(await pointsOf(table)).toEqual([
          { game_key: 'g0', player_id: 1, points: 7 },
          { game_key: 'g1', player_id: 1, points: 11 },
          { game_key: 'g1', player_id: 4, points: 40 },
        ]);
        expect(await warehouse.replacePartition(table, '2026-01-24', [])).toEqual({
          inserted: 0,
          updated: 0,
          deleted: 2,
        });
        expect(await warehouse.count(table)).toBe(1);
      });

      it('refuses a row of another date, writing nothing', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [score('g1', 1, 10)]);
        const error = await catchError(
          warehouse.replacePartition(table, '2026-01-24', [
            score('g1', 1, 11),
            score('g2', 1, 5, '2026-01-25'),
          ]),
          WarehouseRowError,
        );
        expect(error.rowIndex).toBe(1);
        expect(error.column).toBe('game_date');
        expect(await pointsOf(table)).toEqual([{ game_key: 'g1', player_id: 1, points: 10 }]);
      });
      it('refuses a table without partitionBy and a date that is not a calendar date', async () => {
        const unpartitioned = defineTable({
          name: uniqueName(),
          columns: { id: 'STRING' },
          keys: ['id'],
          description: 'contract: no partition',
        });
        const table = scores();
        await warehouse.ensureTables([unpartitioned, table]);
        const none = await catchError(
          warehouse.replacePartition(unpartitioned, '2026-01-24', []),
          WarehouseError,
        );
        expect(none.message).toMatch(/needs a table with partitionBy/);
        const bad = await catchError(
          warehouse.replacePartition(table, '2026-02-30', []),
          WarehouseError,
        );
        expect(bad.message).toMatch(/calendar date/);
      });
    });

    describe('types', () => {
      it('round-trips every column type, NULL included', async () => {
        const table = everyType();
        await warehouse.ensureTables([table]);
        const rows = [
          {
            id: 'a',
            s: 'Dončić \'quoted\' "double" `tick` \\ back',
            i: Number.MAX_SAFE_INTEGER,
            f: 0.1,
            b: true,
            d: '2024-02-29',
            ts: '2026-01-24T19:30:00.123Z',
            j: { nested: [1, 'two', null, { three: true }], n: 1.5 },
          },
          {
            id: 'b',
            s: '',
            i: -Number.MAX_SAFE_INTEGER,
            f: -1e300,
            b: false,
            d: '1970-01-01',
            ts: '1969-12-31T23:59:59.999Z',
            j: ['x'],
          },
          { id: 'c', s: null, i: null, f: null, b: null, d: null, ts: null, j: null },
          { id: 'd', i: 0, f: 42, j: 'just a string' },
          { id: 'e', j: 7 },
          { id: 'f', j: false },
        ] as const;
        await warehouse.merge(table, rows);
        const back = await warehouse.query(sql`SELECT * FROM ${ident(table.name)} ORDER BY id`);
        const nulls = { s: null, i: null, f: null, b: null, d: null, ts: null, j: null };
        expect(back).toEqual(rows.map((row) => ({ ...nulls, ...row })));
      });

      it('reads a timestamp written with an offset back in UTC', async () => {
        const table = everyType();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [{ id: 'a', ts: '2026-01-24T20:30:00+01:00' }]);
        expect(await warehouse.query(sql`SELECT ts FROM ${ident(table.name)}`)).toEqual([
          { ts: '2026-01-24T19:30:00.000Z' },
        ]);
      });

      it('returns aggregates as the JS types of their columns', async () => {
        const table = everyType();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [
          { id: 'a', i: 2, f: 1.5, d: '2026-01-24', ts: '2026-01-24T01:00:00.000Z' },
          { id: 'b', i: 3, f: 2.5, d: '2026-01-25', ts: '2026-01-25T01:00:00.000Z' },
        ]);
        const [row] = await warehouse.query(
          sql`SELECT COUNT(*) AS n, SUM(i) AS total, AVG(f) AS mean, MIN(d) AS first_day,
                     MAX(ts) AS last_ts, CAST(SUM(i) AS FLOAT64) AS total_float,
                     SAFE_DIVIDE(SUM(i), 0) AS nothing, SAFE_DIVIDE(SUM(i), 2) AS half
              FROM ${ident(table.name)}`,
        );
        expect(row).toEqual({
          n: 2,
          total: 5,
          mean: 2,
          first_day: '2026-01-24',
          last_ts: '2026-01-25T01:00:00.000Z',
          total_float: 5,
          nothing: null,
          half: 2.5,
        });
      });
    });

    describe('query', () => {
      async function filled() {
        const table = everyType();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [
          {
            id: 'a',
            s: 'x',
            i: 1,
            f: 0.5,
            b: true,
            d: '2026-01-24',
            ts: '2026-01-24T10:00:00.000Z',
            j: { k: 1 },
          },
          {
            id: 'b',
            s: 'y',
            i: 2,
            f: 1.5,
            b: false,
            d: '2026-01-25',
            ts: '2026-01-25T10:00:00.000Z',
            j: { k: 2 },
          },
          {
            id: 'c',
            s: 'z',
            i: 3,
            f: 2.5,
            b: true,
            d: '2026-01-26',
            ts: '2026-01-26T10:00:00.000Z',
            j: { k: 3 },
          },
        ]);
        return table;
      }

      async function ids(table: ReturnType<typeof everyType>, where: ReturnType<typeof sql>) {
        const rows = await warehouse.query<{ id: string }>(
          sql`SELECT id FROM ${ident(table.name)} WHERE ${where} ORDER BY id`,
        );
        return rows.map((row) => row.id);
      }

      it('binds parameters of every type', async () => {
        const table = await filled();
        expect(await ids(table, sql`s = ${'y'}`)).toEqual(['b']);
        expect(await ids(table, sql`i >= ${2}`)).toEqual(['b', 'c']);
        expect(await ids(table, sql`i = ${3n}`)).toEqual(['c']);
        expect(await ids(table, sql`f > ${1.25}`)).toEqual(['b', 'c']);
        expect(await ids(table, sql`b = ${true}`)).toEqual(['a', 'c']);
        expect(await ids(table, sql`d = ${typed('2026-01-25', 'DATE')}`)).toEqual(['b']);
        expect(await ids(table, sql`ts > ${new Date('2026-01-25T00:00:00Z')}`)).toEqual(['b', 'c']);
        expect(
          await ids(table, sql`ts < ${typed('2026-01-25T10:00:00+01:00', 'TIMESTAMP')}`),
        ).toEqual(['a']);
        expect(await ids(table, sql`s IN (SELECT * FROM UNNEST(${['x', 'z']}))`)).toEqual([
          'a',
          'c',
        ]);
        expect(await ids(table, sql`i IN (SELECT * FROM UNNEST(${[2, 3]}))`)).toEqual(['b', 'c']);
        expect(
          await ids(table, sql`s IN (SELECT * FROM UNNEST(${typed([], ['STRING'])}))`),
        ).toEqual([]);
        expect(await ids(table, sql`${typed(null, 'STRING')} IS NULL AND i = ${1}`)).toEqual(['a']);
        expect(
          await ids(
            table,
            sql`d IN (SELECT * FROM UNNEST(${typed(['2026-01-24', '2026-01-26'], ['DATE'])}))`,
          ),
        ).toEqual(['a', 'c']);
      });

      it('keeps values that look like SQL as data', async () => {
        const table = everyType();
        await warehouse.ensureTables([table]);
        const attacks = [
          `'); DROP TABLE ${table.name}; --`,
          "' OR 1=1 --",
          '`; DELETE FROM x; --',
          '" OR "1"="1',
          '@p0 $1 ? \\',
        ];
        await warehouse.merge(
          table,
          attacks.map((s, index) => ({ id: `r${index}`, s })),
        );
        for (const attack of attacks) {
          const rows = await warehouse.query(
            sql`SELECT s FROM ${ident(table.name)} WHERE s = ${attack}`,
          );
          expect(rows).toEqual([{ s: attack }]);
        }
        expect(await ids(table, sql`s = ${"' OR 1=1 --"} OR FALSE`)).toEqual(['r1']);
        expect(await warehouse.count(table)).toBe(attacks.length);
      });

      it('refuses a string in place of a sql query', async () => {
        const error = await catchError(
          warehouse.query('SELECT 1' as unknown as ReturnType<typeof sql>),
          WarehouseSqlError,
        );
        expect(error.message).toMatch(/sql tag/);
      });

      it('runs a statement that writes, and returns no rows', async () => {
        const table = everyType();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [{ id: 'a', i: 1 }]);
        expect(
          await warehouse.query(sql`UPDATE ${ident(table.name)} SET i = ${5} WHERE id = ${'a'}`),
        ).toEqual([]);
        expect(await warehouse.query(sql`SELECT i FROM ${ident(table.name)}`)).toEqual([{ i: 5 }]);
      });
      it('runs a statement that writes after the merges called before it', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        const merging = warehouse.merge(table, [score('g1', 1, 1)]);
        const updating = warehouse.query(
          sql`UPDATE ${ident(table.name)} SET points = points + ${10} WHERE game_key = ${'g1'}`,
        );
        await Promise.all([merging, updating]);
        expect(await pointsOf(table)).toEqual([{ game_key: 'g1', player_id: 1, points: 11 }]);
      });
    });

    describe('duplicates', () => {
      it('counts the keys that rows inserted behind its back repeat', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        await warehouse.merge(table, [score('g1', 1, 10), score('g1', 2, 20), score('g2', 1, 5)]);
        expect(await warehouse.duplicates(table)).toBe(0);
        const insert = (game: string, player: number) =>
          warehouse.query(
            sql`INSERT INTO ${ident(table.name)} (game_key, player_id, points) VALUES (${game}, ${player}, ${0})`,
          );
        await insert('g1', 1);
        expect(await warehouse.duplicates(table)).toBe(1);
        await insert('g1', 1);
        expect(await warehouse.duplicates(table)).toBe(1);
        await insert('g2', 1);
        expect(await warehouse.duplicates(table)).toBe(2);
        // Same game, another player: not a duplicate of the two-column key.
        await insert('g2', 7);
        expect(await warehouse.duplicates(table)).toBe(2);
        expect(await warehouse.count(table)).toBe(7);
      });
    });

    describe('close', () => {
      it('waits for calls in flight, then refuses new ones', async () => {
        const table = scores();
        await warehouse.ensureTables([table]);
        const merging = warehouse.merge(table, [score('g1', 1, 10)]);
        const closing = warehouse.close();
        expect(await merging).toEqual({ inserted: 1, updated: 0 });
        await closing;
        await warehouse.close();
        const error = await catchError(warehouse.count(table), WarehouseError);
        expect(error.message).toMatch(/closed/);
        await catchError(warehouse.query(sql`SELECT ${1} AS one`), WarehouseError);
      });
    });
  });
}
