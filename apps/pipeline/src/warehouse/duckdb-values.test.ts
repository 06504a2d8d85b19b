import { DuckDBTypeId } from '@duckdb/node-api';
import { typed } from '@pipewell/clients/sql';
import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { duckDbParameter } from './duckdb-values.js';
import { WarehouseSqlError } from './errors.js';

describe('duckDbParameter', () => {
  it('binds each portable type as its DuckDB type', () => {
    const cases: Array<[unknown, Parameters<typeof duckDbParameter>[1], DuckDBTypeId]> = [
      ['x', 'STRING', DuckDBTypeId.VARCHAR],
      [7, 'INT64', DuckDBTypeId.BIGINT],
      [7n, 'INT64', DuckDBTypeId.BIGINT],
      [0.5, 'FLOAT64', DuckDBTypeId.DOUBLE],
      [true, 'BOOL', DuckDBTypeId.BOOLEAN],
      ['2026-01-24', 'DATE', DuckDBTypeId.DATE],
      [new Date(0), 'TIMESTAMP', DuckDBTypeId.TIMESTAMP],
      ['{"a":1}', 'JSON', DuckDBTypeId.VARCHAR],
      [null, 'DATE', DuckDBTypeId.DATE],
      [['a'], ['STRING'], DuckDBTypeId.LIST],
      [[], ['INT64'], DuckDBTypeId.LIST],
    ];
    for (const [value, type, typeId] of cases) {
      expect(duckDbParameter(value, type, '@p0').type.typeId).toBe(typeId);
    }
    expect(duckDbParameter({ a: [1] }, 'JSON', '@p0')).toMatchObject({ value: '{"a":[1]}' });
    expect(duckDbParameter(7, 'INT64', '@p0').value).toBe(7n);
  });

  it.each([
    ['a STRUCT', { a: 1 }, undefined, /STRUCT/],
    ['a NUMERIC', 1, 'NUMERIC', /outside the portable subset/],
    ['BYTES', new Uint8Array(1), 'BYTES', /outside the portable subset/],
    ['an unsafe integer', 2 ** 53 + 2, 'INT64', /beyond Number.MAX_SAFE_INTEGER/],
    ['NaN', Number.NaN, 'FLOAT64', /is number NaN, which is not a FLOAT64/],
    ['a null in an array', ['a', null], ['STRING'], /\[1\] is null/],
    ['a string that is not JSON', '{a:1}', 'JSON', /not JSON text/],
    ['a timestamp without a zone', '2026-01-24T10:00:00', 'TIMESTAMP', /not a TIMESTAMP/],
    ['a number typed STRING', 5, 'STRING', /is number 5, which is not a STRING/],
  ] as const)('refuses %s, naming the parameter', async (_, value, type, message) => {
    const error = await catchError(
      () => duckDbParameter(value, type as Parameters<typeof duckDbParameter>[1], 'parameter @p3'),
      WarehouseSqlError,
    );
    expect(error.message).toMatch(/^parameter @p3/);
    expect(error.message).toMatch(message);
  });

  it('takes a typed() NULL with its type', () => {
    const { value, type } = typed(null, 'TIMESTAMP');
    expect(duckDbParameter(value, type, '@p0')).toMatchObject({ value: null });
  });
});
