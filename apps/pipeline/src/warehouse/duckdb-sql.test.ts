import { ident, sql } from '@pipewell/clients/sql';
import { catchError } from '@pipewell/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toDuckDbSql } from './duckdb-sql.js';
import { WarehouseSqlError } from './errors.js';

const translate = (query: ReturnType<typeof sql>) =>
  toDuckDbSql(query.text, new Set(Object.keys(query.params)));

describe('toDuckDbSql', () => {
  it('quotes each part of a backtick identifier for DuckDB', () => {
    const query = sql`SELECT ${ident('nba_raw.bdl_player_boxscores')}.points FROM ${ident('nba_raw.bdl_player_boxscores')}`;
    expect(translate(query).text).toBe(
      'SELECT "nba_raw"."bdl_player_boxscores".points FROM "nba_raw"."bdl_player_boxscores"',
    );
    expect(toDuckDbSql('SELECT `points` FROM `games`', new Set()).text).toBe(
      'SELECT "points" FROM "games"',
    );
  });

  it('turns @pN into $pN and lists each parameter once, in order of appearance', () => {
    expect(toDuckDbSql('SELECT @p1, @p0 WHERE a = @p1', new Set(['p0', 'p1']))).toEqual({
      text: 'SELECT $p1, $p0 WHERE a = $p1',
      parameters: ['p1', 'p0'],
    });
  });

  it('translates what the sql tag builds, nested fragments included', () => {
    const where = sql`game_date = ${'2026-01-24'}`;
    const query = sql`SELECT * FROM ${ident('d.t')} WHERE id = ${7} AND ${where}`;
    expect(translate(query)).toEqual({
      text: 'SELECT * FROM "d"."t" WHERE id = $p0 AND game_date = $p1',
      parameters: ['p0', 'p1'],
    });
  });

  it('leaves string literals as they are, whatever they hold', () => {
    fc.assert(
      fc.property(
        fc.string().filter((body) => !body.includes("'") && !body.includes('\\')),
        (body) => {
          const text = `SELECT '${body}' AS s`;
          expect(toDuckDbSql(text, new Set()).text).toBe(text);
        },
      ),
    );
    expect(toDuckDbSql("SELECT '@p0 `x` -- \" ; ? $1' AS s", new Set()).text).toBe(
      "SELECT '@p0 `x` -- \" ; ? $1' AS s",
    );
  });

  it('removes comments, and what they hold is not translated', () => {
    const text = 'SELECT 1 AS a -- @p9 "x"\n, 2 AS b # `q`\n, /* @@v ? */ 3 AS c';
    expect(toDuckDbSql(text, new Set()).text).toBe('SELECT 1 AS a  \n, 2 AS b  \n,   3 AS c');
  });

  it('drops a trailing semicolon, and refuses one before another statement', async () => {
    expect(toDuckDbSql('SELECT 1 AS a; -- done\n', new Set()).text).toBe('SELECT 1 AS a');
    const error = await catchError(
      () => toDuckDbSql('SELECT 1; DROP TABLE t', new Set()),
      WarehouseSqlError,
    );
    expect(error.message).toMatch(/more than one statement/);
  });

  const refused: Array<[string, string, RegExp]> = [
    ['double-quoted text', 'SELECT "a"', /double-quoted text/],
    ['a backslash in a literal', "SELECT 'a\\'b'", /backslash/],
    ['a doubled quote in a literal', "SELECT 'it''s'", /quote inside a string literal/],
    ['a triple-quoted string', "SELECT '''a'''", /triple-quoted/],
    ['a ? parameter', 'SELECT * FROM t WHERE a = ?', /DuckDB's own parameter syntax/],
    ['a $ parameter', 'SELECT * FROM t WHERE a = $1', /DuckDB's own parameter syntax/],
    ['a system variable', 'SELECT @@project_id', /system variable/],
    ['an unknown parameter', 'SELECT @p3', /@p3, which the query does not have/],
    ['a bare @', 'SELECT @ 1', /not a parameter/],
    ['a project-qualified table', 'SELECT * FROM `my-project.d.t`', /project-qualified/],
    ['an empty identifier part', 'SELECT * FROM `d.`', /empty part/],
    ['an unterminated literal', "SELECT 'abc", /unterminated string/],
    ['an unterminated identifier', 'SELECT `abc', /unterminated backtick/],
    ['an unterminated comment', 'SELECT 1 /* no end', /unterminated \/\* comment/],
  ];
  it.each(refused)('refuses %s, naming where', async (_, text, message) => {
    const error = await catchError(() => toDuckDbSql(text, new Set(['p0'])), WarehouseSqlError);
    expect(error.message).toMatch(/^query not in the portable SQL subset: /);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/\(near ".+"\)$/);
    expect(error.permanent).toBe(true);
  });
});
