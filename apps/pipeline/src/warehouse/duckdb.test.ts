import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ident, sql } from '@pipewell/clients/sql';
import { catchError } from '@pipewell/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { processorRunHistory, scraperExecutionLog } from './bookkeeping-tables.js';
import { warehouseContract } from './contract.js';
import { openDuckDbWarehouse } from './duckdb.js';
import { WarehouseError, WarehouseSqlError } from './errors.js';
import { defineTable } from './table.js';

const dir = mkdtempSync(join(tmpdir(), 'pipewell-warehouse-'));
let files = 0;
const freshFile = (): string => join(dir, `w${++files}.duckdb`);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

warehouseContract('DuckDB :memory:', () => openDuckDbWarehouse({ path: ':memory:' }));
warehouseContract('DuckDB file', () => openDuckDbWarehouse({ path: freshFile() }));

const games = defineTable({
  name: 'nba_raw.games',
  columns: { game_key: 'STRING', game_date: 'DATE', home_points: 'INT64' },
  keys: ['game_key'],
  partitionBy: 'game_date',
  description: 'test: one row per game',
});

describe('openDuckDbWarehouse', () => {
  it('keeps the data of a file across a close and a reopen', async () => {
    const path = freshFile();
    const first = await openDuckDbWarehouse({ path });
    await first.ensureTables([games, processorRunHistory, scraperExecutionLog]);
    await first.merge(games, [
      { game_key: '20260124_BOS_CHI', game_date: '2026-01-24', home_points: 101 },
    ]);
    await first.close();

    await using second = await openDuckDbWarehouse({ path });
    await second.ensureTables([games, processorRunHistory, scraperExecutionLog]);
    expect(await second.query(sql`SELECT * FROM ${ident(games.name)}`)).toEqual([
      { game_key: '20260124_BOS_CHI', game_date: '2026-01-24', home_points: 101 },
    ]);
    // The BigQuery stand-ins are per connection, so a reopened file has them too.
    expect(await second.query(sql`SELECT CAST(${1} AS FLOAT64) / 4 AS q`)).toEqual([{ q: 0.25 }]);
  });

  it('refuses a file already open in this process until it is closed', async () => {
    const path = freshFile();
    const first = await openDuckDbWarehouse({ path });
    const error = await catchError(openDuckDbWarehouse({ path }), WarehouseError);
    expect(error.message).toMatch(/already open in this process/);
    await first.close();
    const again = await openDuckDbWarehouse({ path });
    await again.close();
  });

  it('leaks no file descriptors over many opens and closes', async () => {
    const path = freshFile();
    const descriptors = (): number => readdirSync('/proc/self/fd').length;
    const cycle = async (): Promise<void> => {
      const warehouse = await openDuckDbWarehouse({ path });
      await warehouse.ensureTables([games]);
      await warehouse.merge(games, [{ game_key: 'g', game_date: '2026-01-24', home_points: 1 }]);
      await warehouse.count(games);
      await warehouse.close();
    };
    await cycle();
    const before = descriptors();
    for (let index = 0; index < 25; index++) await cycle();
    expect(descriptors()).toBe(before);
  });

  it('refuses a missing path and a bad thread count', async () => {
    await catchError(openDuckDbWarehouse({ path: '' }), WarehouseError);
    const error = await catchError(
      openDuckDbWarehouse({ path: ':memory:', threads: 0 }),
      WarehouseError,
    );
    expect(error.message).toMatch(/threads/);
  });

  it('names the file it cannot open', async () => {
    const error = await catchError(
      openDuckDbWarehouse({ path: join(dir, 'no-such-dir', 'w.duckdb') }),
      WarehouseError,
    );
    expect(error.message).toMatch(/cannot open the DuckDB warehouse at .*no-such-dir/);
  });
});

describe('DuckDB warehouse', () => {
  it('interrupts a running query when its signal aborts, and keeps working', async () => {
    await using warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    const controller = new AbortController();
    const reason = new Error('deadline');
    const running = warehouse.query(
      sql`SELECT COUNT(*) AS n FROM range(${100_000_000}) AS a, range(${100_000_000}) AS b`,
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(reason), 50);
    expect(await catchError(running)).toBe(reason);
    expect(await warehouse.query(sql`SELECT ${1} AS one`)).toEqual([{ one: 1 }]);
  });

  it('refuses statements outside the subset', async () => {
    await using warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    const error = await catchError(warehouse.query(sql`BEGIN TRANSACTION`), WarehouseSqlError);
    expect(error.message).toMatch(/cannot run a TRANSACTION statement/);
    await catchError(warehouse.query(sql`SELECT "a" AS x`), WarehouseSqlError);
  });

  it('refuses results with no portable JS value, naming the column', async () => {
    await using warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    const interval = await catchError(
      warehouse.query(sql`SELECT INTERVAL 1 DAY AS gap`),
      WarehouseError,
    );
    expect(interval.message).toMatch(/column "gap" has the DuckDB type INTERVAL/);
    const big = await catchError(
      warehouse.query(sql`SELECT CAST(${9_007_199_254_740_993n} AS INT64) AS n`),
      WarehouseError,
    );
    expect(big.message).toMatch(/column "n" is 9007199254740993, beyond Number.MAX_SAFE_INTEGER/);
  });

  it('refuses two result columns with one name', async () => {
    await using warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    const error = await catchError(warehouse.query(sql`SELECT 1 AS a, 2 AS a`), WarehouseSqlError);
    expect(error.message).toMatch(/two columns named "a"/);
  });

  it('names the table and the query when DuckDB refuses it', async () => {
    await using warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    const error = await catchError(
      warehouse.query(sql`SELECT * FROM ${ident('nba_raw.missing')}`),
      WarehouseError,
    );
    expect(error.message).toMatch(
      /^query failed: Catalog Error: .*nba_raw.missing[\s\S]*\(in: SELECT \* FROM "nba_raw"."missing"\)$/,
    );
  });

  it('merges 30,000 rows in one call, then updates them all', async () => {
    await using warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    await warehouse.ensureTables([games]);
    const rows = Array.from({ length: 30_000 }, (_, index) => ({
      game_key: `g${index}`,
      game_date: '2026-01-24',
      home_points: index,
    }));
    expect(await warehouse.merge(games, rows)).toEqual({ inserted: 30_000, updated: 0 });
    const again = rows.map((row) => ({ ...row, home_points: row.home_points + 1 }));
    expect(await warehouse.merge(games, again)).toEqual({ inserted: 0, updated: 30_000 });
    expect(
      await warehouse.query(sql`SELECT SUM(home_points) AS total FROM ${ident(games.name)}`),
    ).toEqual([{ total: (29_999 * 30_000) / 2 + 30_000 }]);
    expect(await warehouse.duplicates(games)).toBe(0);
  });
});

describe('openDuckDbWarehouse({ readOnly: true })', () => {
  const row = { game_key: '20260124_BOS_CHI', game_date: '2026-01-24', home_points: 101 };
  const digest = (path: string): string =>
    createHash('sha256').update(readFileSync(path)).digest('hex');

  async function filled(): Promise<string> {
    const path = freshFile();
    await using warehouse = await openDuckDbWarehouse({ path });
    await warehouse.ensureTables([games]);
    await warehouse.merge(games, [row]);
    await warehouse.query(sql`CREATE SEQUENCE nba_raw.game_seq`);
    return path;
  }

  it('reads, and DuckDB refuses every statement that writes, naming its kind', async () => {
    const path = await filled();
    const before = digest(path);
    {
      await using warehouse = await openDuckDbWarehouse({ path, readOnly: true });
      expect(await warehouse.query(sql`SELECT * FROM ${ident(games.name)}`)).toEqual([row]);
      expect(await warehouse.count(games)).toBe(1);
      expect(await warehouse.duplicates(games)).toBe(0);
      // The BigQuery stand-ins are TEMP, so a read-only connection has them too.
      expect(await warehouse.query(sql`SELECT safe_divide(${1}, ${4}) AS q`)).toEqual([
        { q: 0.25 },
      ]);
      const table = ident(games.name);
      for (const [kind, statement] of [
        ['INSERT', sql`INSERT INTO ${table} VALUES (${'g2'}, CAST(${'2026-01-25'} AS DATE), ${1})`],
        ['UPDATE', sql`UPDATE ${table} SET home_points = ${0}`],
        ['DELETE', sql`DELETE FROM ${table}`],
        ['DROP', sql`DROP TABLE ${table}`],
        ['CREATE', sql`CREATE TABLE nba_raw.other (a INT64)`],
        // A SELECT by its kind that writes (a sequence): only DuckDB's read-only mode stops it.
        ['SELECT', sql`SELECT nextval('nba_raw.game_seq') AS n`],
      ] as const) {
        const error = await catchError(warehouse.query(statement), WarehouseSqlError);
        expect(error.message).toMatch(
          new RegExp(`^${kind} refused: the warehouse .*w\\d+\\.duckdb is open read-only`),
        );
      }
      const copy = await catchError(
        warehouse.query(sql`COPY ${table} TO '/tmp/pipewell-never.csv'`),
        WarehouseSqlError,
      );
      expect(copy.message).toMatch(
        /cannot run a COPY statement: a read-only warehouse runs SELECT/,
      );
      expect(await warehouse.count(games)).toBe(1);
    }
    expect(digest(path)).toBe(before);
    expect(existsSync(`${path}.wal`)).toBe(false);
    expect(existsSync('/tmp/pipewell-never.csv')).toBe(false);
  });

  it('refuses merge, replacePartition and ensureTables at once, naming the call', async () => {
    const path = await filled();
    const before = digest(path);
    {
      await using warehouse = await openDuckDbWarehouse({ path, readOnly: true });
      const changed = { ...row, home_points: 1 };
      const calls = [
        ['merge into nba_raw.games', () => warehouse.merge(games, [changed])],
        [
          'replacePartition of nba_raw.games',
          () => warehouse.replacePartition(games, '2026-01-24', [changed]),
        ],
        ['ensureTables', () => warehouse.ensureTables([games])],
      ] as const;
      for (const [what, call] of calls) {
        const error = await catchError(call(), WarehouseSqlError);
        expect(error.permanent).toBe(true);
        expect(error.message).toMatch(
          new RegExp(
            `^${what} is refused: the warehouse .* is open read-only \\(readOnly: true\\)$`,
          ),
        );
      }
      expect(await warehouse.query(sql`SELECT home_points FROM ${ident(games.name)}`)).toEqual([
        { home_points: 101 },
      ]);
    }
    expect(digest(path)).toBe(before);
  });

  it('refuses :memory:, a missing file (creating nothing) and a non-boolean', async () => {
    const memory = await catchError(
      openDuckDbWarehouse({ path: ':memory:', readOnly: true }),
      WarehouseError,
    );
    expect(memory.message).toMatch(/option "readOnly" needs a database file/);
    const missing = join(dir, 'never-written.duckdb');
    const error = await catchError(
      openDuckDbWarehouse({ path: missing, readOnly: true }),
      WarehouseError,
    );
    expect(error.message).toMatch(
      /cannot open the DuckDB warehouse at .*never-written.duckdb read-only/,
    );
    expect(existsSync(missing)).toBe(false);
    const flag = await catchError(
      openDuckDbWarehouse({ path: missing, readOnly: 'yes' as never }),
      WarehouseError,
    );
    expect(flag.message).toBe('option "readOnly" must be true or false (got yes)');
  });
});
