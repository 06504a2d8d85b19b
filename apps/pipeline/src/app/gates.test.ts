import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ident, sql } from '@pipewell/clients/sql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allTables, nbacSchedule } from '../catalog/index.js';
import { judgeGate, type PhaseRecord } from '../orchestration/index.js';
import { type LocalStateStore, openLocalStateStore } from '../state/index.js';
import { openDuckDbWarehouse, type Warehouse } from '../warehouse/index.js';
import { pipelineGates } from './gates.js';

const record = {} as PhaseRecord;
let warehouse: Warehouse;
let state: LocalStateStore;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipewell-gates-'));
  state = await openLocalStateStore({ dir });
  warehouse = await openDuckDbWarehouse({ path: ':memory:' });
  await warehouse.ensureTables(allTables);
  await warehouse.merge(nbacSchedule, [
    game('2025-11-26', 'BOS', 'NYK'),
    game('2025-11-28', 'LAL', 'GSW'),
  ]);
});

afterEach(async () => {
  await warehouse.close();
  await state.close();
  await rm(dir, { recursive: true, force: true });
});

function game(date: string, home: string, away: string) {
  return {
    game_key: `${date.replaceAll('-', '')}_${away}_${home}`,
    game_date: date,
    home_team: home,
    away_team: away,
  };
}

async function judge(name: '2->3' | '3->4', dataDate: string) {
  const checks = await pipelineGates(state)[name](dataDate, warehouse, { record });
  const [from, to] = name === '2->3' ? ([2, 3] as const) : ([3, 4] as const);
  return judgeGate(
    { from, to, dataDate, decidedBy: 'all-reported', decidedAt: `${dataDate}T12:00:00.000Z` },
    checks,
  );
}

describe('the pipeline gates around a day without games (Thanksgiving)', () => {
  it('2->3 opens on the loaded season schedule, though the date itself has no games', async () => {
    expect(await judge('2->3', '2025-11-27')).toMatchObject({ open: true, degraded: false });
  });

  it('2->3 stays shut while the schedule is empty', async () => {
    await warehouse.query(sql`DELETE FROM ${ident(nbacSchedule.name)} WHERE TRUE`);
    expect((await judge('2->3', '2025-11-27')).open).toBe(false);
  });

  it('3->4 has nothing of yesterday to cover on the day after a day without games', async () => {
    const decision = await judge('3->4', '2025-11-28');
    const reasons = decision.reasons.join('\n');
    expect(reasons).toContain(
      'player_game_summary: expected 0 records for 2025-11-28, nothing missing',
    );
    // Today's game has no player context: that check, not yesterday's, keeps the gate shut.
    expect(reasons).toMatch(/upcoming_player_game_context: soft, 0 of 1/);
    expect(decision.open).toBe(false);
  });
});
