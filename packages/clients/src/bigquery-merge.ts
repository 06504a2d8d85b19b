import { type QueryOptions, query } from './bigquery-query.js';
import { type TableName, tableParts } from './bigquery-table.js';
import { ClientConfigError } from './project.js';
import {
  type BigQueryParamType,
  checkParameter,
  column,
  inferType,
  trustedQuery,
} from './sql-tag.js';

/** Options for {@link mergeRows}. */
export interface MergeRowsOptions extends Omit<QueryOptions, 'maxResults'> {
  /** The columns that identify a row; rows with the same key are updated, others inserted. */
  readonly keys: readonly string[];
  /**
   * Column types, needed when a column is null in every row. A `DATE` column's strings must be
   * calendar dates (`YYYY-MM-DD`); `2026-02-30` throws naming the row and column.
   */
  readonly types?: Readonly<Record<string, BigQueryParamType>>;
}

/**
 * Upsert rows by key with one `MERGE` statement (rows passed as an array-of-struct parameter):
 * running it twice leaves the table as running it once, so a retried load is safe.
 *
 * @example
 * ```ts
 * await mergeRows('nba_analytics.player_game_summary', summaries, { keys: ['game_id', 'player_id'] });
 * ```
 */
export async function mergeRows(
  table: TableName,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: MergeRowsOptions,
): Promise<void> {
  const target = tableParts(table);
  if (!Array.isArray(rows))
    throw new ClientConfigError('rows', `mergeRows needs an array of rows (got ${typeof rows})`);
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] ?? {});
  if (columns.length === 0)
    throw new ClientConfigError('rows', 'mergeRows needs rows with at least one column');
  columns.forEach(column);
  rows.forEach((row, index) => {
    const keys = Object.keys(row);
    if (keys.length !== columns.length || !keys.every((key) => columns.includes(key))) {
      throw new ClientConfigError(
        'rows',
        `row ${index} has columns ${keys.join(', ')}; every row needs ${columns.join(', ')}`,
      );
    }
  });
  const keys = options?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new ClientConfigError('keys', 'mergeRows needs { keys } naming the key columns');
  for (const key of keys) {
    if (!columns.includes(key))
      throw new ClientConfigError('keys', `key column ${JSON.stringify(key)} is not in the rows`);
    rows.forEach((row, index) => {
      if (row[key] === null || row[key] === undefined) {
        throw new ClientConfigError(
          'keys',
          `row ${index} has no value for key column ${JSON.stringify(key)}`,
        );
      }
    });
  }
  for (const name of columns) {
    if (
      options.types?.[name] === undefined &&
      rows.every((row) => row[name] === null || row[name] === undefined)
    ) {
      throw new ClientConfigError(
        'types',
        `column ${JSON.stringify(name)} is null in every row: give its type in { types }`,
      );
    }
  }
  const quote = (name: string): string => column(name).quoted;
  const on = keys.map((key) => `T.${quote(key)} = S.${quote(key)}`).join(' AND ');
  const set = columns
    .filter((name) => !keys.includes(name))
    .map((name) => `${quote(name)} = S.${quote(name)}`)
    .join(', ');
  const list = columns.map(quote).join(', ');
  const values = columns.map((name) => `S.${quote(name)}`).join(', ');
  const structType = Object.fromEntries(
    columns.map((name) => [name, options.types?.[name] ?? inferColumnType(rows, name)]),
  );
  checkParameter(rows, [structType], 'rows', 'rows');
  // The text holds only the validated table identifier and column names; the rows travel as one
  // array-of-struct parameter.
  const statement = trustedQuery(
    `MERGE ${target.quoted} T USING UNNEST(@rows) S ON ${on}` +
      (set === '' ? '' : ` WHEN MATCHED THEN UPDATE SET ${set}`) +
      ` WHEN NOT MATCHED THEN INSERT (${list}) VALUES (${values})`,
    { rows },
    { rows: [structType] },
  );
  const { keys: _keys, types: _types, ...queryOptions } = options;
  await query(statement, queryOptions);
}

function inferColumnType(
  rows: ReadonlyArray<Record<string, unknown>>,
  name: string,
): BigQueryParamType {
  // The column's values typed like an array parameter: one type, INT64 widening to FLOAT64.
  const values = rows
    .map((row) => row[name])
    .filter((value) => value !== null && value !== undefined);
  const type = inferType(values, `column ${JSON.stringify(name)}`);
  const element = Array.isArray(type) ? type[0] : undefined;
  if (element === undefined) {
    throw new ClientConfigError(
      'types',
      `cannot infer the type of column ${JSON.stringify(name)}: give it in { types }`,
    );
  }
  return element;
}

/**
 * The old name of {@link MergeRowsOptions}.
 * @deprecated Use `MergeRowsOptions`; this name is removed in the next minor release.
 */
export type MergeOptions = MergeRowsOptions;
