import { ident, sql, typed } from '@pipewell/clients/sql';
import { catchError, createVirtualClock } from '@pipewell/core/testing';
import { createMemoryDecisionSink } from '@pipewell/soft-deps';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  allTables,
  mlFeatureStore,
  playerCompositeFactors,
  playerDailyCache,
  playerGameSummary,
  playerShotZoneAnalysis,
  teamDefenseGameSummary,
  teamDefenseZoneAnalysis,
} from '../catalog/index.js';
import { generateLeague, type League, type PlayerBox } from '../league/index.js';
import {
  type BookkeepingWriter,
  createBookkeepingWriter,
  type RunProcessorDeps,
  runProcessor,
} from '../runtime/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import { normalizePlayerName } from '../sources/index.js';
import type { AnyTable } from '../warehouse/index.js';
import { addDays } from './dates.js';
import {
  createPrecomputeEntries,
  featureColumns,
  maxAdjustmentPoints,
  precomputeEntries,
  UpstreamCoverageError,
} from './index.js';
import { possessions, seedAnalytics, summaryRow } from './test-support.js';

// 22 days of history: enough for players with more than 10 games.
const D = '2025-11-12';
let league: League;
let kit: RuntimeKit;
let bookkeeping: BookkeepingWriter;
let deps: RunProcessorDeps;
const clock = createVirtualClock({ now: Date.parse(`${D}T12:00:00Z`) });

beforeAll(() => {
  league = generateLeague({ seed: 7 });
});

/** A fresh warehouse and runtime, the phase 3 tables seeded for `dataDate`. */
async function openSeeded(dataDate = D) {
  kit = await openRuntimeKit(clock);
  await kit.warehouse.ensureTables(allTables);
  bookkeeping = createBookkeepingWriter({ warehouse: kit.warehouse, clock });
  deps = { ...kit, bookkeeping, clock };
  await seedAnalytics(kit.warehouse, league, dataDate);
}

async function close() {
  await bookkeeping.close();
  await kit[Symbol.asyncDispose]();
}

function entry(name: string, entries = precomputeEntries) {
  const found = entries.find((e) => e.processor.name === name);
  if (found === undefined) throw new Error(`no processor ${name}`);
  return found.processor;
}

/** Run the five in the graph's order (every dependsOn before its dependant). */
async function runAll(dataDate = D, entries = precomputeEntries) {
  const done = new Set<string>();
  const results: Record<string, Awaited<ReturnType<typeof runProcessor>>> = {};
  while (done.size < entries.length) {
    for (const e of entries) {
      if (done.has(e.processor.name) || !(e.dependsOn ?? []).every((d) => done.has(d))) continue;
      results[e.processor.name] = await runProcessor(e.processor, { dataDate }, deps);
      done.add(e.processor.name);
    }
  }
  return results;
}

async function rows(table: AnyTable, dateColumn = 'analysis_date', date = D) {
  return kit.warehouse.query<Record<string, unknown>>(
    sql`SELECT * FROM ${ident(table.name)} WHERE ${ident(dateColumn)} = ${typed(date, 'DATE')}
      ORDER BY player_lookup`,
  );
}

type Played = { date: string; key: string; line: PlayerBox };
let playedIndex: Map<string, Played[]> | undefined;

/** Played lines of a player before D, most recent first, straight from the league. */
function playedBefore(lookup: string): Played[] {
  if (playedIndex === undefined) {
    playedIndex = new Map();
    for (const g of league.games.filter((game) => game.date < D)) {
      const box = league.boxScore(g.gameId);
      for (const line of [...box.home.players, ...box.away.players]) {
        if (line.dnp !== null) continue;
        const key = normalizePlayerName(line.player.fullName);
        playedIndex.set(key, [
          ...(playedIndex.get(key) ?? []),
          { date: g.date, key: g.gameKey, line },
        ]);
      }
    }
    for (const list of playedIndex.values()) {
      list.sort((a, b) =>
        b.date === a.date ? b.key.localeCompare(a.key) : b.date.localeCompare(a.date),
      );
    }
  }
  return playedIndex.get(lookup) ?? [];
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('the precompute graph', () => {
  it('lists the original dependencies and critical processors', () => {
    expect(
      precomputeEntries.map((e) => [
        e.processor.name,
        e.processor.phase,
        e.dependsOn ?? [],
        !!e.critical,
      ]),
    ).toEqual([
      ['player_shot_zone_analysis', 4, [], false],
      ['team_defense_zone_analysis', 4, [], false],
      ['player_daily_cache', 4, [], true],
      [
        'player_composite_factors',
        4,
        ['player_shot_zone_analysis', 'team_defense_zone_analysis'],
        false,
      ],
      ['ml_feature_store', 4, ['player_daily_cache', 'player_composite_factors'], true],
    ]);
  });
});

describe('phase 4 on seeded history', () => {
  let results: Awaited<ReturnType<typeof runAll>>;
  beforeAll(async () => {
    await openSeeded();
    results = await runAll();
  });
  afterAll(close);

  it('computes the daily cache as averages of played games before the date', async () => {
    for (const r of Object.values(results)) expect(r.status).toBe('success');
    const cache = await rows(playerDailyCache);
    const playing = new Set(
      league.gamesOn(D).flatMap((g) => [...league.roster(g.home), ...league.roster(g.away)]),
    );
    const withHistory = [...playing].filter(
      (p) => playedBefore(normalizePlayerName(p.fullName)).length > 0,
    );
    expect(cache).toHaveLength(withHistory.length);
    for (const row of cache) {
      const games = playedBefore(row.player_lookup as string);
      const pts = games.map((g) => g.line.pts);
      const last10 = pts.slice(0, 10);
      const m10 = mean(last10);
      expect(row.games_played_season).toBe(games.length);
      expect(row.last_game_date).toBe(games[0]?.date);
      expect(row.points_avg_last_5).toBeCloseTo(mean(pts.slice(0, 5)), 3);
      expect(row.points_avg_last_10).toBeCloseTo(m10, 3);
      expect(row.points_avg_season).toBeCloseTo(mean(pts), 3);
      expect(row.points_std_last_10).toBeCloseTo(
        Math.sqrt(mean(last10.map((p) => (p - m10) ** 2))),
        3,
      );
      expect(row.minutes_avg_last_10).toBeCloseTo(
        mean(games.slice(0, 10).map((g) => g.line.seconds / 60)),
        3,
      );
      expect(row.rebounds_avg_last_10).toBeCloseTo(
        mean(games.slice(0, 10).map((g) => g.line.reb)),
        3,
      );
      expect(row.assists_avg_season).toBeCloseTo(mean(games.map((g) => g.line.ast)), 3);
    }
    // A player with more than 10 games makes the windows differ.
    expect(cache.some((r) => (r.games_played_season as number) > 10)).toBe(true);
  });

  it('profiles shots and team defence from the history, and keeps adjustments within ±3', async () => {
    const [zone] = await rows(playerShotZoneAnalysis);
    const games = playedBefore(zone?.player_lookup as string).map((g) => g.line);
    const fga = games.reduce((s, l) => s + l.fga, 0);
    const fg3a = games.reduce((s, l) => s + l.fg3a, 0);
    expect(zone?.three_pt_rate).toBeCloseTo(fg3a / fga, 3);
    expect(zone?.field_goals_attempted_per_game).toBeCloseTo(fga / games.length, 3);

    const defence = await kit.warehouse.query<Record<string, number | string>>(
      sql`SELECT * FROM ${ident(teamDefenseZoneAnalysis.name)} WHERE analysis_date = ${typed(D, 'DATE')} ORDER BY team`,
    );
    const team = defence[0]?.team as string;
    const sides = league.games
      .filter((g) => g.date < D && (g.home === team || g.away === team))
      .map((g) => {
        const box = league.boxScore(g.gameId);
        return box.home.team === team ? box.away : box.home;
      });
    const allowed = sides.reduce((s, side) => s + side.points, 0);
    const poss = sides.reduce((s, side) => s + possessions(side), 0);
    expect(defence[0]?.games_used).toBe(sides.length);
    expect(defence[0]?.defensive_rating).toBeCloseTo((100 * allowed) / poss, 3);
    expect(defence).toHaveLength(2 * league.gamesOn(D).length);

    const factors = await rows(playerCompositeFactors);
    expect(factors.length).toBeGreaterThan(0);
    for (const f of factors) {
      expect(Math.abs(f.total_adjustment as number)).toBeLessThanOrEqual(maxAdjustmentPoints);
    }
    expect(new Set(factors.map((f) => f.total_adjustment)).size).toBeGreaterThan(10);
  });

  it('builds one feature row per expected player-game, NULL lines lowering feature_quality', async () => {
    const features = await rows(mlFeatureStore, 'game_date');
    const cache = new Map((await rows(playerDailyCache)).map((r) => [r.player_lookup, r]));
    expect(features).toHaveLength(cache.size);
    for (const f of features) {
      const c = cache.get(f.player_lookup);
      expect(f.points_avg_last_10).toBe(c?.points_avg_last_10);
      expect(f.features_version).toBe('v1');
      const present = featureColumns.filter((col) => f[col] !== null).length;
      expect(f.feature_quality).toBeCloseTo(present / featureColumns.length, 4);
      expect(f.opponent_def_rating).not.toBeNull();
    }
    const noLine = features.find((f) => f.points_line === null);
    expect(noLine?.feature_quality).toBeLessThan(1);
  });

  it('re-runs without duplicating a row', async () => {
    const counts = await Promise.all(
      [mlFeatureStore, playerDailyCache].map((t) => kit.warehouse.count(t)),
    );
    await runAll();
    for (const table of [
      playerShotZoneAnalysis,
      teamDefenseZoneAnalysis,
      playerDailyCache,
      playerCompositeFactors,
      mlFeatureStore,
    ]) {
      expect(await kit.warehouse.duplicates(table)).toBe(0);
    }
    expect(
      await Promise.all([mlFeatureStore, playerDailyCache].map((t) => kit.warehouse.count(t))),
    ).toEqual(counts);
  });
});

describe('phase 4 when its inputs change', () => {
  beforeEach(() => openSeeded());
  afterEach(close);

  it('never lets a game on or after the date change its features (no leakage)', async () => {
    await runAll();
    const strip = (rs: Array<Record<string, unknown>>) => rs.map(({ processed_at: _, ...r }) => r);
    const before = {
      features: strip(await rows(mlFeatureStore, 'game_date')),
      factors: strip(await rows(playerCompositeFactors)),
      zone: strip(await rows(playerShotZoneAnalysis)),
    };
    // D's own games finish (a 60-point night), and a game of D+1 appears: both must be ignored.
    const game = league.gamesOn(D)[0];
    if (game === undefined) throw new Error('no game on D');
    const box = league.boxScore(game.gameId);
    const star = box.home.players[0];
    if (star === undefined) throw new Error('no player');
    const late = [D, addDays(D, 1)].map((date) => ({
      ...summaryRow(game, star, box.home.team, box.away.team),
      game_key: `${game.gameKey}_${date}`,
      game_date: date,
      played: true,
      points: 60,
      field_goals_attempted: 40,
      minutes: 48,
    }));
    await kit.warehouse.merge(playerGameSummary, late);
    await kit.warehouse.merge(
      teamDefenseGameSummary,
      [D, addDays(D, 1)].map((date) => ({
        game_key: `${game.gameKey}_${date}`,
        team: box.away.team,
        game_date: date,
        points_allowed: 200,
        possessions: 50,
        pace: 200,
        opp_field_goals_attempted: 10,
        opp_field_goals_made: 10,
        opp_threes_attempted: 10,
        opp_threes_made: 10,
      })),
    );
    await runAll();
    expect(strip(await rows(mlFeatureStore, 'game_date'))).toEqual(before.features);
    expect(strip(await rows(playerCompositeFactors))).toEqual(before.factors);
    expect(strip(await rows(playerShotZoneAnalysis))).toEqual(before.zone);
  });

  it('drops the row of a player who no longer has history on a re-run', async () => {
    await runAll();
    const before = await rows(playerDailyCache);
    const lookup = before[0]?.player_lookup as string;
    await kit.warehouse.query(
      sql`DELETE FROM ${ident(playerGameSummary.name)} WHERE player_lookup = ${lookup}`,
    );
    await runProcessor(entry('player_daily_cache'), { dataDate: D }, deps);
    const after = await rows(playerDailyCache);
    expect(after.map((r) => r.player_lookup)).not.toContain(lookup);
    expect(after).toHaveLength(before.length - 1);
  });

  async function keepShareOfCache(share: number) {
    const cache = await rows(playerDailyCache);
    const kept = cache.slice(0, Math.round(cache.length * share));
    await kit.warehouse.replacePartition(
      playerDailyCache,
      D,
      kept.map(
        ({ processed_at: _, ...r }) =>
          r as (typeof kept)[number] & { analysis_date: string; player_lookup: string },
      ),
    );
    return { kept: kept.length, of: cache.length };
  }

  it('runs the feature store degraded, naming the upstream, at 90% daily-cache coverage', async () => {
    const sink = createMemoryDecisionSink();
    const entries = createPrecomputeEntries({ sink, clock });
    await runAll(D, entries);
    const { kept, of } = await keepShareOfCache(0.9);
    const result = await runProcessor(entry('ml_feature_store', entries), { dataDate: D }, deps);
    expect(result.status).toBe('degraded');
    const pct = `${Math.round((kept / of) * 1000) / 10}%`;
    expect(result.degradedReasons).toEqual([
      expect.stringContaining(
        `player_daily_cache: soft, ${kept} of ${of} (${pct}), at or above its 80% threshold`,
      ),
    ]);
    expect(sink.entries.map((e) => [e.decision, e.at, e.runId])).toEqual([
      ['degraded', clock.now(), result.runId],
    ]);
    const features = await rows(mlFeatureStore, 'game_date');
    expect(features).toHaveLength(of);
    expect(features.filter((f) => f.points_avg_last_10 === null)).toHaveLength(of - kept);
  });

  it('fails the feature store, transiently and without writing, at 60% daily-cache coverage', async () => {
    await runAll();
    const before = await kit.warehouse.count(mlFeatureStore);
    const { kept, of } = await keepShareOfCache(0.6);
    const pct = `${Math.round((kept / of) * 1000) / 10}%`;
    const error = await catchError(
      runProcessor(entry('ml_feature_store'), { dataDate: D }, deps),
      UpstreamCoverageError,
    );
    expect(error.message).toContain(
      `player_daily_cache: soft, ${kept} of ${of} (${pct}), below its 80% threshold`,
    );
    expect('permanent' in error).toBe(false);
    expect(await kit.warehouse.count(mlFeatureStore)).toBe(before);
    await bookkeeping.flush();
    const runs = await kit.runRows();
    expect(runs.filter((r) => r.processor === 'ml_feature_store').map((r) => r.status)).toContain(
      'failed',
    );
  });

  it("fails the daily cache when the teams' previous games are missing from the history", async () => {
    const previous = league
      .gamesOn(D)
      .flatMap((g) =>
        [g.homeRestDays, g.awayRestDays].flatMap((rest) =>
          rest === null ? [] : [addDays(D, -(rest + 1))],
        ),
      );
    for (const date of new Set(previous)) {
      await kit.warehouse.replacePartition(playerGameSummary, date, []);
    }
    const error = await catchError(
      runProcessor(entry('player_daily_cache'), { dataDate: D }, deps),
      UpstreamCoverageError,
    );
    expect(error.message).toContain('player_game_summary: soft, 0 of');
  });
});

describe('phase 4 on opening day', () => {
  afterEach(close);

  it('writes nothing and succeeds, recording no decision: no player has history yet', async () => {
    const opening = league.startDate;
    await openSeeded(opening);
    const sink = createMemoryDecisionSink();
    const results = await runAll(opening, createPrecomputeEntries({ sink }));
    expect(Object.values(results).map((r) => [r.status, r.rows])).toEqual(
      Array(5).fill(['success', 0]),
    );
    expect(sink.entries).toEqual([]);
  });
});
