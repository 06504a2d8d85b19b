import Table from 'cli-table3';

/** Options of {@link renderTable}. */
export interface RenderTableOptions {
  /** Columns whose cells align right (numbers), by index. */
  readonly rightAligned?: readonly number[];
}

/**
 * A table as text, bordered with plain characters and without colours, so it reads the same on
 * a terminal, in a CI log and in a file.
 */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: RenderTableOptions = {},
): string {
  const right = new Set(options.rightAligned ?? []);
  const table = new Table({
    head: [...head],
    style: { head: [], border: [] },
    colAligns: head.map((_, index) => (right.has(index) ? 'right' : 'left')),
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}
