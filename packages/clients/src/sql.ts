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
 */
export interface SqlQuery {
  readonly text: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly types: Readonly<Record<string, BigQueryParamType>>;
}

const queryMarker = Symbol.for('@pipewell/clients.SqlQuery');
const identifierMarker: unique symbol = Symbol.for('@pipewell/clients.SqlIdentifier') as never;
const typedMarker: unique symbol = Symbol.for('@pipewell/clients.SqlTyped') as never;

/** A validated, quoted table or dataset identifier from {@link ident}. */
export interface SqlIdentifier {
  /** The identifier, backtick-quoted. */
  readonly quoted: string;
  readonly [identifierMarker]: true;
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
  return Object.freeze({ quoted: `\`${names.join('.')}\``, [identifierMarker]: true as const });
}

/** Check a column name (for helpers that build column lists); returns it backtick-quoted. */
export function column(name: string): string {
  if (typeof name !== 'string' || !columnPattern.test(name)) {
    throw new ClientConfigError(
      'column',
      `illegal column name ${JSON.stringify(name)} (letters, digits and underscores, not starting with a digit)`,
    );
  }
  return `\`${name}\``;
}

/**
 * A parameter with an explicit type: for `null`, an empty array, or a string that is a DATE.
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

/** The parameter type of a value (undefined for a plain object: a STRUCT the client infers). */
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

/**
 * Build a parameterized BigQuery query. Every interpolated value becomes a named parameter with
 * its type (arrays become array parameters, for `IN UNNEST(...)`), so a value can never change
 * the SQL: `' OR 1=1 --` stays a string. Only {@link ident} identifiers and nested `sql`
 * fragments are placed into the text.
 *
 * @example
 * ```ts
 * const q = sql`SELECT player_id, points FROM ${ident('nba_analytics.player_game_summary')}
 *   WHERE game_id IN UNNEST(${gameIds}) AND game_date = ${typed(date, 'DATE')}`;
 * ```
 */
export function sql(strings: TemplateStringsArray, ...values: readonly unknown[]): SqlQuery {
  let text = strings[0] ?? '';
  const params: Record<string, unknown> = {};
  const types: Record<string, BigQueryParamType> = {};
  let next = 0;
  const add = (value: unknown, type: BigQueryParamType | undefined): string => {
    const name = `p${next++}`;
    params[name] = value;
    if (type !== undefined) types[name] = type;
    return `@${name}`;
  };
  values.forEach((value, index) => {
    let piece: string;
    if (isMarked(value, identifierMarker)) {
      piece = (value as SqlIdentifier).quoted;
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
      piece = add(inner, type);
    } else {
      piece = add(value, inferType(value, `value ${index + 1}`));
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

/** True for a query built by {@link sql}. */
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
