import { ident, sql } from '@pipewell/clients/sql';
import { createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  analyticsTables,
  bdlPlayerBoxscores,
  espnTeamRosters,
  oddsApiPlayerProps,
  playerGameSummary,
  rawTables,
  teamDefenseGameSummary,
  teamOffenseGameSummary,
  upcomingPlayerGameContext,
  upcomingTeamGameContext,
} from '../catalog/index.js';
import { generateLeague, isBackToBack } from '../league/index.js';
import {
  type BookkeepingWriter,
  createBookkeepingWriter,
  type ProcessorDefinition,
  type ProcessorInput,
  runProcessor,
} from '../runtime/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import { normalizePlayerName } from '../sources/index.js';
import type { AnyTable, TableRow } from '../warehouse/index.js';
import { addDays } from './dates.js';
import {
  analyticsEntries,
  playerGameSummaryProcessor,
  teamDefenseGameSummaryProcessor,
  teamOffenseGameSummaryProcessor,
  upcomingPlayerGameContextProcessor,
  upcomingTeamGameContextProcessor,
} from './index.js';
import { boxScoreRows, seedRaw } from './test-support.js';

const league = generateLeague({ seed: 7 });
/** 3 games on D (three teams on a back-to-back), 12 on D-1, 3 on D-2. */
const D = '2026-01-24';
const yesterday = addDays(D, -1);

let kit: RuntimeKit;
let bookkeeping: BookkeepingWriter;
const clock = createVirtualClock({ now: Date.parse(`${D}T08:00:00Z`) });

beforeEach(async () => {
  kit = await openRuntimeKit(clock);
  bookkeeping = createBookkeepingWriter({ warehouse: kit.warehouse, clock });
  await kit.warehouse.ensureTables([...rawTables, ...analyticsTables]);
  await seedRaw(kit.warehouse, league, D);
});

afterEach(async () => {
  await bookkeeping.close();
  await kit[Symbol.asyncDispose]();
});

function run(processor: ProcessorDefinition<ProcessorInput>, dataDate = D) {
  return runProcessor(processor, { dataDate }, { ...kit, bookkeeping, clock });
}

function rowsOf<T extends AnyTable>(table: T): Promise<TableRow<T>[]> {
  return kit.warehouse.query<TableRow<T>>(sql`SELECT * FROM ${ident(table.name)}`);
}

function deleteRows(table: AnyTable, where: string, value: string) {
  return kit.warehouse.query(
    sql`DELETE FROM ${ident(table.name)} WHERE ${ident(where)} = ${value}`,
  );
}

const byKey = <Row extends { game_key: string }>(rows: Row[], other: (row: Row) => string) =>
  new Map(rows.map((row) => [`${row.game_key}|${other(row)}`, row]));

describe('player_game_summary', () => {
  it('writes one row per box-score line of D-1 with true shooting and usage share', async () => {
    const result = await run(playerGameSummaryProcessor);
    const box = boxScoreRows(league, yesterday);
    expect(result).toMatchObject({ status: 'success', rows: box.length });
    const rows = byKey(await rowsOf(playerGameSummary), (r) => String(r.player_lookup));
    expect(rows.size).toBe(box.length);
    const teamFga = new Map<string, number>();
    for (const line of box) {
      const id = `${line.game_key}|${line.team}`;
      teamFga.set(id, (teamFga.get(id) ?? 0) + (line.field_goals_attempted ?? 0));
    }
    let checkedNull = 0;
    for (const line of box) {
      const row = rows.get(`${line.game_key}|${line.player_lookup}`);
      const fga = line.field_goals_attempted ?? 0;
      const fta = line.free_throws_attempted ?? 0;
      expect(row).toMatchObject({
        game_date: yesterday,
        bdl_player_id: line.bdl_player_id,
        team: line.team,
        points: line.points,
        played: line.played,
      });
      if (fga + fta === 0) {
        checkedNull += 1;
        expect(row?.true_shooting_pct).toBeNull();
      } else {
        expect(row?.true_shooting_pct).toBeCloseTo(
          (line.points ?? 0) / (2 * (fga + 0.44 * fta)),
          10,
        );
      }
      expect(row?.usage_share).toBeCloseTo(
        fga / (teamFga.get(`${line.game_key}|${line.team}`) ?? 0),
        10,
      );
    }
    expect(checkedNull).toBeGreaterThan(0); // the DNPs
  });

  it('re-runs without duplicating and drops rows the raw table no longer has', async () => {
    const first = await run(playerGameSummaryProcessor);
    const again = await run(playerGameSummaryProcessor);
    expect(again.rows).toBe(first.rows);
    expect(await kit.warehouse.count(playerGameSummary)).toBe(first.rows);
    expect(await kit.warehouse.duplicates(playerGameSummary)).toBe(0);

    const [game] = league.gamesOn(yesterday);
    await deleteRows(bdlPlayerBoxscores, 'game_key', game?.gameKey ?? '');
    const third = await run(playerGameSummaryProcessor);
    expect(third.status).toBe('degraded');
    expect(third.degradedReasons).toEqual([
      `no box scores for 1 of 12 scheduled games of ${yesterday}: ${game?.gameKey}`,
    ]);
    expect(await kit.warehouse.count(playerGameSummary)).toBe(third.rows);
    expect(third.rows).toBeLessThan(first.rows);
  });
});

describe('team game summaries', () => {
  it('sums the players into team totals, rates per 100 possessions, pace and win', async () => {
    expect(await run(teamOffenseGameSummaryProcessor)).toMatchObject({
      status: 'success',
      rows: 24,
    });
    expect(await run(teamDefenseGameSummaryProcessor)).toMatchObject({
      status: 'success',
      rows: 24,
    });
    const offense = byKey(await rowsOf(teamOffenseGameSummary), (r) => String(r.team));
    const defense = byKey(await rowsOf(teamDefenseGameSummary), (r) => String(r.team));
    for (const game of league.gamesOn(yesterday)) {
      const box = league.boxScore(game.gameId);
      const poss = (t: typeof box.home) =>
        t.players.reduce((s, p) => s + p.fga - p.oreb + p.turnover + 0.44 * p.fta, 0);
      for (const [side, other] of [
        [box.home, box.away],
        [box.away, box.home],
      ] as const) {
        const points = side.players.reduce((s, p) => s + p.pts, 0);
        expect(points).toBe(side.points);
        const pace = (poss(side) + poss(other)) / 2;
        const off = offense.get(`${game.gameKey}|${side.team}`);
        expect(off).toMatchObject({
          points,
          opponent: other.team,
          is_home: side === box.home,
          win: side.points > other.points,
          turnovers: side.players.reduce((s, p) => s + p.turnover, 0),
        });
        expect(off?.possessions).toBeCloseTo(poss(side), 9);
        expect(off?.offensive_rating).toBeCloseTo((100 * points) / poss(side), 9);
        expect(off?.pace).toBeCloseTo(pace, 9);
        const def = defense.get(`${game.gameKey}|${side.team}`);
        expect(def).toMatchObject({
          points_allowed: other.points,
          opp_field_goals_attempted: other.players.reduce((s, p) => s + p.fga, 0),
        });
        expect(def?.defensive_rating).toBeCloseTo((100 * other.points) / poss(other), 9);
        expect(def?.pace).toBeCloseTo(pace, 9);
      }
    }
  });

  it('re-runs without duplicating; a game with one side missing is degraded', async () => {
    await run(teamOffenseGameSummaryProcessor);
    await run(teamOffenseGameSummaryProcessor);
    expect(await kit.warehouse.count(teamOffenseGameSummary)).toBe(24);
    expect(await kit.warehouse.duplicates(teamOffenseGameSummary)).toBe(0);

    const [game] = league.gamesOn(yesterday);
    if (game === undefined) throw new Error('no game');
    await kit.warehouse.query(
      sql`DELETE FROM ${ident(bdlPlayerBoxscores.name)} WHERE game_key = ${game.gameKey} AND team = ${game.away}`,
    );
    const offense = await run(teamOffenseGameSummaryProcessor);
    const defense = await run(teamDefenseGameSummaryProcessor);
    const reason = `no box scores for the opponent of ${game.home} in ${game.gameKey}`;
    expect(offense).toMatchObject({ status: 'degraded', rows: 23, degradedReasons: [reason] });
    expect(defense).toMatchObject({ status: 'degraded', rows: 22, degradedReasons: [reason] });
    const [home] = await kit.warehouse.query(
      sql`SELECT win, pace FROM ${ident(teamOffenseGameSummary.name)} WHERE game_key = ${game.gameKey}`,
    );
    expect(home).toEqual({ win: null, pace: null });
  });
});

describe('upcoming_team_game_context', () => {
  it('measures rest, back-to-back and games in the last 7 days on the schedule', async () => {
    const result = await run(upcomingTeamGameContextProcessor);
    const games = league.gamesOn(D);
    expect(result).toMatchObject({ status: 'success', rows: games.length * 2 });
    const rows = byKey(await rowsOf(upcomingTeamGameContext), (r) => String(r.team));
    let backToBacks = 0;
    for (const game of games) {
      for (const [team, opponent, rest] of [
        [game.home, game.away, game.homeRestDays],
        [game.away, game.home, game.awayRestDays],
      ] as const) {
        const recent = league.games.filter(
          (g) => (g.home === team || g.away === team) && g.date < D && g.date >= addDays(D, -7),
        ).length;
        if (isBackToBack(rest)) backToBacks += 1;
        expect(rows.get(`${game.gameKey}|${team}`)).toMatchObject({
          game_date: D,
          opponent,
          is_home: team === game.home,
          start_time_utc: new Date(game.startMs).toISOString(),
          days_rest: rest,
          is_back_to_back: isBackToBack(rest),
          games_last_7_days: recent,
        });
      }
    }
    expect(backToBacks).toBe(3);

    expect(await run(upcomingTeamGameContextProcessor)).toMatchObject({ rows: games.length * 2 });
    expect(await kit.warehouse.count(upcomingTeamGameContext)).toBe(games.length * 2);
    expect(await kit.warehouse.duplicates(upcomingTeamGameContext)).toBe(0);
  });

  it('gives no rest to a team on its first game of the season', async () => {
    const opener = league.startDate;
    const result = await run(upcomingTeamGameContextProcessor, opener);
    expect(result.rows).toBe(league.gamesOn(opener).length * 2);
    const rows = await rowsOf(upcomingTeamGameContext);
    expect(
      rows.every(
        (r) => r.days_rest === null && r.is_back_to_back === false && r.games_last_7_days === 0,
      ),
    ).toBe(true);
  });
});

describe('upcoming_player_game_context', () => {
  it('lists the rostered players with bdl ids, team rest, injuries and median main lines', async () => {
    // A signing never seen in a box score, and an alternate line that must not count.
    const [game] = league.gamesOn(D);
    if (game === undefined) throw new Error('no game');
    await kit.warehouse.merge(espnTeamRosters, [
      {
        roster_date: D,
        team: game.home,
        espn_athlete_id: '999',
        player_name: 'Zed Newcomer',
        player_lookup: 'zed newcomer',
        injury_status: null,
      },
      {
        roster_date: D,
        team: game.home,
        espn_athlete_id: '998',
        player_name: 'Yan Veteran',
        player_lookup: 'yan veteran',
        injury_status: 'Day-To-Day',
      },
    ]);
    const star = league.roster(game.home)[0];
    if (star === undefined) throw new Error('no star');
    const starKey = normalizePlayerName(star.fullName);
    await kit.warehouse.merge(oddsApiPlayerProps, [
      {
        game_key: game.gameKey,
        bookmaker: 'draftkings',
        market: 'player_points',
        player_lookup: starKey,
        line_key: '0.5',
        game_date: D,
        line: 0.5,
        is_main_line: false,
      },
      {
        game_key: game.gameKey,
        bookmaker: 'altbook',
        market: 'player_points',
        player_lookup: starKey,
        line_key: '0.5',
        game_date: D,
        line: 0.5,
        is_main_line: false,
      },
    ]);
    // Known to balldontlie under another spelling of the same player key.
    await kit.warehouse.merge(bdlPlayerBoxscores, [
      {
        game_key: 'older_game',
        bdl_player_id: 424_242,
        game_date: addDays(D, -30),
        player_name: 'Yan Veteran Jr.',
        player_lookup: 'yan veteran',
        team: game.home,
      },
    ]);

    const result = await run(upcomingPlayerGameContextProcessor);
    const teams = league.gamesOn(D).flatMap((g) => [g.home, g.away]);
    expect(result).toMatchObject({ status: 'success', rows: teams.length * 15 + 2 });
    const rows = byKey(await rowsOf(upcomingPlayerGameContext), (r) => String(r.player_lookup));

    const seen = new Map<string, number>();
    for (const date of [addDays(D, -2), yesterday]) {
      for (const line of boxScoreRows(league, date))
        seen.set(String(line.player_lookup), line.bdl_player_id);
    }
    const lines = new Map<string, Map<string, number[]>>();
    for (const g of league.gamesOn(D)) {
      for (const book of league.props(g.gameId).bookmakers) {
        for (const market of book.markets) {
          for (const line of market.lines) {
            const id = `${g.gameKey}|${normalizePlayerName(line.player.fullName)}`;
            const markets = lines.get(id) ?? new Map<string, number[]>();
            markets.set(market.key, [...(markets.get(market.key) ?? []), line.point]);
            lines.set(id, markets);
          }
        }
      }
    }
    const middle = (values: number[] | undefined) => {
      if (values === undefined) return null;
      const s = [...values].sort((a, b) => a - b);
      const n = s.length;
      return n % 2 === 1 ? s[(n - 1) / 2] : ((s[n / 2 - 1] ?? 0) + (s[n / 2] ?? 0)) / 2;
    };
    let matched = 0;
    let withProps = 0;
    for (const g of league.gamesOn(D)) {
      for (const [team, rest] of [
        [g.home, g.homeRestDays],
        [g.away, g.awayRestDays],
      ] as const) {
        for (const player of league.roster(team)) {
          const key = normalizePlayerName(player.fullName);
          const id = `${g.gameKey}|${key}`;
          const markets = lines.get(id);
          const books = new Set(
            league
              .props(g.gameId)
              .bookmakers.filter((b) =>
                b.markets.some((m) => m.lines.some((l) => l.player === player)),
              )
              .map((b) => b.key),
          );
          if (seen.has(key)) matched += 1;
          if (markets !== undefined) withProps += 1;
          expect(rows.get(id)).toMatchObject({
            team,
            days_rest: rest,
            is_back_to_back: isBackToBack(rest),
            bdl_player_id: seen.get(key) ?? null,
            player_name: player.fullName,
            injury_status: player.injuries.some((s) => D >= s.from && D <= s.to) ? 'Out' : null,
            points_line: middle(markets?.get('player_points')),
            rebounds_line: middle(markets?.get('player_rebounds')),
            assists_line: middle(markets?.get('player_assists')),
            bookmaker_count: books.size,
            has_prop_line: books.size > 0,
          });
        }
      }
    }
    expect(matched).toBeGreaterThan(0);
    expect(withProps).toBeGreaterThan(0);
    expect(rows.get(`${game.gameKey}|zed newcomer`)).toMatchObject({
      bdl_player_id: null,
      player_name: 'Zed Newcomer',
      has_prop_line: false,
      bookmaker_count: 0,
      points_line: null,
    });
    expect(rows.get(`${game.gameKey}|yan veteran`)).toMatchObject({
      bdl_player_id: 424_242,
      player_name: 'Yan Veteran Jr.',
      injury_status: 'Day-To-Day',
    });
  });

  it('re-runs without duplicating; a team without a roster of D makes the run degraded', async () => {
    const first = await run(upcomingPlayerGameContextProcessor);
    await run(upcomingPlayerGameContextProcessor);
    expect(await kit.warehouse.count(upcomingPlayerGameContext)).toBe(first.rows);
    expect(await kit.warehouse.duplicates(upcomingPlayerGameContext)).toBe(0);

    const [game] = league.gamesOn(D);
    if (game === undefined) throw new Error('no game');
    await deleteRows(espnTeamRosters, 'team', game.away);
    const degraded = await run(upcomingPlayerGameContextProcessor);
    expect(degraded).toMatchObject({
      status: 'degraded',
      rows: first.rows - 15,
      degradedReasons: [`no ESPN roster of ${D} for 1 of 6 teams playing: ${game.away}`],
    });
    expect(await kit.warehouse.count(upcomingPlayerGameContext)).toBe(first.rows - 15);
  });

  it('is degraded naming a game of D without player props', async () => {
    const [game] = league.gamesOn(D);
    if (game === undefined) throw new Error('no game');
    await deleteRows(oddsApiPlayerProps, 'game_key', game.gameKey);
    const result = await run(upcomingPlayerGameContextProcessor);
    expect(result.degradedReasons).toEqual([
      `no player props for 1 of 3 scheduled games of ${D}: ${game.gameKey}`,
    ]);
  });
});

describe('analyticsEntries', () => {
  it('lists the five processors of phase 3, two critical, none waiting on another', () => {
    expect(
      analyticsEntries.map((e) => [
        e.processor.name,
        e.processor.phase,
        e.critical ?? false,
        e.dependsOn ?? [],
      ]),
    ).toEqual([
      ['player_game_summary', 3, true, []],
      ['team_offense_game_summary', 3, false, []],
      ['team_defense_game_summary', 3, false, []],
      ['upcoming_team_game_context', 3, false, []],
      ['upcoming_player_game_context', 3, true, []],
    ]);
  });

  it('writes nothing and succeeds on a day without games', async () => {
    const allStar = '2026-02-14'; // no games on it nor the day before
    expect(league.gamesOn(allStar)).toHaveLength(0);
    expect(league.gamesOn(addDays(allStar, -1))).toHaveLength(0);
    for (const entry of analyticsEntries) {
      expect(await run(entry.processor, allStar)).toMatchObject({ status: 'success', rows: 0 });
    }
  });
});
