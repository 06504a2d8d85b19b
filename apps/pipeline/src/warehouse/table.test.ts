import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { processorRunHistory, scraperExecutionLog } from './bookkeeping-tables.js';
import { TableDefinitionError } from './errors.js';
import { type Columns, defineTable, type TableSpec } from './table.js';

const base = {
  name: 'nba_raw.bdl_player_boxscores',
  columns: {
    game_key: 'STRING',
    player_id: 'INT64',
    game_date: 'DATE',
    minutes: 'FLOAT64',
    detail: 'JSON',
  },
  keys: ['game_key', 'player_id'],
  partitionBy: 'game_date',
  clusterBy: ['player_id'],
  description: 'One row per player per game.',
} as const;

describe('defineTable', () => {
  it('returns a frozen definition with its parts and columns in order', () => {
    const table = defineTable(base);
    expect(table).toEqual({
      ...base,
      dataset: 'nba_raw',
      table: 'bdl_player_boxscores',
      columnNames: ['game_key', 'player_id', 'game_date', 'minutes', 'detail'],
    });
    expect(Object.isFrozen(table)).toBe(true);
    expect(Object.isFrozen(table.columns)).toBe(true);
    expect(Object.isFrozen(table.keys)).toBe(true);
  });

  it('defaults clusterBy to none and partitionBy to undefined', () => {
    const { clusterBy: _c, partitionBy: _p, ...rest } = base;
    const table = defineTable(rest);
    expect(table.clusterBy).toEqual([]);
    expect(table.partitionBy).toBeUndefined();
  });

  const refused: Array<[string, Partial<TableSpec<Columns, string>>, string, RegExp]> = [
    ['a name without a dataset', { name: 'boxscores' }, 'name', /must be dataset.table/],
    ['a project-qualified name', { name: 'p.d.t' }, 'name', /must be dataset.table/],
    [
      'an upper-case table name',
      { name: 'nba_raw.BoxScores' },
      'name',
      /table "BoxScores" is not a valid name/,
    ],
    ['a dataset with a dash', { name: 'nba-raw.t' }, 'name', /dataset "nba-raw"/],
    ['no columns', { columns: {} }, 'columns', /at least one column/],
    [
      'a column name with a space',
      { columns: { ...base.columns, 'two words': 'STRING' } },
      'columns.two words',
      /not a valid name/,
    ],
    [
      'a column name starting with an underscore',
      { columns: { ...base.columns, _partitiontime: 'DATE' } },
      'columns._partitiontime',
      /"_partitiontime" is not a valid name/,
    ],
    [
      'an unknown column type',
      { columns: { ...base.columns, points: 'INTEGER' as 'INT64' } },
      'columns.points',
      /"INTEGER" \(expected one of STRING, INT64/,
    ],
    ['no keys', { keys: [] as unknown as [string] }, 'keys', /at least one key/],
    ['a key that is not a column', { keys: ['game_id'] }, 'keys', /key "game_id" is not a column/],
    ['a JSON key', { keys: ['detail'] }, 'keys', /is JSON, which cannot be a key/],
    ['a FLOAT64 key', { keys: ['minutes'] }, 'keys', /is FLOAT64, which cannot be a key/],
    ['a key named twice', { keys: ['game_key', 'game_key'] }, 'keys', /twice/],
    ['a partition that is not a column', { partitionBy: 'day' }, 'partitionBy', /not a column/],
    [
      'a partition that is not a DATE',
      { partitionBy: 'player_id' },
      'partitionBy',
      /must be a DATE/,
    ],
    [
      'five cluster columns',
      { clusterBy: ['game_key', 'player_id', 'game_date', 'game_key', 'player_id'] },
      'clusterBy',
      /at most four/,
    ],
    [
      'a FLOAT64 cluster column',
      { clusterBy: ['minutes'] },
      'clusterBy',
      /cluster column "minutes" must be/,
    ],
    [
      'a cluster column named twice',
      { clusterBy: ['player_id', 'player_id'] },
      'clusterBy',
      /twice/,
    ],
    ['an empty description', { description: ' ' }, 'description', /needs a description/],
  ];
  it.each(refused)('refuses %s, naming the field', async (_, change, option, message) => {
    const error = await catchError(
      () => defineTable({ ...base, ...change } as TableSpec<Columns, string>),
      TableDefinitionError,
    );
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });
});

describe('bookkeeping tables', () => {
  it('key the scraper log and the run history on run_id, partitioned by data_date', () => {
    for (const table of [scraperExecutionLog, processorRunHistory]) {
      expect(table.keys).toEqual(['run_id']);
      expect(table.partitionBy).toBe('data_date');
    }
    expect(scraperExecutionLog.name).toBe('nba_orchestration.scraper_execution_log');
    expect(processorRunHistory.name).toBe('nba_reference.processor_run_history');
    expect(processorRunHistory.columns.degraded_reasons).toBe('JSON');
    expect(processorRunHistory.columns.heartbeat_at).toBe('TIMESTAMP');
  });
});
