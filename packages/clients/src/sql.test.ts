import { describe, expect, it } from 'vitest';
import { ClientConfigError } from './project.js';
import { column, ident, isSqlQuery, sql, typed, unsafeRawSql } from './sql.js';
import { loadAlone } from './test-support/load-alone.js';

describe('@pipewell/clients/sql', () => {
  it('loads without any Google Cloud SDK', async () => {
    expect(await loadAlone('sql.ts')).toEqual([
      'column',
      'ident',
      'isSqlQuery',
      'sql',
      'typed',
      'unsafeRawSql',
    ]);
  }, 60_000);

  it('(the same check refuses the BigQuery entry, which needs the SDK)', async () => {
    const error = await loadAlone('bigquery.ts').catch((e: unknown) => e);
    expect((error as { stderr?: string }).stderr).toContain(
      'loaded the SDK: @google-cloud/bigquery',
    );
  }, 60_000);

  it('builds a query: text with @p names, the values as given, and their types', () => {
    const q = sql`SELECT * FROM ${ident('d.t')} WHERE id = ${7n} AND day = ${typed('2026-01-24', 'DATE')}`;
    expect(isSqlQuery(q)).toBe(true);
    expect(q.text).toBe('SELECT * FROM `d.t` WHERE id = @p0 AND day = @p1');
    expect(q.params).toEqual({ p0: 7n, p1: '2026-01-24' });
    expect(q.types).toEqual({ p0: 'INT64', p1: 'DATE' });
  });
});

describe('column() inside sql', () => {
  it('is placed as a quoted identifier, not sent as a string parameter', () => {
    const q = sql`SELECT ${column('points')} FROM ${ident('d.t')} WHERE team = ${'BOS'} ORDER BY ${column('game_date')} DESC`;
    expect(q.text).toBe('SELECT `points` FROM `d.t` WHERE team = @p0 ORDER BY `game_date` DESC');
    expect(q.params).toEqual({ p0: 'BOS' });
    expect(q.types).toEqual({ p0: 'STRING' });
  });

  it('places an array of identifiers as a comma-separated list', () => {
    const wanted = ['player_id', 'points'].map(column);
    const q = sql`SELECT ${wanted} FROM ${ident('d.t')} WHERE player_id IN UNNEST(${[1, 2]})`;
    expect(q.text).toBe('SELECT `player_id`, `points` FROM `d.t` WHERE player_id IN UNNEST(@p0)');
    expect(q.params).toEqual({ p0: [1, 2] });
  });

  it('refuses an array that mixes identifiers and values', () => {
    const error = thrown(() => sql`SELECT ${[column('a'), 'b']}`);
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      'value 1 mixes identifiers (column(), ident()) with values',
    );
  });

  it('refuses a name that is not a column name, before any query is built', () => {
    const error = thrown(() => column('points; DROP TABLE x'));
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as ClientConfigError).option).toBe('column');
    expect((error as ClientConfigError).subject).toBe('column');
  });

  it('reads as its quoted text outside the tag, as ident() does', () => {
    expect(column('game_date').quoted).toBe('`game_date`');
    expect(String(column('game_date'))).toBe('`game_date`');
    expect(['a', 'b'].map(column).join(', ')).toBe('`a`, `b`');
    expect(`${ident('d', 't')}`).toBe('`d.t`');
  });
});

function thrown(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('sql refuses what is not a template literal', () => {
  it.each([
    ['a plain array', () => sql(['SELECT * FROM t WHERE id = 7'] as never)],
    ['a string', () => sql('SELECT 1' as never)],
    [
      'an array with raw but too few strings for its values',
      () => sql(Object.assign(['SELECT '], { raw: ['SELECT '] }) as never, 1, 2),
    ],
  ])('%s', (_name, make) => {
    const error = thrown(make);
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as ClientConfigError).option).toBe('sql');
    expect((error as Error).message).toContain('sql is a template tag');
  });

  it('takes a real template strings array, even when passed on by another tag', () => {
    const passOn = (strings: TemplateStringsArray, ...values: unknown[]) => sql(strings, ...values);
    expect(passOn`SELECT ${1}`.text).toBe('SELECT @p0');
  });
});

describe('DATE parameters are calendar dates', () => {
  it.each(['2026-02-30', '2026-04-31', '2026-02-29', '2026-13-01', '2026-1-5', '24/01/2026'])(
    'refuses %s, naming the parameter',
    (date) => {
      const error = thrown(() => sql`SELECT ${'x'}, ${typed(date, 'DATE')}`);
      expect(ClientConfigError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(
        `option "value 2 (@p1)" must be a calendar date as YYYY-MM-DD (got "${date}"`,
      );
    },
  );

  it('says which day the month lacks', () => {
    expect((thrown(() => sql`${typed('2026-02-30', 'DATE')}`) as Error).message).toBe(
      '@pipewell/clients: option "value 1 (@p0)" must be a calendar date as YYYY-MM-DD (got "2026-02-30": 2026-02 has no day 30)',
    );
  });

  it('accepts real dates, leap days in leap years, and a typed null', () => {
    const q = sql`${typed('2024-02-29', 'DATE')} ${typed('2026-12-31', 'DATE')} ${typed(null, 'DATE')}`;
    expect(q.params).toEqual({ p0: '2024-02-29', p1: '2026-12-31', p2: null });
  });

  it('checks every element of a DATE array', () => {
    const error = thrown(() => sql`${typed(['2026-01-24', '2026-02-29'], ['DATE'])}`);
    expect((error as Error).message).toContain('option "value 1 (@p0)[1]" must be a calendar date');
  });
});

describe('INT64 bigints fit in 64 bits', () => {
  const max = 2n ** 63n - 1n;
  const min = -(2n ** 63n);

  it.each([
    ['an inferred bigint', () => sql`${max + 1n}`, 'value 1 (@p0) is 9223372036854775808n'],
    [
      'a typed INT64',
      () => sql`${typed(min - 1n, 'INT64')}`,
      'value 1 (@p0) is -9223372036854775809n',
    ],
    ['an array element', () => sql`${[1n, max + 1n]}`, 'value 1 (@p0)[1] is'],
    ['a STRUCT field', () => sql`${{ id: max + 1n }}`, 'value 1 (@p0).id is'],
  ])('refuses %s outside the range', (_name, make, message) => {
    const error = thrown(make);
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain('outside INT64');
  });

  it('accepts the bounds, and larger bigints typed NUMERIC or BIGNUMERIC', () => {
    const q = sql`${max} ${min} ${typed(2n ** 70n, 'BIGNUMERIC')} ${typed(10n ** 20n, 'NUMERIC')}`;
    expect(q.types).toEqual({ p0: 'INT64', p1: 'INT64', p2: 'BIGNUMERIC', p3: 'NUMERIC' });
  });
});

describe('unsafeRawSql, for text its author trusts', () => {
  it('is a query of the text exactly as given, with no parameters', () => {
    const text = "SELECT game_key, 'it''s @p0' AS note FROM `nba_raw.games` -- operator's own\n";
    const q = unsafeRawSql(text);
    expect(isSqlQuery(q)).toBe(true);
    expect(q.text).toBe(text);
    expect(q.params).toEqual({});
    expect(q.types).toEqual({});
    expect(Object.isFrozen(q)).toBe(true);
    expect(Object.isFrozen(q.params)).toBe(true);
  });

  it('nests inside sql as a fragment, the values around it still parameters', () => {
    const q = sql`${unsafeRawSql('SELECT * FROM `d.t`')} WHERE id = ${7}`;
    expect(q.text).toBe('SELECT * FROM `d.t` WHERE id = @p0');
    expect(q.params).toEqual({ p0: 7 });
  });

  it.each([
    ['a number', () => unsafeRawSql(7 as never), 'got number'],
    ['undefined', () => unsafeRawSql(undefined as never), 'got undefined'],
    ['a query', () => unsafeRawSql(sql`SELECT 1` as never), 'got object'],
    ['a String object', () => unsafeRawSql(new String('SELECT 1') as never), 'got object'],
    [
      'a template literal with a value',
      () =>
        (unsafeRawSql as unknown as (
          s: TemplateStringsArray,
          ...v: unknown[]
        ) => unknown)`SELECT * FROM t WHERE id = ${7}`,
      'got a template strings array',
    ],
  ])('refuses %s: it takes one string', (_name, make, got) => {
    const error = thrown(make);
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as ClientConfigError).option).toBe('unsafeRawSql');
    expect((error as Error).message).toContain(
      `unsafeRawSql takes the statement as one string (${got})`,
    );
    expect((error as Error).message).toContain('write sql`...` so they stay parameters');
  });

  it('refuses values passed beside the text, which it would never bind', () => {
    const error = thrown(() => unsafeRawSql('SELECT * FROM t WHERE id = ', ...([7] as never[])));
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('unsafeRawSql takes no values (got 1)');
  });

  it.each(['', '  \n\t'])('refuses blank text %j', (text) => {
    expect((thrown(() => unsafeRawSql(text)) as Error).message).toContain(
      'unsafeRawSql needs SQL text (got a blank string)',
    );
  });
});
