import { isCalendarDate } from '@pipewell/core';
import { WarehouseRowError } from './errors.js';
import type { AnyTable, ColumnType } from './table.js';
import { describeValue, jsonProblem, parseTimestamp } from './values.js';

/**
 * Rows checked against their table, column by column in the table's column order, each value
 * normalized for a backend to bind: NULL is `null`, a `TIMESTAMP` is microseconds since the epoch
 * (a bigint), a `JSON` value is its JSON text; the other types are as written.
 */
export interface CheckedRows {
  /** How many rows. */
  readonly rowCount: number;
  /** One array of values per column, in `table.columnNames` order. */
  readonly columns: readonly (readonly unknown[])[];
}

const expected: Readonly<Record<ColumnType, string>> = {
  STRING: 'STRING (a string)',
  INT64: 'INT64 (a safe integer number)',
  FLOAT64: 'FLOAT64 (a finite number)',
  BOOL: 'BOOL (a boolean)',
  DATE: "DATE (a calendar date string 'YYYY-MM-DD')",
  TIMESTAMP: "TIMESTAMP (an ISO 8601 string with a zone, as '2026-01-24T19:30:00.000Z')",
  JSON: 'JSON (a JSON value)',
};

const invalid: unique symbol = Symbol('invalid');

/** The normalized value of a non-null `value` of `type`, or `invalid`. */
function normalize(type: ColumnType, value: unknown): unknown {
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? value : invalid;
    case 'INT64':
      return Number.isSafeInteger(value) ? value : invalid;
    case 'FLOAT64':
      return Number.isFinite(value) ? value : invalid;
    case 'BOOL':
      return typeof value === 'boolean' ? value : invalid;
    case 'DATE':
      return isCalendarDate(value) ? value : invalid;
    case 'TIMESTAMP':
      return typeof value === 'string' ? (parseTimestamp(value) ?? invalid) : invalid;
    case 'JSON':
      return jsonProblem(value) === undefined ? JSON.stringify(value) : invalid;
  }
}

/** Why `value` is not a value of `type`: only asked once a value was found invalid. */
function problemOf(type: ColumnType, value: unknown): string {
  const got = `got ${describeValue(value)}`;
  if (type === 'INT64' && Number.isInteger(value)) {
    return `expected ${expected[type]}; ${got}, beyond Number.MAX_SAFE_INTEGER, which has lost precision`;
  }
  const json = type === 'JSON' ? jsonProblem(value) : undefined;
  return json === undefined
    ? `expected ${expected[type]}, ${got}`
    : `expected ${expected[type]}: ${json}`;
}

function isRowObject(row: unknown): row is Record<string, unknown> {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return false;
  const prototype = Object.getPrototypeOf(row);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Check every row against `table` before anything is written, and return them normalized,
 * column-major. Refused: a row that is not a plain object, a column the table does not have, a
 * key column without a value, a value of the wrong type, two rows with one key, and (with
 * `partitionDate`) a row of another partition.
 *
 * @throws WarehouseRowError naming the table, the row index and the column
 */
export function checkRows(
  table: AnyTable,
  rows: readonly unknown[],
  partitionDate?: string,
): CheckedRows {
  if (!Array.isArray(rows)) {
    throw new WarehouseRowError(
      table.name,
      0,
      undefined,
      `expected an array of rows, got ${describeValue(rows)}`,
    );
  }
  const names = table.columnNames;
  const types = names.map((name) => table.columns[name] as ColumnType);
  const keyIndexes = table.keys.map((key) => names.indexOf(key));
  const isKey = names.map((_, index) => keyIndexes.includes(index));
  const columns: unknown[][] = names.map(() => new Array<unknown>(rows.length));
  // Rows of one batch often repeat a value (one date, one load time): normalize it once.
  const lastValue: unknown[] = names.map(() => undefined);
  const lastNormalized: unknown[] = names.map(() => undefined);
  const firstRowOfKey = new Map<string, number>();
  const keyParts: string[] = new Array<string>(keyIndexes.length);
  for (let rowIndex = 0; rowIndex < rows.length; rowIndex++) {
    const row: unknown = rows[rowIndex];
    if (!isRowObject(row)) {
      throw new WarehouseRowError(
        table.name,
        rowIndex,
        undefined,
        `expected a plain object of column values, got ${describeValue(row)}`,
      );
    }
    for (const column in row) {
      if (!Object.hasOwn(table.columns, column)) {
        throw new WarehouseRowError(
          table.name,
          rowIndex,
          column,
          `is not a column of the table (its columns: ${names.join(', ')})`,
        );
      }
    }
    for (let columnIndex = 0; columnIndex < names.length; columnIndex++) {
      const name = names[columnIndex] as string;
      const value = row[name];
      const target = columns[columnIndex] as unknown[];
      if (value === null || value === undefined) {
        if (isKey[columnIndex]) {
          throw new WarehouseRowError(
            table.name,
            rowIndex,
            name,
            `is a key column and needs a value (got ${describeValue(value)})`,
          );
        }
        target[rowIndex] = null;
        continue;
      }
      if (value === lastValue[columnIndex] && typeof value !== 'object') {
        target[rowIndex] = lastNormalized[columnIndex];
        continue;
      }
      const type = types[columnIndex] as ColumnType;
      const normalized = normalize(type, value);
      if (normalized === invalid) {
        throw new WarehouseRowError(table.name, rowIndex, name, problemOf(type, value));
      }
      if (partitionDate !== undefined && name === table.partitionBy && value !== partitionDate) {
        throw new WarehouseRowError(
          table.name,
          rowIndex,
          name,
          `must be ${partitionDate}, the partition being replaced (got ${describeValue(value)})`,
        );
      }
      lastValue[columnIndex] = value;
      lastNormalized[columnIndex] = normalized;
      target[rowIndex] = normalized;
    }
    if (partitionDate !== undefined && table.partitionBy !== undefined) {
      const partition = row[table.partitionBy];
      if (partition === null || partition === undefined) {
        throw new WarehouseRowError(
          table.name,
          rowIndex,
          table.partitionBy,
          `must be ${partitionDate}, the partition being replaced (got ${describeValue(partition)})`,
        );
      }
    }
    let plain = true;
    for (let part = 0; part < keyIndexes.length; part++) {
      const text = String((columns[keyIndexes[part] as number] as unknown[])[rowIndex]);
      if (text.includes('\u0000')) plain = false;
      keyParts[part] = text;
    }
    // Only a STRING part can hold NUL, the separator; such a key is written as JSON instead.
    const key = plain ? `p${keyParts.join('\u0000')}` : `j${JSON.stringify(keyParts)}`;
    const earlier = firstRowOfKey.get(key);
    if (earlier !== undefined) {
      throw new WarehouseRowError(
        table.name,
        rowIndex,
        undefined,
        `has the same key (${table.keys.join(', ')}) as row ${earlier}: ${JSON.stringify(table.keys.map((key) => row[key]))}`,
      );
    }
    firstRowOfKey.set(key, rowIndex);
  }
  return { rowCount: rows.length, columns };
}
