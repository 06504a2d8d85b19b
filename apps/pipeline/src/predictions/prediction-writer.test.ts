import { ident, sql } from '@pipewell/clients/sql';
import { createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { playerPropPredictions } from '../catalog/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import { createPredictionWriter, type PredictionRow } from './prediction-writer.js';

let kit: RuntimeKit;

beforeEach(async () => {
  kit = await openRuntimeKit(createVirtualClock({ now: Date.parse('2026-01-24T12:00:00Z') }));
  await kit.warehouse.ensureTables([playerPropPredictions]);
});

afterEach(async () => {
  await kit[Symbol.asyncDispose]();
});

function rowsOf(player: string, value = 10): PredictionRow[] {
  return ['moving_average_baseline', 'linear_model'].map((system_id) => ({
    game_key: '20260124_BOS_CHI',
    player_lookup: player,
    market: 'player_points',
    system_id,
    game_date: '2026-01-24',
    batch_id: 'b1',
    bdl_player_id: 1,
    player_name: player,
    line: 9.5,
    predicted_value: value,
    edge: value - 9.5,
    recommendation: 'PASS',
    confidence: 0.5,
    is_active: true,
    created_at: '2026-01-24T12:00:00.000Z',
  }));
}

describe('createPredictionWriter', () => {
  it('commits the writes of one turn of the event loop in one merge', async () => {
    const writer = createPredictionWriter(kit.warehouse);
    const players = Array.from({ length: 20 }, (_, i) => `player${i}`);
    await Promise.all(players.map((player) => writer.write(rowsOf(player))));
    expect(writer.merges).toBe(1);
    expect(kit.warehouse.merges).toEqual([{ table: playerPropPredictions.name, rows: 40 }]);
    expect(await kit.warehouse.count(playerPropPredictions)).toBe(40);
  });

  it('groups the writes that arrive during a merge into the next; the last row of a key wins', async () => {
    const writer = createPredictionWriter(kit.warehouse);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    kit.warehouse.onMerge = () => held;
    const first = writer.write(rowsOf('a'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    // The first merge is running (held): these three wait for the next one.
    const later = [
      writer.write(rowsOf('b')),
      writer.write(rowsOf('c')),
      writer.write(rowsOf('b', 20)),
    ];
    kit.warehouse.onMerge = undefined;
    release();
    await Promise.all([first, ...later]);
    expect(kit.warehouse.merges.map((m) => m.rows)).toEqual([2, 4]);
    const [b] = await kit.warehouse.query<{ predicted_value: number }>(
      sql`SELECT predicted_value FROM ${ident(playerPropPredictions.name)}
          WHERE player_lookup = ${'b'} AND system_id = ${'linear_model'}`,
    );
    expect(b?.predicted_value).toBe(20);
  });

  it('rejects every write of a merge that failed, and goes on with the next', async () => {
    const writer = createPredictionWriter(kit.warehouse);
    kit.warehouse.down = new Error('warehouse down');
    const failed = await Promise.allSettled([writer.write(rowsOf('a')), writer.write(rowsOf('b'))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    kit.warehouse.down = undefined;
    await writer.write(rowsOf('c'));
    expect(await kit.warehouse.count(playerPropPredictions)).toBe(2);
  });
});
