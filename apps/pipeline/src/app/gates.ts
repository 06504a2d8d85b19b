import { ident, sql, typed } from '@pipewell/clients/sql';
import {
  mlFeatureStore,
  nbacSchedule,
  playerCompositeFactors,
  playerDailyCache,
  playerGameSummary,
  playerPropPredictions,
  playerShotZoneAnalysis,
  teamDefenseZoneAnalysis,
  upcomingPlayerGameContext,
} from '../catalog/index.js';
import { addDays } from '../league/calendar.js';
import {
  countRowsOn,
  type GateCheck,
  type GateFunction,
  type GateName,
  quorumGate,
} from '../orchestration/index.js';
import { countExpected } from '../precompute/expected.js';
import { expectedPlayers } from '../precompute/index.js';
import { type PredictionBatch, predictionBatchesCollection } from '../predictions/index.js';
import type { StateStore } from '../state/index.js';
import { gamesCovered, rowsIn, scheduledGames } from './measures.js';

/**
 * The gates of the pipeline, each judged on rows in the warehouse (never on what a processor
 * reported): a processor that says `success` but wrote nothing does not open a gate.
 */

/**
 * A coverage check of `actual` games of `expected`. With nothing expected (no games that day,
 * say the day after the All-Star break) there is nothing to cover, and the check passes.
 */
function coverage(name: string, expected: number, actual: number, description: string): GateCheck {
  return {
    name,
    kind: 'soft',
    expected,
    actual,
    threshold: 0.8,
    description,
    whenNoneExpected: 'proceed',
  };
}

/**
 * 2 to 3: the season schedule is loaded (analytics reads the games of the date and the day
 * before from it). A date without games of its own still runs: it summarizes the day before.
 */
const rawToAnalytics: GateFunction = async (dataDate, warehouse) => {
  const [season, today] = await Promise.all([
    rowsIn(warehouse, nbacSchedule),
    scheduledGames(warehouse, dataDate),
  ]);
  return [
    {
      name: 'nbac_schedule holds the season',
      kind: 'hard',
      expected: 1,
      actual: season > 0 ? 1 : 0,
      description: `${season} games in the schedule, ${today} on ${dataDate}`,
    },
  ];
};

/**
 * 3 to 4: at least 80% of yesterday's scheduled games have player summaries, and of today's
 * games have player contexts (the two critical analytics outputs).
 */
const analyticsToPrecompute: GateFunction = async (dataDate, warehouse) => {
  const yesterday = addDays(dataDate, -1);
  const [played, summarized, today, contexts] = await Promise.all([
    scheduledGames(warehouse, yesterday),
    gamesCovered(warehouse, playerGameSummary, yesterday),
    scheduledGames(warehouse, dataDate),
    gamesCovered(warehouse, upcomingPlayerGameContext, dataDate),
  ]);
  return [
    coverage(
      'player_game_summary',
      played,
      summarized,
      `games of ${yesterday} with player summaries`,
    ),
    coverage(
      'upcoming_player_game_context',
      today,
      contexts,
      `games of ${dataDate} with player contexts`,
    ),
  ];
};

const precomputeQuorum = quorumGate({
  outputs: [
    {
      name: 'player_shot_zone_analysis',
      rows: countRowsOn(playerShotZoneAnalysis, 'analysis_date'),
    },
    {
      name: 'team_defense_zone_analysis',
      rows: countRowsOn(teamDefenseZoneAnalysis, 'analysis_date'),
    },
    {
      name: 'player_daily_cache',
      rows: countRowsOn(playerDailyCache, 'analysis_date'),
      critical: true,
    },
    {
      name: 'player_composite_factors',
      rows: countRowsOn(playerCompositeFactors, 'analysis_date'),
    },
    { name: 'ml_feature_store', rows: countRowsOn(mlFeatureStore, 'game_date'), critical: true },
  ],
  min: 3,
});

/**
 * 4 to 5: 3 of the 5 precompute outputs have rows, both critical ones among them. A date on
 * which no player has played yet this season (opening night) has nothing to predict: the gate
 * opens on that, and phase 5 predicts nobody.
 */
const precomputeToPredictions: GateFunction = async (dataDate, warehouse, context) => {
  const players = await countExpected(warehouse, expectedPlayers(dataDate));
  if (players === 0) {
    return [
      {
        name: 'players with history',
        kind: 'hard',
        expected: 0,
        actual: 0,
        description: `no player of ${dataDate}'s games has played yet this season`,
        whenNoneExpected: 'proceed',
      },
    ];
  }
  return precomputeQuorum(dataDate, warehouse, context);
};

/**
 * 5 to 6: at least 80% of the players of the date's latest prediction batch have active
 * predictions in the warehouse.
 */
function predictionsToGrading(state: StateStore): GateFunction {
  return async (dataDate, warehouse) => {
    const batches = await state.list<PredictionBatch>(predictionBatchesCollection, {
      where: { dataDate },
    });
    const latest = batches
      .map(({ doc }) => doc)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .at(-1);
    const rows = await warehouse.query<{ n: number }>(
      sql`SELECT COUNT(DISTINCT bdl_player_id) AS n FROM ${ident(playerPropPredictions.name)}
          WHERE game_date = ${typed(dataDate, 'DATE')} AND is_active = ${true}
            ${latest === undefined ? sql`` : sql`AND batch_id = ${latest.batchId}`}`,
    );
    const expected = latest?.expected.length ?? 0;
    return [
      {
        name: 'prediction batch',
        kind: 'soft',
        expected,
        actual: Math.min(rows[0]?.n ?? 0, expected),
        threshold: 0.8,
        description:
          latest === undefined
            ? `no prediction batch for ${dataDate}`
            : `players of batch ${latest.batchId} with active predictions`,
        whenNoneExpected: latest === undefined ? 'block' : 'proceed',
      },
    ];
  };
}

/** Every gate of the pipeline, by `from->to`. */
export function pipelineGates(state: StateStore): Record<GateName, GateFunction> {
  return {
    '2->3': rawToAnalytics,
    '3->4': analyticsToPrecompute,
    '4->5': precomputeToPredictions,
    '5->6': predictionsToGrading(state),
  };
}
