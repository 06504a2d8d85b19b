import { WarehouseError, WarehouseSqlError } from './errors.js';
import type { CheckedRows } from './rows.js';
import type { AnyTable } from './table.js';
import { formatTimestamp, parseTimestamp } from './values.js';

/**
 * The ISO string of a timestamp in microseconds since the epoch, keeping every microsecond (UTC,
 * six fraction digits), as a BigQuery TIMESTAMP parameter takes it.
 */
export function isoOfMicros(micros: bigint): string {
  const remainder = ((micros % 1000n) + 1000n) % 1000n;
  const ms = formatTimestamp(micros);
  return `${ms.slice(0, -1)}${remainder.toString().padStart(3, '0')}Z`;
}

/**
 * The rows `checkRows` normalized, as `mergeRows` takes them: one object per row with every
 * column of the table (a column left out is `null`, so the MERGE writes NULL), a TIMESTAMP as
 * an ISO string with microseconds, JSON as its text.
 */
export function bigQueryRows(table: AnyTable, checked: CheckedRows): Record<string, unknown>[] {
  const names = table.columnNames;
  const timestamps = names.map((name) => table.columns[name] === 'TIMESTAMP');
  const rows = new Array<Record<string, unknown>>(checked.rowCount);
  for (let rowIndex = 0; rowIndex < checked.rowCount; rowIndex++) {
    const row: Record<string, unknown> = {};
    for (let columnIndex = 0; columnIndex < names.length; columnIndex++) {
      const value = (checked.columns[columnIndex] as readonly unknown[])[rowIndex];
      row[names[columnIndex] as string] =
        timestamps[columnIndex] && value !== null ? isoOfMicros(value as bigint) : value;
    }
    rows[rowIndex] = row;
  }
  return rows;
}

/** A field of a result's schema, as the REST API sends it. */
export interface BigQueryField {
  readonly name: string;
  readonly type: string;
  readonly mode?: string;
  readonly fields?: readonly BigQueryField[];
}

/** A row as the REST API sends it: `{ f: [{ v }] }`, a RECORD's value being a row too. */
export interface BigQueryRawRow {
  readonly f: ReadonlyArray<{ readonly v: unknown }>;
}

function refuse(where: string, type: string): never {
  throw new WarehouseError(
    `${where} has the BigQuery type ${type}, which has no portable JS value: cast it in the query`,
  );
}

function timestampOf(text: string, where: string): string {
  const micros = parseTimestamp(text);
  if (micros === undefined) throw new WarehouseError(`${where} is not a timestamp (${text})`);
  return formatTimestamp(micros);
}

function scalar(field: BigQueryField, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return null;
  const text = value as string;
  switch (field.type) {
    case 'STRING':
    case 'DATE':
      return text;
    case 'INTEGER':
    case 'INT64': {
      const number = Number(text);
      if (!Number.isSafeInteger(number)) {
        throw new WarehouseError(
          `${where} is ${text}, beyond Number.MAX_SAFE_INTEGER: cast it to FLOAT64 or STRING in the query`,
        );
      }
      return number;
    }
    case 'FLOAT':
    case 'FLOAT64':
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return Number(text);
    case 'BOOLEAN':
    case 'BOOL':
      return text === 'true';
    case 'TIMESTAMP':
      // Microseconds since the epoch (the client asks for `formatOptions.useInt64Timestamp`).
      try {
        return formatTimestamp(BigInt(text));
      } catch {
        throw new WarehouseError(`${where} is a timestamp out of range (${text})`);
      }
    case 'DATETIME':
      // A civil time with no zone, read as UTC, as DuckDB returns a TIMESTAMP.
      return timestampOf(`${text.replace(' ', 'T').replace(/(\.\d{6})\d+$/, '$1')}Z`, where);
    case 'JSON':
      return JSON.parse(text);
    case 'RECORD':
    case 'STRUCT':
      return record(field.fields ?? [], value as BigQueryRawRow, where);
    default:
      return refuse(where, field.type);
  }
}

function record(fields: readonly BigQueryField[], row: BigQueryRawRow, where: string): object {
  const result: Record<string, unknown> = {};
  fields.forEach((field, index) => {
    result[field.name] = jsFromBigQuery(field, row.f[index]?.v ?? null, `${where}.${field.name}`);
  });
  return result;
}

/**
 * A value of a result as the REST API sends it (text, `{ v }` lists, `{ f }` records), as the
 * JS value the warehouse port promises, the same as the DuckDB adapter returns: INT64 a safe
 * number (an unsafe one throws), NUMERIC and FLOAT64 numbers, DATE `'YYYY-MM-DD'`, TIMESTAMP and
 * DATETIME `Date#toISOString()` strings, JSON parsed, arrays and STRUCTs element by element.
 * BYTES, TIME, GEOGRAPHY, INTERVAL and RANGE have no portable value and throw, naming the column.
 */
export function jsFromBigQuery(field: BigQueryField, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return null;
  if (field.mode === 'REPEATED') {
    return (value as ReadonlyArray<{ v: unknown }>).map((item, index) =>
      scalar(field, item.v, `${where}[${index}]`),
    );
  }
  return scalar(field, value, where);
}

/** The rows of one result page as objects of the port's JS values, column by column. */
export function rowsFromBigQuery(
  fields: readonly BigQueryField[],
  rows: readonly BigQueryRawRow[],
): Record<string, unknown>[] {
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name)) {
      throw new WarehouseSqlError(
        `the query returns two columns named ${JSON.stringify(field.name)}: alias one`,
      );
    }
    seen.add(field.name);
  }
  return rows.map((row) => {
    const result: Record<string, unknown> = {};
    fields.forEach((field, index) => {
      result[field.name] = jsFromBigQuery(
        field,
        row.f[index]?.v ?? null,
        `column ${JSON.stringify(field.name)}`,
      );
    });
    return result;
  });
}
