import { ident, sql, typed } from '@pipewell/clients/sql';
import {
  bdlPlayerBoxscores,
  espnTeamRosters,
  oddsApiPlayerProps,
  upcomingPlayerGameContext,
} from '../catalog/index.js';
import { defineProcessor, type ProcessorContext, type ProcessorInput } from '../runtime/index.js';
import type { TableRowInput } from '../warehouse/index.js';
import { median } from './median.js';
import { missingGamesReason, readTeamScheduleContext } from './schedule.js';

/** The prop markets with a consensus line, and the column each fills. */
export const LINE_COLUMNS = {
  player_points: 'points_line',
  player_rebounds: 'rebounds_line',
  player_assists: 'assists_line',
} as const;

type Market = keyof typeof LINE_COLUMNS;

interface RosterRow {
  team: string;
  player_lookup: string;
  roster_name: string;
  injury_status: string | null;
  bdl_player_id: number | null;
  bdl_name: string | null;
}

interface PropRow {
  game_key: string;
  player_lookup: string;
  market: string;
  bookmaker: string;
  line: number | null;
}

/**
 * The rostered players of `teams` on `date`, each with the balldontlie id and name of the
 * latest earlier box score under the same player key (null when none): one query.
 */
function readRosters(date: string, teams: readonly string[], ctx: ProcessorContext) {
  const day = typed(date, 'DATE');
  const rosters = ident(espnTeamRosters.name);
  return ctx.warehouse.query<RosterRow>(
    sql`WITH known AS (
          SELECT player_lookup, bdl_player_id, player_name
          FROM ${ident(bdlPlayerBoxscores.name)}
          WHERE game_date < ${day}
            AND player_lookup IN (SELECT player_lookup FROM ${rosters} WHERE roster_date = ${day})
          QUALIFY ROW_NUMBER() OVER (PARTITION BY player_lookup
            ORDER BY game_date DESC, bdl_player_id) = 1
        )
        SELECT r.team AS team, r.player_lookup AS player_lookup, r.player_name AS roster_name,
          r.injury_status AS injury_status, k.bdl_player_id AS bdl_player_id,
          k.player_name AS bdl_name
        FROM ${rosters} r
        LEFT JOIN known k ON k.player_lookup = r.player_lookup
        WHERE r.roster_date = ${day}
          AND r.team IN (SELECT * FROM UNNEST(${typed([...teams], ['STRING'])}))
        ORDER BY r.team, r.player_lookup, r.espn_athlete_id`,
    { signal: ctx.signal },
  );
}

/** The main lines of the props on the games `gameKeys` of `date`: one query. */
function readMainLines(date: string, gameKeys: readonly string[], ctx: ProcessorContext) {
  return ctx.warehouse.query<PropRow>(
    sql`SELECT game_key, player_lookup, market, bookmaker, line
        FROM ${ident(oddsApiPlayerProps.name)}
        WHERE game_date = ${typed(date, 'DATE')} AND is_main_line
          AND game_key IN (SELECT * FROM UNNEST(${typed([...gameKeys], ['STRING'])}))
        ORDER BY game_key, player_lookup, market, bookmaker, line_key`,
    { signal: ctx.signal },
  );
}

/** A player's lines on one game: per market, one main line per bookmaker. */
interface PlayerLines {
  readonly byMarket: Map<Market, Map<string, number>>;
  readonly bookmakers: Set<string>;
}

function groupLines(props: readonly PropRow[]): Map<string, PlayerLines> {
  const lines = new Map<string, PlayerLines>();
  for (const prop of props) {
    if (prop.line === null || !(prop.market in LINE_COLUMNS)) continue;
    const id = `${prop.game_key}|${prop.player_lookup}`;
    let player = lines.get(id);
    if (player === undefined) {
      player = { byMarket: new Map(), bookmakers: new Set() };
      lines.set(id, player);
    }
    const market = prop.market as Market;
    const books = player.byMarket.get(market) ?? new Map<string, number>();
    player.byMarket.set(market, books);
    // A book listing two main lines for one market counts once, with its first (lowest key).
    if (!books.has(prop.bookmaker)) books.set(prop.bookmaker, prop.line);
    player.bookmakers.add(prop.bookmaker);
  }
  return lines;
}

/**
 * Phase 3: one row per game of the pipeline date and player on ESPN's roster of that date for
 * either team: balldontlie id and name matched on the player key from earlier box scores (the
 * ESPN name when unmatched), the team's rest, back-to-back and games in the last 7 days, the
 * roster's injury status, and the consensus main line per market (median over bookmakers of The
 * Odds API's main lines), the number of bookmakers with a main line, and whether there is one.
 * Replaces the date's partition. Degraded when a team playing has no roster of the date, or a game
 * has no player props.
 */
export const upcomingPlayerGameContextProcessor = defineProcessor<ProcessorInput>({
  name: 'upcoming_player_game_context',
  phase: 3,
  outputs: [upcomingPlayerGameContext],
  async run({ dataDate }, ctx) {
    const processedAt = new Date(ctx.clock.now()).toISOString();
    const teams = await readTeamScheduleContext(ctx.warehouse, dataDate, ctx.signal);
    const gameKeys = [...new Set(teams.map((team) => team.game_key))];
    const [rosters, props] =
      teams.length === 0
        ? [[], []]
        : await Promise.all([
            readRosters(
              dataDate,
              teams.map((team) => team.team),
              ctx,
            ),
            readMainLines(dataDate, gameKeys, ctx),
          ]);

    const rostered = new Set(rosters.map((row) => row.team));
    const noRoster = teams.filter((team) => !rostered.has(team.team)).map((team) => team.team);
    if (noRoster.length > 0) {
      ctx.markDegraded(
        `no ESPN roster of ${dataDate} for ${noRoster.length} of ${teams.length} teams playing: ${noRoster.join(', ')}`,
      );
    }
    const noProps = missingGamesReason(
      'player props',
      dataDate,
      gameKeys,
      new Set(props.map((prop) => prop.game_key)),
    );
    if (noProps !== undefined) ctx.markDegraded(noProps);

    const lines = groupLines(props);
    const teamOf = new Map(teams.map((team) => [team.team, team]));
    const rows = new Map<string, TableRowInput<typeof upcomingPlayerGameContext>>();
    for (const player of rosters) {
      const team = teamOf.get(player.team);
      if (team === undefined) continue;
      const id = `${team.game_key}|${player.player_lookup}`;
      // Two athletes with one player key on a game: the first (lowest ESPN id) stands.
      if (rows.has(id)) continue;
      const playerLines = lines.get(id);
      const consensus = (market: Market) =>
        median([...(playerLines?.byMarket.get(market)?.values() ?? [])]);
      const bookmakerCount = playerLines?.bookmakers.size ?? 0;
      rows.set(id, {
        game_key: team.game_key,
        player_lookup: player.player_lookup,
        game_date: dataDate,
        bdl_player_id: player.bdl_player_id,
        player_name: player.bdl_name ?? player.roster_name,
        team: team.team,
        opponent: team.opponent,
        is_home: team.is_home,
        days_rest: team.days_rest,
        is_back_to_back: team.is_back_to_back,
        games_last_7_days: team.games_last_7_days,
        injury_status: player.injury_status,
        points_line: consensus('player_points'),
        rebounds_line: consensus('player_rebounds'),
        assists_line: consensus('player_assists'),
        bookmaker_count: bookmakerCount,
        has_prop_line: bookmakerCount > 0,
        processed_at: processedAt,
      });
    }
    const written = [...rows.values()];
    await ctx.warehouse.replacePartition(upcomingPlayerGameContext, dataDate, written, {
      signal: ctx.signal,
    });
    ctx.heartbeat.progress({ games: gameKeys.length, rows: written.length });
    return { rows: written.length };
  },
});
