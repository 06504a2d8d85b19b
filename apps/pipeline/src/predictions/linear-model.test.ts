import { ident, sql, typed } from '@pipewell/clients/sql';
import { createVirtualClock } from '@pipewell/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlFeatureStore, playerGameSummary, playerPropPredictions } from '../catalog/index.js';
import { generateLeague } from '../league/index.js';
import { type PredictionRequest, type PropMarket, propMarkets, topics } from '../messages/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import {
  createModelCache,
  createPredictionWriter,
  fitDateModels,
  handlePredictionRequest,
  LINEAR_MODEL,
  loadTrainingRows,
  MOVING_AVERAGE_BASELINE,
  marketColumns,
  trainingWindowStart,
} from './index.js';
import { featureRows, gameDates, summaryRows } from './test-support.js';

const league = generateLeague({ seed: 5 });
const dates = gameDates(league, 24);
const summaries = summaryRows(league, dates);
const pgs = ident(playerGameSummary.name);
const at = (i: number) => dates[i] ?? '';
const D = at(16);

let kit: RuntimeKit;
const clock = createVirtualClock({ now: Date.parse('2025-11-20T12:00:00Z') });

beforeAll(async () => {
  kit = await openRuntimeKit(clock);
  await kit.warehouse.ensureTables([playerGameSummary, mlFeatureStore, playerPropPredictions]);
  await kit.warehouse.merge(playerGameSummary, summaries);
  await kit.queue.ensureTopic(topics.predictionResult);
});

afterAll(async () => {
  await kit[Symbol.asyncDispose]();
});

const weightsOf = async (date: string) =>
  [...fitDateModels(await loadTrainingRows(kit.warehouse, date))].map(([market, model]) => ({
    market,
    weights: model.weights,
    last: model.lastTrainingDate,
  }));

describe('the linear model', () => {
  it('trains on games before the date only: changing the day and later changes nothing', async () => {
    const before = await weightsOf(D);
    expect(before.map((m) => m.market)).toEqual([...propMarkets]);
    for (const model of before) expect(model.last < D).toBe(true);
    await kit.warehouse.query(
      sql`UPDATE ${pgs} SET points = points + 40, rebounds = rebounds + 9, assists = assists + 9, minutes = 48
        WHERE game_date >= ${typed(D, 'DATE')}`,
    );
    expect(await weightsOf(D)).toEqual(before);
    await kit.warehouse.query(
      sql`UPDATE ${pgs} SET points = points + 40 WHERE game_date = ${typed(at(15), 'DATE')}`,
    );
    expect(await weightsOf(D)).not.toEqual(before);
    await kit.warehouse.query(
      sql`UPDATE ${pgs} SET points = points - 40 WHERE game_date = ${typed(at(15), 'DATE')}`,
    );
    expect(await weightsOf(D)).toEqual(before);
    await kit.warehouse.merge(
      playerGameSummary,
      summaries.filter((row) => row.game_date >= D),
    );
  });

  it('computes each training row from the player games before it', async () => {
    const rows = await loadTrainingRows(kit.warehouse, D);
    expect(rows.length).toBeGreaterThan(500);
    for (const row of rows.filter((_, i) => i % 97 === 0)) {
      const earlier = summaries
        .filter(
          (s) => s.player_lookup === row.player_lookup && s.played && s.game_date < row.game_date,
        )
        .sort((a, b) => (a.game_date < b.game_date ? 1 : -1));
      const mean = (list: typeof earlier) =>
        list.reduce((n, s) => n + Number(s.points), 0) / list.length;
      expect(row.prior_games).toBe(earlier.length);
      expect(row.points_l10).toBeCloseTo(mean(earlier.slice(0, 10)), 9);
      expect(row.points_season).toBeCloseTo(mean(earlier), 9);
    }
  });

  it('loads the next date incrementally and returns what a full load would', async () => {
    const cache = createModelCache();
    const load = (date: string) => (from: string) =>
      loadTrainingRows(kit.warehouse, date, { from });
    const sortRows = <T extends { player_lookup: string; game_date: string }>(rows: T[]) =>
      [...rows].sort((a, b) =>
        `${a.player_lookup}${a.game_date}` < `${b.player_lookup}${b.game_date}` ? -1 : 1,
      );
    await cache.trainingRows(at(15), trainingWindowStart(at(15)), load(at(15)));
    const afterFirst = cache.stats.trainingRowsLoaded;
    const next = await cache.trainingRows(D, trainingWindowStart(D), load(D));
    expect(sortRows(next)).toEqual(sortRows(await loadTrainingRows(kit.warehouse, D)));
    expect(cache.stats.trainingRowsLoaded - afterFirst).toBeLessThan(afterFirst / 4);
    const back = await cache.trainingRows(at(10), trainingWindowStart(at(10)), load(at(10)));
    expect(back.every((row) => row.game_date < at(10))).toBe(true);
    expect(sortRows(back)).toEqual(sortRows(await loadTrainingRows(kit.warehouse, at(10))));
  });

  it('reports the mean absolute error of both systems on held-out dates', async () => {
    const models = createModelCache();
    const writer = createPredictionWriter(kit.warehouse);
    const deps = { warehouse: kit.warehouse, queue: kit.queue, clock, models, writer };
    const heldOut = dates.slice(18, 24);
    for (const date of heldOut) {
      const rows = featureRows(league, summaries, date);
      await kit.warehouse.merge(mlFeatureStore, rows);
      const requests: PredictionRequest[] = rows.flatMap((row) => {
        const lines = propMarkets.flatMap((market) => {
          const line = row[marketColumns[market].line];
          return line == null ? [] : [{ market, line }];
        });
        return lines.length === 0
          ? []
          : [
              {
                batchId: `mae-${date}`,
                dataDate: date,
                gameKey: row.game_key,
                playerId: row.bdl_player_id,
                playerName: 'p',
                lines,
              },
            ];
      });
      await Promise.all(requests.map((request) => handlePredictionRequest(request, deps)));
    }
    const errors = await kit.warehouse.query<{
      system_id: string;
      market: PropMarket;
      n: number;
      mae: number;
    }>(
      sql`SELECT p.system_id, p.market, COUNT(*) AS n,
          AVG(ABS(p.predicted_value - CASE p.market WHEN 'player_points' THEN s.points
            WHEN 'player_rebounds' THEN s.rebounds ELSE s.assists END)) AS mae
        FROM ${ident(playerPropPredictions.name)} AS p
        JOIN ${pgs} AS s ON s.game_key = p.game_key AND s.player_lookup = p.player_lookup
        WHERE s.played AND p.game_date >= ${typed(heldOut[0] ?? '', 'DATE')}
        GROUP BY p.system_id, p.market ORDER BY p.market, p.system_id`,
    );
    console.info(
      `MAE on ${heldOut[0]}..${heldOut.at(-1)} (${heldOut.length} dates):\n${errors
        .map(
          (e) =>
            `  ${e.market.padEnd(16)} ${e.system_id.padEnd(24)} n=${e.n} mae=${e.mae.toFixed(3)}`,
        )
        .join('\n')}`,
    );
    expect(models.stats.fits).toBe(heldOut.length);
    for (const market of propMarkets) {
      const mae = (system: string) =>
        errors.find((e) => e.market === market && e.system_id === system)?.mae ?? Number.NaN;
      expect(mae(LINEAR_MODEL)).toBeLessThan(mae(MOVING_AVERAGE_BASELINE) * 1.2);
    }
  });
});
