import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { WarehouseRowError } from './errors.js';
import { checkRows } from './rows.js';
import { defineTable } from './table.js';

const runs = defineTable({
  name: 'nba_reference.runs',
  columns: {
    run_id: 'STRING',
    day: 'DATE',
    at: 'TIMESTAMP',
    reasons: 'JSON',
    ok: 'BOOL',
    score: 'FLOAT64',
  },
  keys: ['run_id', 'at'],
  partitionBy: 'day',
  description: 'test runs',
});

describe('checkRows', () => {
  it('normalizes column by column: timestamps to microseconds, JSON to text, absent to null', () => {
    const checked = checkRows(runs, [
      {
        run_id: 'a',
        day: '2026-01-24',
        at: '1970-01-01T00:00:01.000Z',
        reasons: ['x'],
        ok: true,
        score: 1.5,
      },
      { run_id: 'b', at: '1970-01-01T01:00:00+01:00', reasons: null },
    ]);
    expect(checked).toEqual({
      rowCount: 2,
      columns: [
        ['a', 'b'],
        ['2026-01-24', null],
        [1_000_000n, 0n],
        ['["x"]', null],
        [true, null],
        [1.5, null],
      ],
    });
  });

  it('finds two rows with one key even when their timestamps are written differently', async () => {
    const error = await catchError(
      () =>
        checkRows(runs, [
          { run_id: 'a', at: '2026-01-24T10:00:00Z' },
          { run_id: 'a', at: '2026-01-24T11:00:00+01:00' },
        ]),
      WarehouseRowError,
    );
    expect(error.rowIndex).toBe(1);
    expect(error.message).toMatch(/same key \(run_id, at\) as row 0/);
  });

  it.each([
    ['a timestamp without a zone', { at: '2026-01-24T10:00:00' }, 'at', /expected TIMESTAMP/],
    ['a Date for TIMESTAMP', { at: new Date() }, 'at', /expected TIMESTAMP .* got a Date/],
    ['NaN for FLOAT64', { score: Number.NaN }, 'score', /expected FLOAT64/],
    ['Infinity for FLOAT64', { score: Number.POSITIVE_INFINITY }, 'score', /expected FLOAT64/],
    ['a string for BOOL', { ok: 'true' }, 'ok', /expected BOOL .* got string "true"/],
    ['a Date inside JSON', { reasons: { at: new Date() } }, 'reasons', /\$\.at is a Date/],
    ['a bigint inside JSON', { reasons: [1n] }, 'reasons', /\$\[0\] is a bigint/],
  ])('refuses %s, naming the row and column', async (_, change, column, message) => {
    const error = await catchError(
      () =>
        checkRows(runs, [
          { run_id: 'a', at: '2026-01-24T10:00:00Z' },
          { run_id: 'b', at: '2026-01-24T10:00:00Z', ...change },
        ]),
      WarehouseRowError,
    );
    expect(error.rowIndex).toBe(1);
    expect(error.column).toBe(column);
    expect(error.message).toMatch(message);
    expect(error.permanent).toBe(true);
  });

  it('refuses a row without the partition value when a partition is replaced', async () => {
    const error = await catchError(
      () => checkRows(runs, [{ run_id: 'a', at: '2026-01-24T10:00:00Z' }], '2026-01-24'),
      WarehouseRowError,
    );
    expect(error.column).toBe('day');
    expect(error.message).toMatch(
      /must be 2026-01-24, the partition being replaced \(got undefined\)/,
    );
  });

  it('refuses something that is not an array of rows', async () => {
    const error = await catchError(
      () => checkRows(runs, { run_id: 'a' } as unknown as unknown[]),
      WarehouseRowError,
    );
    expect(error.message).toMatch(/expected an array of rows, got an object/);
  });
});
