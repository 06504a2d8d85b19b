import { describe, expect, it } from 'vitest';
import { openDuckDbWarehouse } from '../warehouse/index.js';
import { allTables } from './index.js';

describe('the table catalogue', () => {
  it('creates every table on DuckDB, twice without change', async () => {
    await using warehouse = await openDuckDbWarehouse({ path: ':memory:' });
    await warehouse.ensureTables(allTables);
    await warehouse.ensureTables(allTables);
    for (const table of allTables) expect(await warehouse.count(table)).toBe(0);
  });

  it('names every table once, in the datasets of the original system', () => {
    const names = allTables.map((table) => table.name);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(allTables.map((table) => table.dataset))).toEqual(
      new Set([
        'nba_orchestration',
        'nba_reference',
        'nba_raw',
        'nba_analytics',
        'nba_precompute',
        'nba_predictions',
      ]),
    );
  });
});
