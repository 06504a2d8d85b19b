import { unsafeRawSql } from '@pipewell/clients/sql';
import { openDuckDbWarehouse, type Warehouse } from '../warehouse/index.js';
import { CliInputError } from './errors.js';
import { renderTable } from './table.js';

/** Statements `pipewell query` runs: they only read. */
const readKeywords = new Set([
  'select',
  'with',
  'values',
  'from',
  'explain',
  'describe',
  'show',
  'summarize',
]);

/** Words that make a statement write (or reach outside the warehouse), wherever they appear. */
const writeKeywords = new Set([
  'insert',
  'update',
  'delete',
  'merge',
  'create',
  'drop',
  'alter',
  'truncate',
  'copy',
  'attach',
  'detach',
  'install',
  'load',
  'pragma',
  'set',
  'reset',
  'call',
  'checkpoint',
  'vacuum',
  'export',
  'import',
  'analyze',
  'begin',
  'commit',
  'rollback',
]);

/** The words of `text` outside string literals, quoted identifiers and comments, lower-cased. */
function bareWords(text: string): string[] {
  const stripped = text
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'[^']*'/g, ' ')
    .replace(/`[^`]*`/g, ' ')
    .replace(/"[^"]*"/g, ' ');
  return stripped.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? [];
}

/**
 * Why `text` is not a read-only query, or undefined when it is one: it must start with
 * `SELECT`, `WITH`, `VALUES`, `FROM`, `EXPLAIN`, `DESCRIBE`, `SHOW` or `SUMMARIZE`, and contain
 * no word that writes (`INSERT`, `UPDATE`, `DELETE`, `CREATE`, `COPY`, `ATTACH`, `SET`...) outside
 * string literals, quoted identifiers and comments. A column or table named like one of those
 * words must be quoted.
 *
 * Only a first, friendlier refusal in the operator's words, before the data directory is locked:
 * the guarantee that nothing is written is the read-only open of {@link queryWarehouseFile}.
 */
export function readOnlyProblem(text: string): string | undefined {
  const words = bareWords(text);
  const first = words[0];
  if (first === undefined) return 'the query is empty';
  if (!readKeywords.has(first)) {
    return `a ${first.toUpperCase()} statement is refused: query only reads (start with SELECT or WITH)`;
  }
  const writer = words.find((word) => writeKeywords.has(word));
  if (writer !== undefined) {
    return `${writer.toUpperCase()} is refused: query only reads (quote a column of that name)`;
  }
  return undefined;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value, jsonValue);
  return String(value);
}

function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Rows as a table (columns in the order of the first row); `(no rows)` when there are none. */
export function formatRows(rows: readonly Record<string, unknown>[]): string {
  const first = rows[0];
  if (first === undefined) return '(no rows)';
  const columns = Object.keys(first);
  return renderTable(
    columns,
    rows.map((row) => columns.map((name) => cell(row[name]))),
    {
      rightAligned: columns
        .map((name, index) => (typeof first[name] === 'number' ? index : -1))
        .filter((index) => index >= 0),
    },
  );
}

/** Rows as JSON lines, one object per row. */
export function formatJsonLines(rows: readonly Record<string, unknown>[]): string {
  return rows.map((row) => JSON.stringify(row, jsonValue)).join('\n');
}

/**
 * Run the operator's `text` on `warehouse` and return its rows. The text is the operator's own,
 * trusted as written (`unsafeRawSql`: the operator owns the warehouse); open `warehouse` with
 * `readOnly: true`, as {@link queryWarehouseFile} does, so that DuckDB refuses any write.
 *
 * @throws CliInputError when {@link readOnlyProblem} refuses the text
 */
export async function queryReadOnly(
  warehouse: Warehouse,
  text: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>[]> {
  const problem = readOnlyProblem(text);
  if (problem !== undefined) throw new CliInputError('sql', problem);
  return warehouse.query(unsafeRawSql(text), signal === undefined ? {} : { signal });
}

/**
 * Open the warehouse file at `path` read-only (DuckDB's own read-only mode, so every write is
 * refused by DuckDB whatever the text), run the operator's `text` with {@link queryReadOnly},
 * close the file, and return the rows. What `pipewell query` runs.
 *
 * @throws CliInputError when {@link readOnlyProblem} refuses the text (before the file is opened)
 * @throws WarehouseSqlError when the statement would write (`INSERT refused: the warehouse ...
 *   is open read-only ...`) or is not one a read-only warehouse runs
 * @example
 * ```ts
 * const rows = await queryWarehouseFile(dataDir.warehousePath, 'SELECT COUNT(*) AS n FROM `nba_raw.games`');
 * ```
 */
export async function queryWarehouseFile(
  path: string,
  text: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>[]> {
  const problem = readOnlyProblem(text);
  if (problem !== undefined) throw new CliInputError('sql', problem);
  await using warehouse = await openDuckDbWarehouse({ path, readOnly: true });
  return queryReadOnly(warehouse, text, signal);
}
