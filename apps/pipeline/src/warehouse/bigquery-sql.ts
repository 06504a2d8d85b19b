import {
  type BigQueryParamType,
  type SqlQuery,
  sql,
  typed,
  unsafeRawSql,
} from '@pipewell/clients/sql';
import { toDuckDbSql } from './duckdb-sql.js';
import { WarehouseSqlError } from './errors.js';

/** Whether a statement reads, or writes (and so runs in turn with the other writes). */
export type StatementKind = 'read' | 'write';

const reads = new Set(['SELECT', 'WITH']);
const writes = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
]);

/** The pieces of a query's text: text, a backtick identifier, or a parameter reference. */
type Piece =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'ident'; readonly name: string }
  | { readonly kind: 'param'; readonly name: string };

// The text is already in the portable subset (checked by toDuckDbSql): literals hold no quote or
// backslash, and comments are terminated.
function piecesOf(text: string): Piece[] {
  const pieces: Piece[] = [];
  let plain = '';
  let i = 0;
  const flush = (): void => {
    if (plain !== '') pieces.push({ kind: 'text', text: plain });
    plain = '';
  };
  while (i < text.length) {
    const ch = text[i] as string;
    const next = text[i + 1];
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      plain += text.slice(i, end + 1);
      i = end + 1;
    } else if ((ch === '-' && next === '-') || ch === '#') {
      const end = text.indexOf('\n', i);
      plain += ' ';
      i = end < 0 ? text.length : end;
    } else if (ch === '/' && next === '*') {
      plain += ' ';
      i = text.indexOf('*/', i + 2) + 2;
    } else if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      flush();
      pieces.push({ kind: 'ident', name: text.slice(i + 1, end) });
      i = end + 1;
    } else if (ch === '@') {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0] ?? '';
      flush();
      pieces.push({ kind: 'param', name });
      i += 1 + name.length;
    } else {
      plain += ch;
      i += 1;
    }
  }
  flush();
  return pieces;
}

const scalarTypes = new Set(['STRING', 'INT64', 'FLOAT64', 'BOOL', 'DATE', 'TIMESTAMP', 'JSON']);

function portableType(query: SqlQuery, name: string): BigQueryParamType {
  const type = query.types[name];
  if (type === undefined) {
    throw new WarehouseSqlError(
      `parameter @${name} is a STRUCT (a plain object), outside the portable subset: pass its fields as parameters`,
    );
  }
  const scalar = Array.isArray(type) ? type[0] : type;
  if (typeof scalar !== 'string' || !scalarTypes.has(scalar)) {
    throw new WarehouseSqlError(
      `parameter @${name} has type ${JSON.stringify(type)}, outside the portable subset (STRING, INT64, FLOAT64, BOOL, DATE, TIMESTAMP, JSON, or an array of one)`,
    );
  }
  return type;
}

/** What {@link toBigQuerySql} makes of a query. */
export interface BigQuerySql {
  /** The query to send: the same parameters, tables renamed for the warehouse's project and prefix. */
  readonly query: SqlQuery;
  /** Whether it reads or writes. */
  readonly kind: StatementKind;
}

/**
 * Check that `query` is in the portable SQL subset (the same checks as the DuckDB adapter, so a
 * query refused on one backend is refused on the other), find whether it reads or writes, and
 * rename its tables: `` `dataset.table` `` becomes `` `project.<datasetPrefix>dataset.table` ``.
 * Values stay parameters: the query is rebuilt with the `sql` tag from its own pieces.
 *
 * @throws WarehouseSqlError for a query outside the subset, or a statement that neither reads
 *   nor writes a table (a script, `BEGIN`, `DECLARE`, `CALL`, `EXPORT`...)
 */
export function toBigQuerySql(
  query: SqlQuery,
  tableName: (dataset: string, table: string) => string,
): BigQuerySql {
  const known = new Set(Object.keys(query.params));
  toDuckDbSql(query.text, known);
  const pieces = piecesOf(query.text);
  const firstText = pieces
    .filter((piece) => piece.kind === 'text')
    .map((piece) => piece.text)
    .join(' ');
  const keyword = /[A-Za-z]+/.exec(firstText)?.[0]?.toUpperCase() ?? '';
  const kind: StatementKind | undefined = reads.has(keyword)
    ? 'read'
    : writes.has(keyword)
      ? 'write'
      : undefined;
  if (kind === undefined) {
    throw new WarehouseSqlError(
      `query cannot run a ${keyword || 'blank'} statement: it runs SELECT, INSERT, UPDATE, DELETE, MERGE and table DDL`,
    );
  }
  let rebuilt: SqlQuery | undefined;
  const append = (next: SqlQuery | ReturnType<typeof typed>): void => {
    rebuilt = rebuilt === undefined ? sql`${next}` : sql`${rebuilt}${next}`;
  };
  for (const piece of pieces) {
    if (piece.kind === 'param') {
      append(typed(query.params[piece.name], portableType(query, piece.name)));
    } else if (piece.kind === 'ident') {
      const parts = piece.name.split('.');
      const name =
        parts.length === 2 ? tableName(parts[0] as string, parts[1] as string) : piece.name;
      append(unsafeRawSql(`\`${name}\``));
    } else if (piece.text.trim() === '') {
      rebuilt = rebuilt === undefined ? sql` ` : sql`${rebuilt} `;
    } else {
      append(unsafeRawSql(piece.text));
    }
  }
  return { query: rebuilt ?? query, kind };
}
