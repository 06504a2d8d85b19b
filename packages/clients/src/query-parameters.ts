import {
  BigQueryDate,
  BigQueryDatetime,
  BigQueryInt,
  BigQueryTime,
  BigQueryTimestamp,
  Geography,
} from '@google-cloud/bigquery';
import { ClientConfigError } from './project.js';
import { isPlainObject } from './sql-tag.js';

/** A parameter's type as the REST API takes it (`QueryParameterType`). */
export interface ParameterType {
  type: string;
  arrayType?: ParameterType;
  structTypes?: Array<{ name: string; type: ParameterType }>;
}

/** A parameter's value as the REST API takes it (`QueryParameterValue`). */
export interface ParameterValue {
  value?: unknown;
  arrayValues?: ParameterValue[];
  structValues?: Record<string, ParameterValue>;
}

/** One named query parameter, ready for `configuration.query.queryParameters`. */
export interface QueryParameter {
  name: string;
  parameterType: ParameterType;
  parameterValue: ParameterValue;
}

const scalarTypes = new Set([
  'STRING',
  'INT64',
  'FLOAT64',
  'NUMERIC',
  'BIGNUMERIC',
  'BOOL',
  'BYTES',
  'DATE',
  'DATETIME',
  'TIME',
  'TIMESTAMP',
  'JSON',
  'GEOGRAPHY',
]);

// The SDK's own value classes (a row read back holds them), each with its string in `value`.
// Recognized by class, never by the shape of a user's object.
const sdkClasses: ReadonlyArray<readonly [abstract new (...args: never[]) => unknown, string]> = [
  [BigQueryDate, 'DATE'],
  [BigQueryDatetime, 'DATETIME'],
  [BigQueryTime, 'TIME'],
  [BigQueryTimestamp, 'TIMESTAMP'],
  [Geography, 'GEOGRAPHY'],
  [BigQueryInt, 'INT64'],
];

function sdkClassType(value: unknown): string | undefined {
  for (const [sdkClass, type] of sdkClasses) if (value instanceof sdkClass) return type;
  return undefined;
}

function fail(where: string, message: string): never {
  throw new ClientConfigError('query', `${where} ${message}`);
}

function describeType(type: ParameterType): string {
  if (type.arrayType !== undefined) return `ARRAY<${describeType(type.arrayType)}>`;
  if (type.structTypes !== undefined) {
    return `STRUCT<${type.structTypes.map((field) => `${field.name} ${describeType(field.type)}`).join(', ')}>`;
  }
  return type.type;
}

/** A type given with the query (a sql type, or a STRUCT's field types from mergeRows). */
function fromGivenType(type: unknown, where: string): ParameterType {
  if (typeof type === 'string' && scalarTypes.has(type)) return { type };
  if (Array.isArray(type) && type.length === 1) {
    return { type: 'ARRAY', arrayType: fromGivenType(type[0], `${where}[]`) };
  }
  if (isPlainObject(type) && Object.keys(type).length > 0) {
    return {
      type: 'STRUCT',
      structTypes: Object.entries(type).map(([name, field]) => ({
        name,
        type: fromGivenType(field, `${where}.${name}`),
      })),
    };
  }
  return fail(
    where,
    `has type ${JSON.stringify(type)}, which is not a BigQuery parameter type (${[...scalarTypes].join(', ')}, or one of them in an array: ['STRING'])`,
  );
}

function sameType(a: ParameterType, b: ParameterType): boolean {
  return describeType(a) === describeType(b);
}

/**
 * The one type of several values that share a place (the elements of an array, a field across
 * the STRUCTs of an array): nulls are skipped, INT64 and FLOAT64 widen to FLOAT64, STRUCTs must
 * have the same fields, anything else must match.
 */
function inferShared(values: readonly unknown[], where: string): ParameterType {
  const present = values.filter((value) => value !== null && value !== undefined);
  if (present.length === 0) {
    return fail(
      where,
      'is null, so its type cannot be inferred: give the parameter a type with typed()',
    );
  }
  if (present.every(isPlainObject)) {
    const fields = Object.keys(present[0] as Record<string, unknown>);
    if (fields.length === 0) fail(where, 'is an empty object: a STRUCT needs at least one field');
    for (const [index, value] of present.entries()) {
      const own = Object.keys(value);
      if (own.length !== fields.length || !own.every((field) => fields.includes(field))) {
        fail(
          where,
          `mixes STRUCTs with different fields (${fields.join(', ')} and ${own.join(', ')}, element ${index})`,
        );
      }
    }
    return {
      type: 'STRUCT',
      structTypes: fields.map((name) => ({
        name,
        type: inferShared(
          present.map((value) => value[name]),
          `${where}.${name}`,
        ),
      })),
    };
  }
  if (present.every(Array.isArray)) {
    const elements = present.flat();
    if (elements.length === 0) {
      fail(where, "is an empty array: give the parameter a type with typed([], ['STRING'])");
    }
    if (elements.some(Array.isArray)) {
      fail(where, 'is an array of arrays, which BigQuery does not allow');
    }
    return { type: 'ARRAY', arrayType: inferShared(elements, `${where}[]`) };
  }
  const types = present.map((value) => inferScalar(value, where));
  const [first] = types as [ParameterType];
  let shared = first;
  for (const type of types) {
    if (sameType(type, shared)) continue;
    if (isNumeric(type) && isNumeric(shared)) {
      shared = { type: 'FLOAT64' };
      continue;
    }
    fail(where, `mixes types (${describeType(first)} and ${describeType(type)})`);
  }
  return shared;
}

function isNumeric(type: ParameterType): boolean {
  return type.type === 'INT64' || type.type === 'FLOAT64';
}

function inferScalar(value: unknown, where: string): ParameterType {
  switch (typeof value) {
    case 'string':
      return { type: 'STRING' };
    case 'boolean':
      return { type: 'BOOL' };
    case 'bigint':
      return { type: 'INT64' };
    case 'number':
      return { type: Number.isInteger(value) ? 'INT64' : 'FLOAT64' };
    case 'object': {
      if (value instanceof Date) return { type: 'TIMESTAMP' };
      if (value instanceof Uint8Array) return { type: 'BYTES' };
      const sdkType = sdkClassType(value);
      if (sdkType !== undefined) return { type: sdkType };
      if (Array.isArray(value) || isPlainObject(value)) return inferShared([value], where);
      return fail(
        where,
        `is a ${(value as object).constructor?.name ?? 'object'}, which has no BigQuery type: pass a plain object (a STRUCT) or give a type with typed()`,
      );
    }
    default:
      return fail(where, `is ${typeof value}, which cannot be a query parameter`);
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A scalar as the API's `value`: a string, number or boolean, never an object the SDK reads. */
function scalarValue(value: unknown, type: string, where: string): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return fail(where, `is ${value}, which BigQuery cannot take as a parameter`);
  }
  if (typeof value !== 'object' || value === null) {
    return type === 'JSON' && typeof value !== 'string' ? JSON.stringify(value) : value;
  }
  if (value instanceof Uint8Array) return base64(value);
  if (value instanceof Date) return value.toISOString();
  if (sdkClassType(value) !== undefined) return (value as { value: unknown }).value;
  if (type === 'JSON') return JSON.stringify(value);
  // A value with its own JSON form (a decimal library's NUMERIC, say) is sent as that form.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return JSON.parse(JSON.stringify(value)) as unknown;
  }
  return fail(
    where,
    `is ${Array.isArray(value) ? `an array, but its type is ${type} (an array's type is ['${type}'])` : `an object, but its type is ${type}`}`,
  );
}

function encode(value: unknown, type: ParameterType, where: string): ParameterValue {
  if (value === null || value === undefined) {
    return type.arrayType === undefined && type.structTypes === undefined ? { value: null } : {};
  }
  if (type.arrayType !== undefined) {
    const element = type.arrayType;
    if (!Array.isArray(value))
      fail(where, `is not an array, but its type is ${describeType(type)}`);
    return {
      arrayValues: (value as unknown[]).map((item, index) =>
        encode(item, element, `${where}[${index}]`),
      ),
    };
  }
  if (type.structTypes !== undefined) {
    if (!isPlainObject(value)) {
      fail(where, `is not a plain object, but its type is ${describeType(type)}`);
    }
    const fields = type.structTypes;
    for (const name of Object.keys(value)) {
      if (!fields.some((field) => field.name === name)) {
        fail(where, `has a field "${name}" that its type ${describeType(type)} lacks`);
      }
    }
    return {
      structValues: Object.fromEntries(
        fields.map((field) => [
          field.name,
          encode(value[field.name], field.type, `${where}.${field.name}`),
        ]),
      ),
    };
  }
  return { value: scalarValue(value, type.type, where) };
}

/**
 * A query's parameters in the REST API's own form, built here rather than by the SDK: the SDK
 * infers types by duck typing, so a user's object with a `type` field (`{ type: 'OVERTIME' }`)
 * passed for a type of its own and was sent as its `value` alone, or as nothing. What this
 * returns is plain JSON data, so the SDK has nothing left to interpret. A value that cannot be
 * sent throws {@link ClientConfigError} naming the parameter, before any request.
 */
export function toQueryParameters(
  params: Readonly<Record<string, unknown>>,
  types: Readonly<Record<string, unknown>>,
): QueryParameter[] {
  return Object.entries(params).map(([name, value]) => {
    const where = `parameter @${name}`;
    const given = types[name];
    try {
      const parameterType =
        given === undefined ? inferShared([value], where) : fromGivenType(given, where);
      const parameter = {
        name,
        parameterType,
        parameterValue: encode(value, parameterType, where),
      };
      // Through JSON once here, where a failure (a cycle, a throwing toJSON) rejects the caller's
      // promise; inside the SDK the same throw would escape every promise.
      return JSON.parse(JSON.stringify(parameter)) as QueryParameter;
    } catch (error) {
      if (ClientConfigError.isInstance(error)) throw error;
      throw new ClientConfigError(
        'query',
        `${where} cannot be sent as JSON: ${(error as Error).message}`,
      );
    }
  });
}
