import { WarehouseSqlError } from './errors.js';

/** A query's text rewritten for DuckDB, and the parameters it uses. */
export interface DuckDbSql {
  /** The text: identifiers double-quoted, `@p0` as `$p0`, comments removed. */
  readonly text: string;
  /** The names of the parameters the text uses (`p0`, ...), each once, in order of appearance. */
  readonly parameters: readonly string[];
}

const parameterName = /[A-Za-z_][A-Za-z0-9_]*/y;

function refuse(text: string, at: number, why: string): never {
  const near = text.slice(Math.max(0, at - 20), at + 20).replace(/\s+/g, ' ');
  throw new WarehouseSqlError(
    `query not in the portable SQL subset: ${why} (near ${JSON.stringify(near)})`,
  );
}

function quoteIdentifier(text: string, at: number, inner: string): string {
  const parts = inner.split('.');
  if (parts.length > 2) {
    refuse(text, at, 'a project-qualified name (project.dataset.table); write dataset.table');
  }
  if (parts.some((part) => part === '' || /[\s"]/.test(part))) {
    refuse(text, at, `the identifier \`${inner}\` has an empty part, a space or a double quote`);
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/**
 * Rewrite the BigQuery-flavoured text of a `sql` query for DuckDB, token by token, outside
 * string literals and comments only: a backtick identifier (`` `nba_raw.games` ``) becomes
 * double-quoted parts (`"nba_raw"."games"`), a parameter `@p0` becomes `$p0`, comments go, and a
 * trailing `;` goes. Refused with {@link WarehouseSqlError}, because the two engines would read
 * them differently or the text would not be one statement: double-quoted text (a string in
 * BigQuery, an identifier in DuckDB), a backslash or triple quote in a string literal, `?` and `$`
 * (DuckDB's own parameters), `@@` variables, a parameter `known` lacks, a `;` before the end,
 * an unterminated literal or comment.
 *
 * @example
 * ```ts
 * toDuckDbSql('SELECT * FROM `d.t` WHERE a = @p0', new Set(['p0']));
 * // { text: 'SELECT * FROM "d"."t" WHERE a = $p0', parameters: ['p0'] }
 * ```
 */
export function toDuckDbSql(text: string, known: ReadonlySet<string>): DuckDbSql {
  let out = '';
  const used: string[] = [];
  let i = 0;
  const length = text.length;
  while (i < length) {
    const ch = text[i] as string;
    const next = text[i + 1];
    if (ch === "'") {
      if (next === "'" && text[i + 2] === "'") refuse(text, i, "a triple-quoted string '''...'''");
      const end = text.indexOf("'", i + 1);
      if (end < 0) refuse(text, i, 'an unterminated string literal');
      const body = text.slice(i + 1, end);
      if (body.includes('\\')) {
        refuse(
          text,
          i,
          'a backslash in a string literal (the engines escape differently): pass the value as a parameter',
        );
      }
      if (text[end + 1] === "'") {
        refuse(
          text,
          end,
          'a quote inside a string literal (the engines escape it differently): pass the value as a parameter',
        );
      }
      out += text.slice(i, end + 1);
      i = end + 1;
    } else if (ch === '"') {
      refuse(
        text,
        i,
        'double-quoted text: write strings in single quotes, identifiers with ident() or column()',
      );
    } else if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) refuse(text, i, 'an unterminated backtick identifier');
      out += quoteIdentifier(text, i, text.slice(i + 1, end));
      i = end + 1;
    } else if ((ch === '-' && next === '-') || ch === '#') {
      const end = text.indexOf('\n', i);
      out += ' ';
      i = end < 0 ? length : end;
    } else if (ch === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) refuse(text, i, 'an unterminated /* comment');
      out += ' ';
      i = end + 2;
    } else if (ch === '@') {
      if (next === '@') refuse(text, i, 'a system variable (@@...)');
      parameterName.lastIndex = i + 1;
      const match = parameterName.exec(text);
      if (match === null) refuse(text, i, 'an @ that is not a parameter');
      const name = match[0];
      if (!known.has(name))
        refuse(text, i, `the parameter @${name}, which the query does not have`);
      if (!used.includes(name)) used.push(name);
      out += `$${name}`;
      i += 1 + name.length;
    } else if (ch === '?' || ch === '$') {
      refuse(text, i, `${ch}, DuckDB's own parameter syntax: interpolate values with the sql tag`);
    } else if (ch === ';') {
      if (!/^(\s|--[^\n]*(\n|$)|#[^\n]*(\n|$))*$/.test(text.slice(i + 1))) {
        refuse(text, i, 'more than one statement: one query runs one statement');
      }
      i = length;
    } else {
      out += ch;
      i += 1;
    }
  }
  return { text: out.trim(), parameters: used };
}
