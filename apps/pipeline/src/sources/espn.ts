import { z } from 'zod';
import { easternDate, espnEventTeams, findTeam, formatGameKey, type Tricode } from './game-ids.js';
import { parseResponse } from './parse-response.js';
import { instantSchema, tricodeSchema } from './schemas.js';

const source = 'espn';

/** One player of an ESPN team roster. */
export interface EspnRosterRow {
  readonly team: Tricode;
  /** ESPN athlete id; ESPN writes ids as strings. */
  readonly espn_athlete_id: string;
  readonly player_name: string;
  /** Position abbreviation (`SG`), or null when ESPN gives none. */
  readonly position: string | null;
  /** Jersey number as ESPN writes it (`"0"`, `"00"`), or null. */
  readonly jersey: string | null;
  /** Roster status (`Active`), or null when absent. */
  readonly status: string | null;
  /** The first listed injury's status (`Out`, `Day-To-Day`), or null without injuries. */
  readonly injury_status: string | null;
}

/** ESPN's season type: 1 preseason, 2 regular, 3 postseason, 5 play-in. */
export type EspnSeasonType = 'preseason' | 'regular' | 'postseason' | 'play-in';

const espnSeasonTypes: Readonly<Record<number, EspnSeasonType>> = {
  1: 'preseason',
  2: 'regular',
  3: 'postseason',
  5: 'play-in',
};

/** One event of an ESPN scoreboard. */
export interface EspnEventRow {
  readonly espn_event_id: string;
  readonly game_key: string;
  /** US Eastern date, `YYYY-MM-DD` (ESPN's `date` is UTC). */
  readonly game_date: string;
  readonly start_time_utc: string;
  readonly home_team: Tricode;
  readonly away_team: Tricode;
  /** ESPN's status name: `STATUS_FINAL`, `STATUS_SCHEDULED`. */
  readonly status: string;
  readonly is_final: boolean;
  readonly season_type: EspnSeasonType | null;
  /** Scores (strings in ESPN payloads) as numbers; null before tip-off. */
  readonly home_score: number | null;
  readonly away_score: number | null;
}

/** An ESPN event without a canonical row, and why. */
export interface SkippedEspnEvent {
  readonly espn_event_id: string;
  readonly reason: string;
}

/** What {@link parseEspnScoreboard} returns. */
export interface EspnScoreboardResult {
  readonly rows: EspnEventRow[];
  /** Events with a team the table does not know (All-Star games). */
  readonly skipped: SkippedEspnEvent[];
}

const idSchema = z.union([z.string().min(1), z.number().int()]).transform(String);

const athleteSchema = z.object({
  id: idSchema,
  fullName: z.string().optional(),
  displayName: z.string(),
  position: z.object({ abbreviation: z.string() }).nullish(),
  jersey: z.string().nullish(),
  status: z.object({ name: z.string() }).nullish(),
  injuries: z.array(z.object({ status: z.string() })).nullish(),
});

// `/teams/{id}?enable=roster` nests the athletes in `team`; `/teams/{id}/roster` puts them beside it.
const rosterSchema = z
  .object({
    team: z.object({
      abbreviation: tricodeSchema('espn'),
      athletes: z.array(athleteSchema).optional(),
    }),
    athletes: z.array(athleteSchema).optional(),
  })
  .superRefine((roster, ctx) => {
    if (roster.athletes === undefined && roster.team.athletes === undefined) {
      ctx.addIssue({ code: 'custom', message: 'no athletes in team.athletes or athletes' });
    }
  });

/**
 * Parse an ESPN team roster into one row per player. Reads both
 * `site.api.espn.com/.../teams/{id}?enable=roster` (athletes under `team.athletes`) and
 * `.../teams/{id}/roster` (athletes beside `team`).
 * @throws SourceParseError for a malformed payload or an unknown team
 */
export function parseEspnRoster(json: unknown): EspnRosterRow[] {
  const roster = parseResponse(rosterSchema, json, source, '/teams/{id}/roster');
  const team = roster.team.abbreviation;
  return (roster.athletes ?? roster.team.athletes ?? []).map((athlete) => ({
    team,
    espn_athlete_id: athlete.id,
    player_name: athlete.fullName ?? athlete.displayName,
    position: athlete.position?.abbreviation || null,
    jersey: athlete.jersey ?? null,
    status: athlete.status?.name ?? null,
    injury_status: athlete.injuries?.[0]?.status ?? null,
  }));
}

const scoreSchema = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((score, ctx) => {
    if (score === undefined || score === null || score === '') return null;
    const value = Number(score);
    if (!Number.isInteger(value) || value < 0) {
      ctx.addIssue({ code: 'custom', message: `score ${JSON.stringify(score)} is not a count` });
      return z.NEVER;
    }
    return value;
  });

const eventSchema = z.object({
  id: idSchema,
  date: instantSchema,
  season: z.object({ type: z.number().int() }).optional(),
  status: z.object({ type: z.object({ name: z.string(), completed: z.boolean().optional() }) }),
  competitions: z
    .array(
      z.object({
        competitors: z
          .array(
            z.object({
              homeAway: z.enum(['home', 'away']),
              team: z.object({ abbreviation: z.string() }),
              score: scoreSchema,
            }),
          )
          .refine(
            (competitors) =>
              competitors.length === 2 &&
              competitors.some((c) => c.homeAway === 'home') &&
              competitors.some((c) => c.homeAway === 'away'),
            'expected one home and one away competitor',
          ),
      }),
    )
    .min(1),
});

const scoreboardSchema = z.object({ events: z.array(eventSchema) });

/**
 * Parse an ESPN scoreboard (`.../scoreboard?dates=YYYYMMDD`) into one row per game; a day
 * without games (`events: []`) is no rows. Event dates are UTC, so a 00:30Z tip-off is the
 * previous Eastern day's game.
 * @throws SourceParseError for a malformed payload
 */
export function parseEspnScoreboard(json: unknown): EspnScoreboardResult {
  const { events } = parseResponse(scoreboardSchema, json, source, '/scoreboard');
  const rows: EspnEventRow[] = [];
  const skipped: SkippedEspnEvent[] = [];
  for (const event of events) {
    const codes = espnEventTeams(event);
    const away = findTeam(codes.away, 'espn');
    const home = findTeam(codes.home, 'espn');
    if (away === undefined || home === undefined) {
      const unknown = away === undefined ? codes.away : codes.home;
      skipped.push({ espn_event_id: event.id, reason: `non-NBA team ${unknown}` });
      continue;
    }
    const competitors = event.competitions[0]?.competitors ?? [];
    // ESPN shows "0" before tip-off.
    const started = event.status.type.name !== 'STATUS_SCHEDULED';
    const score = (side: 'home' | 'away') =>
      started ? (competitors.find((c) => c.homeAway === side)?.score ?? null) : null;
    const game_date = easternDate(event.date);
    rows.push({
      espn_event_id: event.id,
      game_key: formatGameKey({ date: game_date, away, home }),
      game_date,
      start_time_utc: event.date,
      home_team: home,
      away_team: away,
      status: event.status.type.name,
      is_final: event.status.type.completed ?? event.status.type.name === 'STATUS_FINAL',
      season_type: event.season === undefined ? null : (espnSeasonTypes[event.season.type] ?? null),
      home_score: score('home'),
      away_score: score('away'),
    });
  }
  return { rows, skipped };
}
