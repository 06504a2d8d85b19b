import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from '@pipewell/clients/sql';
import { catchError } from '@pipewell/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataDir } from '../data-dir/index.js';
import { defineTable, openDuckDbWarehouse, WarehouseSqlError } from '../warehouse/index.js';
import { type CliDeps, runCli } from './cli.js';
import { CliInputError } from './errors.js';
import { queryWarehouseFile, readOnlyProblem } from './query.js';
import { collector } from './test-support.js';

const games = defineTable({
  name: 'nba_raw.games',
  columns: { game_key: 'STRING', game_date: 'DATE', home_points: 'INT64' },
  keys: ['game_key'],
  description: 'test: one row per game',
});

const deps: CliDeps = {
  openEngine: () => Promise.reject(new Error('query must not open the engine')),
};

let root: string;
let dir: string;

async function query(...args: string[]) {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(['query', ...args], { stdout, stderr, env: {}, isTTY: false }, deps);
  return { code, stdout, stderr };
}

async function countGames(): Promise<number> {
  const holder = await openDataDir(dir, { command: 'test' });
  try {
    await using warehouse = await openDuckDbWarehouse({ path: holder.warehousePath });
    return await warehouse.count(games);
  } finally {
    await holder.close();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipewell-cli-query-'));
  dir = join(root, 'data');
  await using dataDir = await openDataDir(dir, { command: 'test' });
  await using warehouse = await openDuckDbWarehouse({ path: dataDir.warehousePath });
  await warehouse.ensureTables([games]);
  await warehouse.merge(games, [
    { game_key: '20260124_BOS_CHI', game_date: '2026-01-24', home_points: 112 },
    { game_key: '20260124_LAL_DEN', game_date: '2026-01-24', home_points: 99 },
  ]);
  // A SELECT that writes (nextval), which no keyword scan catches.
  await warehouse.query(sql`CREATE SEQUENCE nba_raw.game_seq`);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pipewell query', () => {
  it('prints the rows of a SELECT on the warehouse file as a table', async () => {
    const { code, stdout, stderr } = await query(
      'SELECT game_key, home_points FROM `nba_raw.games` ORDER BY game_key',
      '--data-dir',
      dir,
    );
    expect(stderr.text).toBe('');
    expect(code).toBe(0);
    const lines = stdout.lines().map((line) =>
      line
        .split('│')
        .map((c) => c.trim())
        .filter(Boolean),
    );
    expect(lines).toContainEqual(['game_key', 'home_points']);
    expect(lines).toContainEqual(['20260124_BOS_CHI', '112']);
    expect(lines).toContainEqual(['20260124_LAL_DEN', '99']);
  });

  it('--json prints one JSON object per line', async () => {
    const { code, stdout } = await query(
      'WITH g AS (SELECT * FROM `nba_raw.games`) SELECT game_key, game_date, home_points FROM g ORDER BY home_points',
      '--data-dir',
      dir,
      '--json',
    );
    expect(code).toBe(0);
    expect(stdout.lines().map((line) => JSON.parse(line))).toEqual([
      { game_key: '20260124_LAL_DEN', game_date: '2026-01-24', home_points: 99 },
      { game_key: '20260124_BOS_CHI', game_date: '2026-01-24', home_points: 112 },
    ]);
  });

  it('says (no rows) for an empty result', async () => {
    const { code, stdout } = await query(
      'SELECT * FROM `nba_raw.games` WHERE home_points > 500',
      '--data-dir',
      dir,
    );
    expect(code).toBe(0);
    expect(stdout.text).toBe('(no rows)\n');
  });

  it.each([
    ['DELETE FROM `nba_raw.games`', 'a DELETE statement is refused: query only reads'],
    ['drop table `nba_raw.games`', 'a DROP statement is refused'],
    [
      'WITH x AS (SELECT 1) INSERT INTO `nba_raw.games` SELECT * FROM x',
      'INSERT is refused: query only reads',
    ],
    ["COPY `nba_raw.games` TO '/tmp/x.csv'", 'a COPY statement is refused'],
    ['SELECT 1; DELETE FROM `nba_raw.games`', 'DELETE is refused'],
    ['   ', 'the query is empty'],
  ])('refuses %j with one line, and the table keeps its rows', async (text, message) => {
    const { code, stdout, stderr } = await query(text, '--data-dir', dir);
    expect(code).toBe(2);
    expect(stdout.text).toBe('');
    expect(stderr.lines()).toHaveLength(1);
    expect(stderr.text).toContain(`pipewell query: ${message}`);
    expect(await countGames()).toBe(2);
  });

  it('reads words that write only outside literals and comments', () => {
    expect(
      readOnlyProblem("SELECT 'delete me' AS note -- drop\nFROM `nba_raw.games`"),
    ).toBeUndefined();
    expect(readOnlyProblem('SELECT updated_at, created FROM t')).toBeUndefined();
    expect(readOnlyProblem('SELECT 1 /* */ ; UPDATE t SET a = 1')).toContain('UPDATE');
  });

  it('names a missing data directory without creating it', async () => {
    const missing = join(root, 'nowhere');
    const { code, stderr } = await query('SELECT 1', '--data-dir', missing);
    expect(code).toBe(2);
    expect(stderr.text).toBe(
      `pipewell query: no pipewell data directory at ${missing}: run \`pipewell run\` first, or pass --data-dir\n`,
    );
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a directory that is not a data directory, a corrupt one, and a busy one', async () => {
    const plain = join(root, 'plain');
    await openDataDir(plain, { command: 'x' }).then((d) => d.close());
    await rm(join(plain, 'pipewell.json'));
    expect((await query('SELECT 1', '--data-dir', plain)).stderr.text).toContain(
      'is not a pipewell data directory (it has no pipewell.json)',
    );

    const damaged = join(root, 'damaged');
    await openDataDir(damaged, { command: 'x' }).then((d) => d.close());
    await writeFile(join(damaged, 'pipewell.json'), '{ not json');
    const corrupt = await query('SELECT 1', '--data-dir', damaged);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr.lines()).toHaveLength(1);
    expect(corrupt.stderr.text).toContain('pipewell.json is corrupt');
    expect(corrupt.stderr.text).not.toContain('    at ');
  });

  it('says which process holds a busy data directory', async () => {
    await using held = await openDataDir(dir, { command: 'pipewell run' });
    const { code, stderr } = await query('SELECT 1', '--data-dir', dir);
    expect(held.path).toBeTruthy();
    expect(code).toBe(2);
    expect(stderr.text).toMatch(
      new RegExp(
        `^pipewell query: pipewell run \\(pid ${process.pid}\\) is using .* since .*; wait for it or stop it\\n$`,
      ),
    );
  });

  it('names a data directory that has no warehouse yet', async () => {
    const fresh = join(root, 'fresh');
    await openDataDir(fresh, { command: 'x' }).then((d) => d.close());
    const { code, stderr } = await query('SELECT 1', '--data-dir', fresh);
    expect(code).toBe(2);
    expect(stderr.text).toContain('has no warehouse yet');
  });
});

describe('queryWarehouseFile', () => {
  async function withWarehousePath<T>(use: (path: string) => Promise<T>): Promise<T> {
    await using holder = await openDataDir(dir, { command: 'test' });
    return use(holder.warehousePath);
  }
  const digest = async (path: string): Promise<string> =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');

  it('reads the file', async () => {
    const rows = await withWarehousePath((path) =>
      queryWarehouseFile(path, 'SELECT game_key FROM `nba_raw.games` ORDER BY game_key'),
    );
    expect(rows).toEqual([{ game_key: '20260124_BOS_CHI' }, { game_key: '20260124_LAL_DEN' }]);
  });

  it('opens the file read-only: DuckDB refuses a write the keyword check lets through', async () => {
    const text = "SELECT nextval('nba_raw.game_seq') AS n";
    expect(readOnlyProblem(text)).toBeUndefined();
    await withWarehousePath(async (path) => {
      const before = await digest(path);
      const error = await catchError(queryWarehouseFile(path, text), WarehouseSqlError);
      expect(error.message).toMatch(/^SELECT refused: the warehouse .* is open read-only/);
      expect(await digest(path)).toBe(before);
    });
    expect(await countGames()).toBe(2);
  });

  it("refuses a writing statement in the operator's words before opening anything", async () => {
    const error = await catchError(
      queryWarehouseFile(join(root, 'not-there.duckdb'), 'DELETE FROM `nba_raw.games`'),
      CliInputError,
    );
    expect(error.message).toBe(
      'a DELETE statement is refused: query only reads (start with SELECT or WITH)',
    );
    expect(existsSync(join(root, 'not-there.duckdb'))).toBe(false);
  });
});
