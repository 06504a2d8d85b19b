import { calendarDateProblem } from '@pipewell/core';
import { ClientConfigError } from './project.js';

/** A BigQuery standard SQL parameter type, or an array of one (`['STRING']`). */
export type BigQueryParamType =
  | 'STRING'
  | 'INT64'
  | 'FLOAT64'
  | 'NUMERIC'
  | 'BIGNUMERIC'
  | 'BOOL'
  | 'BYTES'
  | 'DATE'
  | 'DATETIME'
  | 'TIME'
  | 'TIMESTAMP'
  | 'JSON'
  | 'GEOGRAPHY'
  | readonly [BigQueryParamType];

/**
 * A parameterized query: SQL text with named parameters (`@p0`, `@p1`, ...) and their values
 * and types, ready for `query()`. Build it with the {@link sql} tag; never by joining strings.
 *
 * @example
 * ```ts
 * const q = sql`SELECT * FROM ${ident('d.t')} WHERE id = ${7n} AND day = ${typed('2026-01-24', 'DATE')}`;
 * q.text; // 'SELECT * FROM `d.t` WHERE id = @p0 AND day = @p1'
 * q.params; // { p0: 7n, p1: '2026-01-24' }
 * q.types; // { p0: 'INT64', p1: 'DATE' }
 * ```
 */
export interface SqlQuery {
  /** The SQL, with `@p0`, `@p1`, ... where the values were and quoted identifiers inlined. */
  readonly text: string;
  /** Each parameter's value as it was given (a bigint stays a bigint, a Buffer a Buffer). */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * Each parameter's BigQuery type; absent for a plain object or an array of them, a STRUCT whose
   * field types `query()` infers.
   */
  readonly types: Readonly<Record<string, BigQueryParamType>>;
}

const queryMarker = Symbol.for('@pipewell/clients.SqlQuery');
const identifierMarker: unique symbol = Symbol.for('@pipewell/clients.SqlIdentifier') as never;
const typedMarker: unique symbol = Symbol.for('@pipewell/clients.SqlTyped') as never;

/**
 * A validated, backtick-quoted identifier: a table or dataset from {@link ident}, or a column from
 * {@link column}. Inside {@link sql} it is placed into the text as an identifier, never sent as a
 * value; `String(identifier)` is the quoted text.
 *
 * @example
 * ```ts
 * const table = ident('nba_analytics.player_game_summary');
 * table.quoted; // '`nba_analytics.player_game_summary`'
 * ```
 */
export interface SqlIdentifier {
  /** The identifier, backtick-quoted. */
  readonly quoted: string;
  readonly [identifierMarker]: true;
}

// Shared by every identifier, so one joined into a column list reads as its quoted text.
const identifierPrototype = {
  toString(this: SqlIdentifier): string {
    return this.quoted;
  },
};

function identifier(quoted: string): SqlIdentifier {
  return Object.freeze(
    Object.assign(Object.create(identifierPrototype) as object, {
      quoted,
      [identifierMarker]: true as const,
    }),
  );
}

/** A value with an explicit parameter type, from {@link typed}. */
export interface TypedValue {
  readonly value: unknown;
  readonly type: BigQueryParamType;
  readonly [typedMarker]: true;
}

const projectPattern = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const datasetPattern = /^[A-Za-z0-9_]{1,1024}$/;
const tablePattern = /^[A-Za-z0-9_-]{1,1024}$/;
const columnPattern = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;

/**
 * A table (or dataset) identifier, validated and quoted, to place in a {@link sql} query. Takes
 * `'dataset.table'`, `'project.dataset.table'` or the parts separately. Anything with characters
 * an identifier cannot have (backticks, quotes, semicolons, spaces) throws
 * {@link ClientConfigError} before any query is built.
 *
 * @example
 * ```ts
 * const table = ident('nba_analytics', 'player_game_summary');
 * await query(sql`SELECT COUNT(*) AS n FROM ${table} WHERE game_date = ${date}`);
 * ```
 */
export function ident(...parts: readonly string[]): SqlIdentifier {
  const names = parts.flatMap((part) => {
    if (typeof part !== 'string') {
      throw new ClientConfigError(
        'identifier',
        `an identifier part must be a string (got ${typeof part})`,
      );
    }
    return part.split('.');
  });
  const described = JSON.stringify(parts.join('.'));
  if (names.length < 1 || names.length > 3) {
    throw new ClientConfigError(
      'identifier',
      `identifier ${described} must be [project.]dataset[.table]`,
    );
  }
  const checks: Array<[RegExp, string]> =
    names.length === 3
      ? [
          [projectPattern, 'project'],
          [datasetPattern, 'dataset'],
          [tablePattern, 'table'],
        ]
      : names.length === 2
        ? [
            [datasetPattern, 'dataset'],
            [tablePattern, 'table'],
          ]
        : [[tablePattern, 'dataset or table']];
  names.forEach((name, index) => {
    const [pattern, role] = checks[index] as [RegExp, string];
    if (!pattern.test(name)) {
      throw new ClientConfigError(
        'identifier',
        `identifier ${described} has an illegal ${role} name ${JSON.stringify(name)} (letters, digits, underscores${role === 'project' ? ' and dashes, 6-30 characters' : role === 'dataset' ? '' : ' and dashes'} only)`,
      );
    }
  });
  return identifier(`\`${names.join('.')}\``);
}

/**
 * A column name, validated and backtick-quoted, to place in a {@link sql} query as an identifier
 * (never as a value, as a plain string would be). An array of identifiers is placed as a
 * comma-separated list. A name with anything but letters, digits and underscores, or starting
 * with a digit, throws {@link ClientConfigError} before any query is built.
 *
 * @example
 * ```ts
 * const sortBy = column(request.sort); // 'points'; 'points; DROP TABLE x' throws
 * const wanted = ['player_id', 'points'].map(column);
 * sql`SELECT ${wanted} FROM ${ident('d.t')} ORDER BY ${sortBy} DESC`;
 * // SELECT `player_id`, `points` FROM `d.t` ORDER BY `points` DESC
 * ```
 */
export function column(name: string): SqlIdentifier {
  if (typeof name !== 'string' || !columnPattern.test(name)) {
    throw new ClientConfigError(
      'column',
      `illegal column name ${JSON.stringify(name)} (letters, digits and underscores, not starting with a digit)`,
    );
  }
  return identifier(`\`${name}\``);
}

/**
 * A parameter with an explicit type: for `null`, an empty array, or a string that is a DATE.
 * A `DATE` string must be a real calendar date written `YYYY-MM-DD` (`2026-02-30` throws
 * {@link ClientConfigError} naming the parameter when the query is built), and a bigint typed
 * `INT64` must fit in 64 bits; `NUMERIC` and `BIGNUMERIC` take larger bigints.
 *
 * @example
 * ```ts
 * sql`SELECT * FROM ${t} WHERE game_date = ${typed('2026-01-24', 'DATE')} AND player_id IN UNNEST(${typed([], ['INT64'])})`;
 * ```
 */
export function typed(value: unknown, type: BigQueryParamType): TypedValue {
  return Object.freeze({ value, type, [typedMarker]: true as const });
}

function isMarked(value: unknown, marker: symbol): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[marker] === true
  );
}

/**
 * The parameter type of a value (undefined for a plain object or an array of them: a STRUCT the
 * client infers).
 */
export function inferType(value: unknown, where: string): BigQueryParamType | undefined {
  switch (typeof value) {
    case 'string':
      return 'STRING';
    case 'boolean':
      return 'BOOL';
    case 'bigint':
      return 'INT64';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new ClientConfigError(
          'sql',
          `${where} is ${value}, which BigQuery cannot take as a parameter`,
        );
      }
      return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
    case 'object': {
      if (value === null) {
        throw new ClientConfigError(
          'sql',
          `${where} is null: give it a type with typed(null, 'STRING')`,
        );
      }
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime()))
          throw new ClientConfigError('sql', `${where} is an invalid Date`);
        return 'TIMESTAMP';
      }
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) return 'BYTES';
      if (Array.isArray(value)) {
        if (value.length === 0) {
          throw new ClientConfigError(
            'sql',
            `${where} is an empty array: give it a type with typed([], ['STRING'])`,
          );
        }
        const first = inferType(value[0], `${where}[0]`);
        value.forEach((element, index) => {
          const type = inferType(element, `${where}[${index}]`);
          // INT64 and FLOAT64 mix into FLOAT64; anything else must match.
          if (
            JSON.stringify(type) !== JSON.stringify(first) &&
            !(isNumeric(type) && isNumeric(first))
          ) {
            throw new ClientConfigError(
              'sql',
              `${where} mixes element types (${String(first)} and ${String(type)})`,
            );
          }
        });
        if (Array.isArray(first))
          throw new ClientConfigError(
            'sql',
            `${where} is an array of arrays, which BigQuery does not allow`,
          );
        // An array of STRUCTs: the client infers the element type from every element's fields.
        if (first === undefined) return undefined;
        const numeric = value.every((element) => typeof element === 'number');
        return [
          numeric && value.some((element) => !Number.isInteger(element))
            ? 'FLOAT64'
            : (first as BigQueryParamType),
        ];
      }
      // A plain object is a STRUCT: the client infers its field types.
      return undefined;
    }
    default:
      throw new ClientConfigError(
        'sql',
        `${where} is ${typeof value}, which cannot be a query parameter`,
      );
  }
}

function isNumeric(type: BigQueryParamType | undefined): boolean {
  return type === 'INT64' || type === 'FLOAT64';
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** True for `{ ... }`, not a class instance: a STRUCT value. Internal: not exported. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Check a parameter value against its type before anything is sent: a `DATE` string must be a
 * real calendar date, a bigint for `INT64` must fit in 64 bits. `type` may be an array type or a
 * STRUCT's field types (as mergeRows passes them); without one, the bigints inside a plain object
 * (a STRUCT the client types) are INT64. Internal: not exported from the package.
 */
export function checkParameter(
  value: unknown,
  type: unknown,
  where: string,
  subject = 'sql',
): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    const element = Array.isArray(type) ? type[0] : undefined;
    for (const [index, item] of value.entries()) {
      checkParameter(item, element, `${where}[${index}]`, subject);
    }
    return;
  }
  if (typeof value === 'bigint' && (type === 'INT64' || type === undefined)) {
    if (value < int64Min || value > int64Max) {
      throw new ClientConfigError(
        subject,
        `${where} is ${value}n, outside INT64 (${int64Min} to ${int64Max}): type it NUMERIC or BIGNUMERIC with typed()`,
      );
    }
    return;
  }
  if (type === 'DATE' && typeof value === 'string') {
    const problem = calendarDateProblem(where, value);
    if (problem !== undefined) throw new ClientConfigError(subject, problem);
    return;
  }
  if (isPlainObject(value) && (type === undefined || (typeof type === 'object' && type !== null))) {
    const fields = type as Readonly<Record<string, unknown>> | undefined;
    for (const [field, fieldValue] of Object.entries(value)) {
      checkParameter(fieldValue, fields?.[field], `${where}.${field}`, subject);
    }
  }
}

/**
 * Build a parameterized BigQuery query. Every interpolated value becomes a named parameter with
 * its type (arrays become array parameters, for `IN UNNEST(...)`), so a value can never change
 * the SQL: `' OR 1=1 --` stays a string. Only identifiers from {@link ident} and {@link column}
 * (alone, or an array of them as a comma-separated list) and nested `sql` fragments are placed
 * into the text.
 *
 * @example
 * ```ts
 * const q = sql`SELECT player_id, points FROM ${ident('nba_analytics.player_game_summary')}
 *   WHERE game_id IN UNNEST(${gameIds}) AND game_date = ${typed(date, 'DATE')}`;
 * ```
 */
export function sql(strings: TemplateStringsArray, ...values: readonly unknown[]): SqlQuery {
  // Only a template literal's strings array has `raw`: sql(['SELECT ' + id]) would otherwise be
  // taken as SQL text, which is exactly the string building the tag exists to prevent.
  if (
    !Array.isArray(strings) ||
    !Array.isArray((strings as { raw?: unknown }).raw) ||
    strings.length !== values.length + 1
  ) {
    throw new ClientConfigError(
      'sql',
      'sql is a template tag: write sql`...` with the values interpolated, never sql(text) or sql([text]), so values stay parameters',
    );
  }
  let text = strings[0] ?? '';
  const params: Record<string, unknown> = {};
  const types: Record<string, BigQueryParamType> = {};
  let next = 0;
  const add = (value: unknown, type: BigQueryParamType | undefined, where?: string): string => {
    const name = `p${next++}`;
    if (where !== undefined) checkParameter(value, type, `${where} (@${name})`);
    params[name] = value;
    if (type !== undefined) types[name] = type;
    return `@${name}`;
  };
  values.forEach((value, index) => {
    let piece: string;
    if (isMarked(value, identifierMarker)) {
      piece = (value as SqlIdentifier).quoted;
    } else if (
      Array.isArray(value) &&
      value.length > 0 &&
      value.some((element) => isMarked(element, identifierMarker))
    ) {
      // A column list. Identifiers and values in one array would be neither a list nor a value.
      if (!value.every((element) => isMarked(element, identifierMarker))) {
        throw new ClientConfigError(
          'sql',
          `value ${index + 1} mixes identifiers (column(), ident()) with values: an array is either a list of identifiers or one array parameter`,
        );
      }
      piece = value.map((element: SqlIdentifier) => element.quoted).join(', ');
    } else if (isMarked(value, queryMarker)) {
      // A nested fragment: its parameters are renamed into this query's sequence.
      const fragment = value as SqlQuery;
      const renames = new Map<string, string>();
      for (const [name, fragmentValue] of Object.entries(fragment.params)) {
        renames.set(name, add(fragmentValue, fragment.types[name]));
      }
      piece = fragment.text.replace(
        /@(p\d+)\b/g,
        (match, name: string) => renames.get(name) ?? match,
      );
    } else if (isMarked(value, typedMarker)) {
      const { value: inner, type } = value as TypedValue;
      piece = add(inner, type, `value ${index + 1}`);
    } else {
      const where = `value ${index + 1}`;
      piece = add(value, inferType(value, where), where);
    }
    text += piece + (strings[index + 1] ?? '');
  });
  return Object.freeze({
    text,
    params: Object.freeze(params),
    types: Object.freeze(types),
    [queryMarker]: true,
  });
}

/**
 * A {@link SqlQuery} of SQL text its author wrote and trusts, with no parameters: the one
 * sanctioned way to run text that is not a `sql` template, named so a reviewer stops at it.
 *
 * Use it only where the whole statement comes from someone entitled to run any SQL on the
 * warehouse: an operator console (a CLI's `query "SELECT ..."`), a migration file shipped with
 * the code. Never use it for text that holds a value (an id, a date, a name from a request or a
 * row): build those with {@link sql}, where every value is a parameter, and {@link ident} or
 * {@link column} for names. It takes one string and nothing else, so no value can be passed
 * alongside and joined in; the text goes out exactly as given, and an `@name` in it is not bound
 * by this package. Whether a statement may write is the runner's business (open the warehouse
 * read-only for a console), not this function's.
 *
 * @param text - the whole statement, as its author wrote it
 * @param noValues - none: a value passed here throws (values belong in {@link sql})
 * @throws ClientConfigError when `text` is not a string (a template literal included: use `sql`),
 *   is blank, or comes with values
 * @example
 * ```ts
 * // pipewell query "SELECT game_date, COUNT(*) AS games FROM `nba_raw.games` GROUP BY 1"
 * const q = unsafeRawSql(operatorText);
 * q.text; // the operator's text, unchanged
 * q.params; // {}
 * ```
 */
export function unsafeRawSql(text: string, ...noValues: readonly never[]): SqlQuery {
  if (typeof text !== 'string') {
    const got = Array.isArray(text) ? 'a template strings array' : typeof text;
    throw new ClientConfigError(
      'unsafeRawSql',
      `unsafeRawSql takes the statement as one string (got ${got}): for a query with values, write sql\`...\` so they stay parameters`,
    );
  }
  if (text.trim() === '') {
    throw new ClientConfigError('unsafeRawSql', 'unsafeRawSql needs SQL text (got a blank string)');
  }
  // A value passed here would be ignored, never bound: refuse it rather than run text the caller
  // believes is parameterized (JavaScript callers are not stopped by the `never` type).
  if (noValues.length > 0) {
    throw new ClientConfigError(
      'unsafeRawSql',
      `unsafeRawSql takes no values (got ${noValues.length}): write sql\`...\` so they stay parameters`,
    );
  }
  return trustedQuery(text, {}, {});
}

/** True for a query built by {@link sql} (or {@link unsafeRawSql}). */
export function isSqlQuery(value: unknown): value is SqlQuery {
  return isMarked(value, queryMarker);
}

/**
 * A query from text built only out of validated identifiers and column names (never values).
 * Internal: for helpers such as mergeRows; not exported from the package.
 */
export function trustedQuery(
  text: string,
  params: Record<string, unknown>,
  types: Record<string, unknown>,
): SqlQuery {
  return Object.freeze({
    text,
    params: Object.freeze({ ...params }),
    types: Object.freeze({ ...types }) as Readonly<Record<string, BigQueryParamType>>,
    [queryMarker]: true,
  });
}
