import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  type DuckDBArrayValue,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBListType,
  type DuckDBListValue,
  type DuckDBStructType,
  type DuckDBStructValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  DuckDBVarCharType,
  dateValue,
  LIST,
  listValue,
  TIMESTAMP,
  timestampValue,
  VARCHAR,
} from '@duckdb/node-api';
import type { BigQueryParamType, SqlQuery } from '@pipewell/clients/sql';
import { isCalendarDate } from '@pipewell/core';
import { WarehouseError, WarehouseSqlError } from './errors.js';
import type { ColumnType } from './table.js';
import {
  dateOfDays,
  daysOfDate,
  describeValue,
  formatTimestamp,
  jsonProblem,
  parseTimestamp,
} from './values.js';

/** DuckDB's `JSON`: a VARCHAR with the alias the json extension gives it. */
export const JSON_TYPE: DuckDBVarCharType = DuckDBVarCharType.create('JSON');

/** The DuckDB type a column of each {@link ColumnType} is stored as. */
export const duckDbColumnTypes: Readonly<Record<ColumnType, DuckDBType>> = {
  STRING: VARCHAR,
  INT64: BIGINT,
  FLOAT64: DOUBLE,
  BOOL: BOOLEAN,
  DATE,
  TIMESTAMP,
  JSON: JSON_TYPE,
};

/** The DuckDB value of a value normalized by `checkRows` (see `CheckedRows`). */
export function duckDbColumnValue(type: ColumnType, value: unknown): DuckDBValue {
  if (value === null) return null;
  switch (type) {
    case 'INT64':
      return BigInt(value as number);
    case 'DATE':
      return dateValue(daysOfDate(value as string));
    case 'TIMESTAMP':
      return timestampValue(value as bigint);
    default:
      return value as DuckDBValue;
  }
}

/** One parameter, ready for `prepared.bind(values, types)`. */
export interface BoundParameter {
  readonly value: DuckDBValue;
  readonly type: DuckDBType;
}

function refuse(where: string, why: string): never {
  throw new WarehouseSqlError(`${where} ${why}`);
}

const parameterTypes: Readonly<Record<string, DuckDBType>> = {
  STRING: VARCHAR,
  INT64: BIGINT,
  FLOAT64: DOUBLE,
  BOOL: BOOLEAN,
  DATE,
  TIMESTAMP,
  JSON: JSON_TYPE,
};

function scalarType(type: BigQueryParamType, where: string): DuckDBType {
  const duckType = typeof type === 'string' ? parameterTypes[type] : undefined;
  if (duckType === undefined) {
    refuse(
      where,
      `has type ${JSON.stringify(type)}, outside the portable subset (STRING, INT64, FLOAT64, BOOL, DATE, TIMESTAMP, JSON, or an array of one)`,
    );
  }
  return duckType;
}

function scalarValue(type: BigQueryParamType, value: unknown, where: string): DuckDBValue {
  switch (type) {
    case 'STRING':
      if (typeof value === 'string') return value;
      break;
    case 'INT64':
      if (typeof value === 'number' && Number.isInteger(value)) {
        if (!Number.isSafeInteger(value)) {
          refuse(where, `is ${value}, beyond Number.MAX_SAFE_INTEGER: pass it as a bigint`);
        }
        return BigInt(value);
      }
      if (typeof value === 'bigint') return value;
      break;
    case 'FLOAT64':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      break;
    case 'BOOL':
      if (typeof value === 'boolean') return value;
      break;
    case 'DATE':
      if (isCalendarDate(value)) return dateValue(daysOfDate(value));
      break;
    case 'TIMESTAMP': {
      const micros =
        value instanceof Date && !Number.isNaN(value.getTime())
          ? BigInt(value.getTime()) * 1000n
          : typeof value === 'string'
            ? parseTimestamp(value)
            : undefined;
      if (micros !== undefined) return timestampValue(micros);
      break;
    }
    case 'JSON': {
      // As the BigQuery client does: a string is JSON text, anything else is serialized.
      if (typeof value === 'string') {
        try {
          JSON.parse(value);
        } catch {
          refuse(where, `is typed JSON but is not JSON text: ${describeValue(value)}`);
        }
        return value;
      }
      const problem = jsonProblem(value);
      if (problem !== undefined) refuse(where, `is typed JSON but ${problem}`);
      return JSON.stringify(value);
    }
  }
  return refuse(where, `is ${describeValue(value)}, which is not a ${String(type)}`);
}

/**
 * A parameter of a `sql` query as DuckDB binds it, typed as the query typed it: a scalar of the
 * portable types, or an array of one (as a LIST). NULL (from `typed(null, ...)`) keeps its type.
 *
 * @throws WarehouseSqlError for a STRUCT, a type outside the subset, or a value not of its type
 */
export function duckDbParameter(
  value: unknown,
  type: BigQueryParamType | undefined,
  where: string,
): BoundParameter {
  if (type === undefined) {
    refuse(
      where,
      'is a STRUCT (a plain object), outside the portable subset: pass its fields as parameters',
    );
  }
  if (Array.isArray(type)) {
    const elementType = (type as readonly [BigQueryParamType])[0];
    const listType = LIST(scalarType(elementType, where));
    if (value === null || value === undefined) return { value: null, type: listType };
    if (!Array.isArray(value)) {
      refuse(where, `is typed ${JSON.stringify(type)} but is ${describeValue(value)}`);
    }
    const items = value.map((item: unknown, index) => {
      if (item === null || item === undefined) {
        refuse(`${where}[${index}]`, 'is null: an array parameter cannot hold NULL');
      }
      return scalarValue(elementType, item, `${where}[${index}]`);
    });
    return { value: listValue(items), type: listType };
  }
  const scalar = type as BigQueryParamType;
  const duckType = scalarType(scalar, where);
  if (value === null || value === undefined) return { value: null, type: duckType };
  return { value: scalarValue(scalar, value, where), type: duckType };
}

/** The values and types of the parameters `names` of `query`, for `prepared.bind`. */
export function duckDbParameters(
  query: SqlQuery,
  names: readonly string[],
): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const name of names) {
    const bound = duckDbParameter(query.params[name], query.types[name], `parameter @${name}`);
    values[name] = bound.value;
    types[name] = bound.type;
  }
  return { values, types };
}

function safeNumber(value: bigint, where: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new WarehouseError(
      `${where} is ${value}, beyond Number.MAX_SAFE_INTEGER: cast it to FLOAT64 or STRING in the query`,
    );
  }
  return number;
}

function timestampFromMicros(micros: bigint, where: string): string {
  try {
    return formatTimestamp(micros);
  } catch {
    throw new WarehouseError(`${where} is a timestamp out of range (${micros}µs)`);
  }
}

/**
 * A value DuckDB returned, as the JS value the warehouse port promises: integers as numbers (safe
 * ones only), DECIMAL as a number, DATE as `'YYYY-MM-DD'`, timestamps as ISO strings, JSON parsed,
 * lists as arrays and structs as objects. Types with no portable JS value (BLOB, INTERVAL, TIME,
 * MAP, ...) throw, naming the column.
 */
export function jsFromDuckDb(value: DuckDBValue, type: DuckDBType, where: string): unknown {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.ENUM:
      return value;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return safeNumber(value as bigint, where);
    case DuckDBTypeId.DECIMAL:
      return (value as DuckDBDecimalValue).toDouble();
    case DuckDBTypeId.VARCHAR:
      return type.alias === 'JSON' ? JSON.parse(value as string) : value;
    case DuckDBTypeId.DATE: {
      const date = value as DuckDBDateValue;
      if (!date.isFinite) throw new WarehouseError(`${where} is an infinite date`);
      return dateOfDays(date.days);
    }
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampFromMicros((value as DuckDBTimestampValue).micros, where);
    case DuckDBTypeId.TIMESTAMP_S:
      return timestampFromMicros(
        (value as DuckDBTimestampSecondsValue).seconds * 1_000_000n,
        where,
      );
    case DuckDBTypeId.TIMESTAMP_MS:
      return timestampFromMicros((value as DuckDBTimestampMillisecondsValue).millis * 1000n, where);
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestampFromMicros((value as DuckDBTimestampNanosecondsValue).nanos / 1000n, where);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const elementType = (type as DuckDBListType).valueType;
      return (value as DuckDBListValue | DuckDBArrayValue).items.map((item, index) =>
        jsFromDuckDb(item, elementType, `${where}[${index}]`),
      );
    }
    case DuckDBTypeId.STRUCT: {
      const structType = type as DuckDBStructType;
      const entries = (value as DuckDBStructValue).entries;
      const result: Record<string, unknown> = {};
      structType.entryNames.forEach((name, index) => {
        result[name] = jsFromDuckDb(
          entries[name] ?? null,
          structType.entryTypes[index] as DuckDBType,
          `${where}.${name}`,
        );
      });
      return result;
    }
    default:
      throw new WarehouseError(
        `${where} has the DuckDB type ${type.toString()}, which has no portable JS value: cast it in the query`,
      );
  }
}
