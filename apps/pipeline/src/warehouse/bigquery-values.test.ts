import { describe, expect, it } from 'vitest';
import { bigQueryRows, isoOfMicros, jsFromBigQuery, rowsFromBigQuery } from './bigquery-values.js';
import { WarehouseError, WarehouseSqlError } from './errors.js';
import { checkRows } from './rows.js';
import { defineTable } from './table.js';

describe('jsFromBigQuery', () => {
  it('reads arrays and STRUCTs as the REST API nests them, element by element', () => {
    const field = {
      name: 'games',
      type: 'RECORD',
      mode: 'REPEATED',
      fields: [
        { name: 'day', type: 'DATE' },
        { name: 'points', type: 'INT64', mode: 'REPEATED' },
        { name: 'at', type: 'TIMESTAMP' },
      ],
    };
    const value = [
      { v: { f: [{ v: '2026-01-24' }, { v: [{ v: '31' }, { v: '2' }] }, { v: '0' }] } },
      { v: { f: [{ v: null }, { v: [] }, { v: null }] } },
    ];
    expect(jsFromBigQuery(field, value, 'column "games"')).toEqual([
      { day: '2026-01-24', points: [31, 2], at: '1970-01-01T00:00:00.000Z' },
      { day: null, points: [], at: null },
    ]);
  });

  it('reads timestamps before 1970 with a fraction exactly, rounding towards the past', () => {
    const ts = { name: 'ts', type: 'TIMESTAMP' };
    expect(jsFromBigQuery(ts, '-1001', 'ts')).toBe('1969-12-31T23:59:59.998Z');
    expect(jsFromBigQuery(ts, '-1500000', 'ts')).toBe('1969-12-31T23:59:58.500Z');
    expect(jsFromBigQuery(ts, '1769283000123999', 'ts')).toBe('2026-01-24T19:30:00.123Z');
  });

  it('names the element of an array that has no portable value', () => {
    const field = { name: 'xs', type: 'BYTES', mode: 'REPEATED' };
    expect(() => jsFromBigQuery(field, [{ v: 'AA==' }], 'column "xs"')).toThrow(
      new WarehouseError(
        'column "xs"[0] has the BigQuery type BYTES, which has no portable JS value: cast it in the query',
      ),
    );
  });

  it('refuses a result with two columns of one name', () => {
    const fields = [
      { name: 'n', type: 'INT64' },
      { name: 'n', type: 'INT64' },
    ];
    expect(() => rowsFromBigQuery(fields, [{ f: [{ v: '1' }, { v: '2' }] }])).toThrow(
      WarehouseSqlError,
    );
  });
});

describe('bigQueryRows', () => {
  it('gives every column of the table, timestamps with microseconds and JSON as text', () => {
    const table = defineTable({
      name: 'd.t',
      columns: { id: 'STRING', ts: 'TIMESTAMP', j: 'JSON', n: 'INT64' },
      keys: ['id'],
      description: 'values',
    });
    const checked = checkRows(table, [
      { id: 'a', ts: '1969-12-31T23:59:59.999999Z', j: [1] },
      { id: 'b', n: 2 },
    ]);
    expect(bigQueryRows(table, checked)).toEqual([
      { id: 'a', ts: '1969-12-31T23:59:59.999999Z', j: '[1]', n: null },
      { id: 'b', ts: null, j: null, n: 2 },
    ]);
    expect(isoOfMicros(1_769_283_000_000_001n)).toBe('2026-01-24T19:30:00.000001Z');
  });
});
