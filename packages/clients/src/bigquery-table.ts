import { ClientConfigError } from './project.js';
import { ident, type SqlIdentifier } from './sql-tag.js';

/** A table: `'dataset.table'`, `'project.dataset.table'`, or an {@link ident}. */
export type TableName = string | SqlIdentifier;

/** A table's parts, validated, and its quoted identifier. Internal: not exported. */
export function tableParts(table: TableName): {
  projectId: string | undefined;
  dataset: string;
  table: string;
  quoted: string;
} {
  const identifier = typeof table === 'string' ? ident(table) : table;
  const names = identifier.quoted.slice(1, -1).split('.');
  if (names.length < 2)
    throw new ClientConfigError('table', `table ${identifier.quoted} must be dataset.table`);
  const [a, b, c] = names as [string, string, string | undefined];
  return c === undefined
    ? { projectId: undefined, dataset: a, table: b, quoted: identifier.quoted }
    : { projectId: a, dataset: b, table: c, quoted: identifier.quoted };
}
