import { describe, expectTypeOf, it } from 'vitest';
import { processorRunHistory } from './bookkeeping-tables.js';
import type { Warehouse } from './port.js';
import { defineTable, type JsonValue, type TableRow, type TableRowInput } from './table.js';

const games = defineTable({
  name: 'nba_raw.games',
  columns: { game_key: 'STRING', game_date: 'DATE', points: 'INT64', live: 'BOOL', extra: 'JSON' },
  keys: ['game_key'],
  description: 'types',
});

declare const warehouse: Warehouse;

describe('table row types', () => {
  it('infer a stored row from the columns: keys set, others nullable', () => {
    expectTypeOf<TableRow<typeof games>>().toEqualTypeOf<{
      game_key: string;
      game_date: string | null;
      points: number | null;
      live: boolean | null;
      extra: JsonValue | null;
    }>();
  });

  it('let merge take rows with the keys and any other columns', () => {
    void warehouse.merge(games, [{ game_key: 'g' }, { game_key: 'g2', points: 3, live: null }]);
    void warehouse.merge(processorRunHistory, [
      { run_id: 'r', status: 'running', degraded_reasons: ['odds stale'], started_at: 'x' },
    ]);
    // @ts-expect-error the key is required
    void warehouse.merge(games, [{ points: 3 }]);
    // @ts-expect-error an INT64 column takes a number
    void warehouse.merge(games, [{ game_key: 'g', points: '3' }]);
    // @ts-expect-error not a column of the table
    void warehouse.merge(games, [{ game_key: 'g', pts: 3 }]);
    // @ts-expect-error a key cannot be null
    void warehouse.merge(games, [{ game_key: null }]);
    expectTypeOf<TableRowInput<typeof games>['extra']>().toEqualTypeOf<
      JsonValue | null | undefined
    >();
  });

  it('refuse keys, partitions and clusters that are not columns', () => {
    // @ts-expect-error keys must be columns
    defineTable({ name: 'a.b', columns: { x: 'STRING' }, keys: ['y'], description: 'd' });
    defineTable({
      name: 'a.b',
      columns: { x: 'STRING' },
      keys: ['x'],
      // @ts-expect-error partitionBy must be a column
      partitionBy: 'd',
      description: 'd',
    });
    // @ts-expect-error column types are the seven BigQuery names
    defineTable({ name: 'a.b', columns: { x: 'TEXT' }, keys: ['x'], description: 'd' });
  });
});
