import type { BoxScore, PlayerBox, TeamBox } from '../league/box-score.js';
import type { Game } from '../league/game.js';
import type { League } from '../league/generate.js';
import type { Player } from '../league/rosters.js';
import type { Team } from '../league/teams.js';
import { isFinal } from './visibility.js';

/** balldontlie's page size when none is asked for, and the most it gives. */
export const BDL_DEFAULT_PER_PAGE = 25;
export const BDL_MAX_PER_PAGE = 100;

/** Stats row ids: a block of 40 per game, in game order, so a cursor can skip whole games. */
const STAT_ID_BASE = 20_700_000;
const STAT_IDS_PER_GAME = 40;

/** A balldontlie team object. */
export function bdlTeam(team: Team): Record<string, unknown> {
  return {
    id: team.bdlId,
    conference: team.conference,
    division: team.division,
    city: team.city,
    name: team.name,
    full_name: `${team.city} ${team.name}`,
    abbreviation: team.tricode,
  };
}

function feetInches(inches: number): string {
  return `${Math.floor(inches / 12)}-${inches % 12}`;
}

/** A balldontlie player object; `/v1/stats` adds `team_id`, `/v1/box_scores` does not. */
function bdlPlayer(player: Player, teamId?: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: player.bdlId,
    first_name: player.firstName,
    last_name: player.lastName,
    position: player.bdlPosition,
    height: feetInches(player.heightInches),
    weight: String(player.weightLb),
    jersey_number: player.jersey,
    college: player.college,
    country: player.country,
    draft_year: player.draft?.year ?? null,
    draft_round: player.draft?.round ?? null,
    draft_number: player.draft?.number ?? null,
  };
  if (teamId !== undefined) out.team_id = teamId;
  return out;
}

function scheduledStatus(game: Game): string {
  return `${new Date(game.startMs).toISOString().slice(0, 19)}Z`;
}

/** The game fields every balldontlie game object has; final games carry their scores. */
function gameCore(game: Game, box: BoxScore | undefined): Record<string, unknown> {
  return {
    id: game.bdlId,
    date: game.date,
    season: Number(game.gameId.slice(3, 5)) + 2000,
    status: box === undefined ? scheduledStatus(game) : 'Final',
    period: box?.periods ?? 0,
    time: box === undefined ? null : 'Final',
    postseason: false,
    home_team_score: box?.home.points ?? 0,
    visitor_team_score: box?.away.points ?? 0,
    datetime: new Date(game.startMs).toISOString(),
  };
}

/** A `/v1/games` row: the game with nested `home_team` and `visitor_team`. */
export function bdlGame(
  league: League,
  game: Game,
  today: string | undefined,
): Record<string, unknown> {
  const box = isFinal(game, today) ? league.boxScore(game.gameId) : undefined;
  return {
    ...gameCore(game, box),
    home_team: bdlTeam(league.team(game.home)),
    visitor_team: bdlTeam(league.team(game.away)),
  };
}

/** 3-decimal or 7-decimal percentages, as balldontlie mixes them; 0 when nothing was tried. */
function pct(made: number, attempted: number, digits: number): number {
  if (attempted === 0) return 0;
  const scale = 10 ** digits;
  return Math.round((made / attempted) * scale) / scale;
}

function statFields(line: PlayerBox, digits: number): Record<string, unknown> {
  return {
    min: String(Math.round(line.seconds / 60)).padStart(2, '0'),
    fgm: line.fgm,
    fga: line.fga,
    fg_pct: pct(line.fgm, line.fga, digits),
    fg3m: line.fg3m,
    fg3a: line.fg3a,
    fg3_pct: pct(line.fg3m, line.fg3a, digits),
    ftm: line.ftm,
    fta: line.fta,
    ft_pct: pct(line.ftm, line.fta, digits),
    oreb: line.oreb,
    dreb: line.dreb,
    reb: line.reb,
    ast: line.ast,
    stl: line.stl,
    blk: line.blk,
    turnover: line.turnover,
    pf: line.pf,
    pts: line.pts,
  };
}

/** The stats rows of one final game, away team first, each with its id. */
export function bdlStatsRows(
  league: League,
  game: Game,
): { id: number; row: Record<string, unknown> }[] {
  const box = league.boxScore(game.gameId);
  const gameObject = {
    ...gameCore(game, box),
    home_team_id: league.team(game.home).bdlId,
    visitor_team_id: league.team(game.away).bdlId,
  };
  const rows: { id: number; row: Record<string, unknown> }[] = [];
  for (const side of [box.away, box.home]) {
    const team = league.team(side.team);
    for (const line of side.players) {
      const id = statsRowId(game, rows.length);
      rows.push({
        id,
        row: {
          id,
          ...statFields(line, 7),
          player: bdlPlayer(line.player, team.bdlId),
          team: bdlTeam(team),
          game: gameObject,
        },
      });
    }
  }
  return rows;
}

/** The id of the `index`th stats row of `game`. */
export function statsRowId(game: Game, index: number): number {
  return STAT_ID_BASE + game.sequence * STAT_IDS_PER_GAME + index;
}

/** The sequence of the game a stats row id belongs to: a cursor skips the games before it. */
export function gameSequenceOfStatsRow(id: number): number {
  return Math.floor((id - STAT_ID_BASE) / STAT_IDS_PER_GAME);
}

function boxTeam(league: League, side: TeamBox): Record<string, unknown> {
  return {
    ...bdlTeam(league.team(side.team)),
    players: side.players.map((line) => ({
      ...statFields(line, 3),
      plus_minus: line.plusMinus,
      player: bdlPlayer(line.player),
    })),
  };
}

/**
 * A `/v1/box_scores` entry, in the 2026 shape: the game's id, date, quarter and overtime scores
 * (`null` for overtimes not played), timeouts and bonus flags, and `home_team`/`visitor_team`
 * with their players' lines.
 */
export function bdlBoxScore(league: League, game: Game): Record<string, unknown> {
  const box = league.boxScore(game.gameId);
  const periods = (side: TeamBox, prefix: string) => {
    const out: Record<string, number | null> = {};
    for (let q = 0; q < 4; q++) out[`${prefix}_q${q + 1}`] = side.periodPoints[q] ?? 0;
    for (let ot = 0; ot < 3; ot++) out[`${prefix}_ot${ot + 1}`] = side.periodPoints[4 + ot] ?? null;
    return out;
  };
  // Timeouts and bonus flags are cosmetic: derived from the score so they stay deterministic.
  return {
    id: game.bdlId,
    date: game.date,
    datetime: new Date(game.startMs).toISOString(),
    ...periods(box.home, 'home'),
    home_timeouts_remaining: box.home.points % 3,
    home_in_bonus: box.away.totals.pf % 2 === 0,
    ...periods(box.away, 'visitor'),
    visitor_timeouts_remaining: box.away.points % 3,
    visitor_in_bonus: box.home.totals.pf % 2 === 0,
    season: Number(game.gameId.slice(3, 5)) + 2000,
    status: 'Final',
    period: box.periods,
    time: 'Final',
    postseason: false,
    home_team_score: box.home.points,
    visitor_team_score: box.away.points,
    home_team: boxTeam(league, box.home),
    visitor_team: boxTeam(league, box.away),
  };
}
