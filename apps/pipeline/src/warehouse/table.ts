import { TableDefinitionError } from './errors.js';

/**
 * A column type, named as BigQuery names it. Every backend stores and returns the same JS values
 * (see {@link ColumnValue}); a column of any type may hold NULL, except the key columns.
 */
export type ColumnType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'DATE' | 'TIMESTAMP' | 'JSON';

/** Every {@link ColumnType}, in a stable order. */
export const columnTypes: readonly ColumnType[] = Object.freeze([
  'STRING',
  'INT64',
  'FLOAT64',
  'BOOL',
  'DATE',
  'TIMESTAMP',
  'JSON',
]);

/** A value a `JSON` column holds: what `JSON.parse` returns. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * The JS value of each column type, written and read alike on every backend:
 *
 * | type | JS value |
 * |---|---|
 * | `STRING` | `string` |
 * | `INT64` | `number`, a safe integer (an unsafe one is refused on write and on read) |
 * | `FLOAT64` | `number`, finite |
 * | `BOOL` | `boolean` |
 * | `DATE` | `'YYYY-MM-DD'`, a real calendar date |
 * | `TIMESTAMP` | an ISO 8601 string; read back as `Date#toISOString()` writes it (UTC, ms) |
 * | `JSON` | any JSON value (`null` in a row is SQL NULL) |
 *
 * NULL is `null` (and a non-key column left out of a row written is NULL).
 */
export interface ColumnValue {
  STRING: string;
  INT64: number;
  FLOAT64: number;
  BOOL: boolean;
  DATE: string;
  TIMESTAMP: string;
  JSON: JsonValue;
}

/** The columns of a table: each name and its type. */
export type Columns = Readonly<Record<string, ColumnType>>;

/** What {@link defineTable} takes. */
export interface TableSpec<C extends Columns, K extends keyof C & string> {
  /** `dataset.table`, lower-case letters, digits and underscores (a dataset is a DuckDB schema). */
  readonly name: string;
  /** The columns, in the order the table gets them. */
  readonly columns: C;
  /** The natural key: the columns `merge` upserts on. Never NULL; not `JSON` or `FLOAT64`. */
  readonly keys: readonly [K, ...K[]];
  /** A `DATE` column the table is partitioned by (BigQuery); what `replacePartition` replaces. */
  readonly partitionBy?: keyof C & string;
  /** Up to four columns the table is clustered by (BigQuery); ignored by DuckDB. */
  readonly clusterBy?: readonly (keyof C & string)[];
  /** What one row is, for the catalogue and the BigQuery table description. */
  readonly description: string;
}

/**
 * A validated table of the catalogue, made by {@link defineTable}. Its type carries the columns
 * and keys, so {@link TableRow} and {@link TableRowInput} follow from it.
 */
export interface TableDefinition<
  C extends Columns = Columns,
  K extends keyof C & string = keyof C & string,
> {
  /** `dataset.table`. */
  readonly name: string;
  /** The dataset (BigQuery) or schema (DuckDB). */
  readonly dataset: string;
  /** The table name within its dataset. */
  readonly table: string;
  /** Each column's type. */
  readonly columns: C;
  /** The column names, in order. */
  readonly columnNames: readonly string[];
  /** The natural key columns. */
  readonly keys: readonly K[];
  /** The `DATE` partition column, if any. */
  readonly partitionBy: string | undefined;
  /** The clustering columns (possibly none). */
  readonly clusterBy: readonly string[];
  /** What one row is. */
  readonly description: string;
}

/** Any table definition, whatever its columns. */
export type AnyTable = TableDefinition<Columns, string>;

type Simplify<T> = { [P in keyof T]: T[P] } & {};

/** A row as stored and read back: keys set, every other column present, NULL as `null`. */
export type TableRow<T> =
  T extends TableDefinition<infer C, infer K>
    ? Simplify<
        { -readonly [P in K]: ColumnValue[C[P]] } & {
          -readonly [P in Exclude<keyof C & string, K>]: ColumnValue[C[P]] | null;
        }
      >
    : never;

/** A row as written: keys required; any other column may be left out (it is then NULL). */
export type TableRowInput<T> =
  T extends TableDefinition<infer C, infer K>
    ? Simplify<
        { readonly [P in K]: ColumnValue[C[P]] } & {
          readonly [P in Exclude<keyof C & string, K>]?: ColumnValue[C[P]] | null;
        }
      >
    : never;

const namePattern = /^[a-z][a-z0-9_]{0,127}$/;
const keyTypes: ReadonlySet<ColumnType> = new Set(['STRING', 'INT64', 'BOOL', 'DATE', 'TIMESTAMP']);
const clusterTypes = keyTypes;

function fail(option: string, message: string): never {
  throw new TableDefinitionError(option, message);
}

function checkName(option: string, what: string, name: unknown): void {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    fail(
      option,
      `${what} ${JSON.stringify(name)} is not a valid name (lower-case letters, digits and underscores, starting with a letter, at most 128 characters)`,
    );
  }
}

/**
 * Define a table of the catalogue, validated now: the name is `dataset.table`, every name is a
 * lower-case identifier, the keys, the partition column and the clustering columns are columns
 * of usable types. The returned definition types the rows of `merge` and `replacePartition`.
 *
 * @throws TableDefinitionError naming the field at fault
 * @example
 * ```ts
 * export const boxScores = defineTable({
 *   name: 'nba_raw.bdl_player_boxscores',
 *   columns: { game_key: 'STRING', player_id: 'INT64', game_date: 'DATE', points: 'INT64' },
 *   keys: ['game_key', 'player_id'],
 *   partitionBy: 'game_date',
 *   description: 'One row per player per game, from balldontlie /stats.',
 * });
 * await warehouse.merge(boxScores, [{ game_key: '20260124_BOS_CHI', player_id: 1, points: 31 }]);
 * ```
 */
export function defineTable<const C extends Columns, const K extends keyof C & string>(
  spec: TableSpec<C, K>,
): TableDefinition<C, K> {
  if (typeof spec !== 'object' || spec === null) fail('table', 'defineTable needs a table spec');
  const { name, columns, keys, partitionBy, clusterBy = [], description } = spec;
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length !== 2) {
    fail('name', `table name ${JSON.stringify(name)} must be dataset.table`);
  }
  const [dataset, table] = parts as [string, string];
  checkName('name', 'dataset', dataset);
  checkName('name', 'table', table);
  const where = `table ${name}`;
  if (typeof columns !== 'object' || columns === null || Object.keys(columns).length === 0) {
    fail('columns', `${where} needs at least one column`);
  }
  const columnNames = Object.keys(columns);
  for (const column of columnNames) {
    checkName(`columns.${column}`, `${where} column`, column);
    const type = columns[column];
    if (!columnTypes.includes(type as ColumnType)) {
      fail(
        `columns.${column}`,
        `${where} column ${JSON.stringify(column)} has type ${JSON.stringify(type)} (expected one of ${columnTypes.join(', ')})`,
      );
    }
  }
  const isColumn = (value: unknown): value is keyof C & string =>
    typeof value === 'string' && Object.hasOwn(columns, value);
  if (!Array.isArray(keys) || keys.length === 0) {
    fail('keys', `${where} needs at least one key column`);
  }
  for (const key of keys) {
    if (!isColumn(key)) fail('keys', `${where} key ${JSON.stringify(key)} is not a column`);
    if (!keyTypes.has(columns[key] as ColumnType)) {
      fail('keys', `${where} key ${JSON.stringify(key)} is ${columns[key]}, which cannot be a key`);
    }
  }
  if (new Set(keys).size !== keys.length) fail('keys', `${where} names a key column twice`);
  if (partitionBy !== undefined) {
    if (!isColumn(partitionBy)) {
      fail(
        'partitionBy',
        `${where} partition column ${JSON.stringify(partitionBy)} is not a column`,
      );
    }
    if (columns[partitionBy] !== 'DATE') {
      fail(
        'partitionBy',
        `${where} partition column ${JSON.stringify(partitionBy)} must be a DATE`,
      );
    }
  }
  if (!Array.isArray(clusterBy) || clusterBy.length > 4) {
    fail('clusterBy', `${where} may cluster by at most four columns`);
  }
  for (const column of clusterBy) {
    if (!isColumn(column) || !clusterTypes.has(columns[column] as ColumnType)) {
      fail(
        'clusterBy',
        `${where} cluster column ${JSON.stringify(column)} must be a STRING, INT64, BOOL, DATE or TIMESTAMP column`,
      );
    }
  }
  if (new Set(clusterBy).size !== clusterBy.length) {
    fail('clusterBy', `${where} names a cluster column twice`);
  }
  if (typeof description !== 'string' || description.trim() === '') {
    fail('description', `${where} needs a description`);
  }
  return Object.freeze({
    name,
    dataset,
    table,
    columns: Object.freeze({ ...columns }),
    columnNames: Object.freeze(columnNames),
    keys: Object.freeze([...keys]),
    partitionBy,
    clusterBy: Object.freeze([...clusterBy]),
    description,
  });
}
