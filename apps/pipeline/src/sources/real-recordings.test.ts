// Compatibility suite: every real recorded provider response, read in place (never copied into
// the repository), through the parser a scraper would use for it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  balldontlieNextCursor,
  parseBalldontlieBoxScores,
  parseBalldontlieGame,
  parseBalldontlieGames,
  parseBalldontliePlayers,
  parseBalldontlieStats,
} from './balldontlie.js';
import { parseEspnRoster, parseEspnScoreboard } from './espn.js';
import { gameKeyFromNbaGameId, isGameKey, isTricode, parseGameKey } from './game-ids.js';
import {
  type NbaPlayerBoxRow,
  parseNbaBoxScoreV2,
  parseNbaBoxScoreV3,
  parseNbaLeagueGameLog,
  parseNbaLiveBoxScore,
} from './nbacom-boxscore.js';
import { parseNbaSchedule } from './nbacom-schedule.js';
import { parseNbaScoreboardV2, parseNbaScoreboardV3 } from './nbacom-scoreboard.js';
import { type OddsPlayerPropRow, parseOddsEventOdds, parseOddsEvents } from './odds-api.js';
import { normalizePlayerName } from './player-name.js';
import { locateRealApiFixtures, REAL_API_FIXTURES_ENV } from './real-fixtures-location.js';

const location = locateRealApiFixtures();
const dir = location.dir;
const ci = process.env.CI === 'true';
const notFound = [
  `Real API recordings not found. Looked in:`,
  ...location.looked.map((place) => `  - ${place}`),
  `Set ${REAL_API_FIXTURES_ENV} to the folder of recordings (see its PROVENANCE.md).`,
].join('\n');

if (dir === undefined && !ci) {
  console.warn(`\n!!! SKIPPING src/sources/real-recordings.test.ts !!!\n${notFound}\n`);
}

/** What every recording's rows are checked for, whatever the source. */
interface Summary {
  readonly rows: number;
  readonly gameKeys: readonly string[];
  readonly teams: readonly string[];
  readonly players: readonly { readonly minutes: number; readonly played: boolean }[];
  readonly props: readonly OddsPlayerPropRow[];
}

interface Recording {
  /** Runs the parser: memoized per file for the cross-source checks. */
  readonly parse: (json: unknown) => unknown;
  readonly summarize: (result: unknown) => Summary;
  /** Rows the recording holds: 0 for an empty day or a response with no rows of this kind. */
  readonly rows: number;
  /** Eastern dates every game key must be on. */
  readonly dates?: readonly string[];
}

const none: Pick<Summary, 'gameKeys' | 'teams' | 'players' | 'props'> = {
  gameKeys: [],
  teams: [],
  players: [],
  props: [],
};

function recording<R>(
  parse: (json: unknown) => R,
  summarize: (result: R) => Summary,
  rows: number,
  dates?: readonly string[],
): Recording {
  const erased = summarize as (result: unknown) => Summary;
  return dates === undefined
    ? { parse, summarize: erased, rows }
    : { parse, summarize: erased, rows, dates };
}

type GameRow = { game_key: string; home_team: string; away_team: string };

function games(rows: readonly GameRow[]): Summary {
  return {
    ...none,
    rows: rows.length,
    gameKeys: rows.map((r) => r.game_key),
    teams: rows.flatMap((r) => [r.home_team, r.away_team]),
  };
}

function playerGames(
  rows: readonly { game_key: string | null; team: string; minutes: number; played: boolean }[],
): Summary {
  return {
    ...none,
    rows: rows.length,
    gameKeys: rows.flatMap((r) => (r.game_key === null ? [] : [r.game_key])),
    teams: rows.map((r) => r.team),
    players: rows,
  };
}

/** One parser per recording: a file without an entry fails the suite. */
const recordings: Readonly<Record<string, Recording>> = {
  'balldontlie/v1_box_scores_2024-01-15.json': recording(
    parseBalldontlieBoxScores,
    playerGames,
    384,
    ['2024-01-15'],
  ),
  'balldontlie/v1_box_scores_2026-01-09.json': recording(
    parseBalldontlieBoxScores,
    playerGames,
    347,
    ['2026-01-09'],
  ),
  'balldontlie/v1_box_scores_empty.json': recording(parseBalldontlieBoxScores, playerGames, 0),
  'balldontlie/v1_games_18444564.json': recording(parseBalldontlieGame, (g) => games([g]), 1, [
    '2025-06-22',
  ]),
  'balldontlie/v1_games_2025-02-20.json': recording(parseBalldontlieGames, games, 9, [
    '2025-02-20',
  ]),
  'balldontlie/v1_players_active_page1.json': recording(
    parseBalldontliePlayers,
    (rows) => ({ ...none, rows: rows.length, teams: rows.flatMap((r) => r.team ?? []) }),
    100,
  ),
  'balldontlie/v1_stats_page.json': recording(parseBalldontlieStats, playerGames, 30, [
    '2025-06-22',
  ]),
  'espn/scoreboard_2024-01-15.json': recording(parseEspnScoreboard, (r) => games(r.rows), 11, [
    '2024-01-15',
  ]),
  'espn/scoreboard_2025-02-14_no_events.json': recording(
    parseEspnScoreboard,
    (r) => games(r.rows),
    0,
  ),
  'espn/team_2_enable_roster_bos.json': recording(
    parseEspnRoster,
    (rows) => ({ ...none, rows: rows.length, teams: rows.map((r) => r.team) }),
    17,
  ),
  'nbacom/cdn_liveData_boxscore_0022000001.json': recording(parseNbaLiveBoxScore, playerGames, 34, [
    '2020-12-22',
  ]),
  'nbacom/cdn_scheduleLeagueV2_2025-26_as_of_2025-07-17.json': recording(
    parseNbaSchedule,
    (r) => games(r.rows),
    11,
  ),
  'nbacom/stats_boxscoretraditionalv2_0022200552.json': recording(
    parseNbaBoxScoreV2,
    playerGames,
    23,
  ),
  'nbacom/stats_boxscoretraditionalv2_0022400561.json': recording(
    parseNbaBoxScoreV2,
    playerGames,
    25,
  ),
  'nbacom/stats_boxscoretraditionalv3_0022200552.json': recording(
    parseNbaBoxScoreV3,
    playerGames,
    23,
  ),
  'nbacom/stats_boxscoretraditionalv3_0022500165.json': recording(
    parseNbaBoxScoreV3,
    playerGames,
    29,
  ),
  'nbacom/stats_leaguegamelog_P_2025-03-15.json': recording(
    parseNbaLeagueGameLog,
    playerGames,
    157,
    ['2025-03-15'],
  ),
  'nbacom/stats_scoreboardv2_2025-01-15.json': recording(
    parseNbaScoreboardV2,
    (r) => games(r.rows),
    11,
    ['2025-01-15'],
  ),
  'nbacom/stats_scoreboardv3_2025-11-05.json': recording(
    parseNbaScoreboardV3,
    (r) => games(r.rows),
    11,
    ['2025-11-05'],
  ),
  'oddsapi/event_odds_player_points_BKN_at_TOR_2024-02-23.json': recording(
    parseOddsEventOdds,
    oddsSummary,
    272,
    // 00:10Z on the 23rd is the evening of the 22nd in New York.
    ['2024-02-22'],
  ),
  'oddsapi/event_odds_player_points_ORL_at_CLE_2024-02-23.json': recording(
    parseOddsEventOdds,
    oddsSummary,
    241,
    ['2024-02-22'],
  ),
  'oddsapi/historical_event_odds_player_points_2books.json': recording(
    parseOddsEventOdds,
    oddsSummary,
    28,
    ['2025-03-09'],
  ),
  'oddsapi/historical_event_odds_player_points_4books.json': recording(
    parseOddsEventOdds,
    oddsSummary,
    47,
    ['2025-03-09'],
  ),
  // Spreads and totals only: no player props, but the event must still parse.
  'oddsapi/historical_event_odds_spreads_totals.json': recording(
    parseOddsEventOdds,
    oddsSummary,
    0,
    ['2024-01-24'],
  ),
  'oddsapi/historical_events_2025-03-09.json': recording(parseOddsEvents, games, 16, [
    '2025-03-09',
    '2025-03-10',
  ]),
};

function oddsSummary(result: ReturnType<typeof parseOddsEventOdds>): Summary {
  const { event, props } = result;
  return {
    ...none,
    rows: props.length,
    gameKeys: [event.game_key, ...props.map((p) => p.game_key)],
    teams: [event.home_team, event.away_team],
    props,
  };
}

function listFiles(root: string, under = root): string[] {
  return readdirSync(under).flatMap((name) => {
    const path = join(under, name);
    // statSync follows symlinks, so a folder of links to the recordings works too.
    return statSync(path).isDirectory()
      ? listFiles(root, path)
      : [relative(root, path).split(sep).join('/')];
  });
}

const raw = new Map<string, unknown>();
function json(file: string): unknown {
  if (!raw.has(file)) raw.set(file, JSON.parse(readFileSync(join(dir ?? '', file), 'utf8')));
  return raw.get(file);
}

const results = new Map<string, unknown>();
function parsed<R>(file: string, parser: (json: unknown) => R): R {
  const entry = recordings[file];
  if (entry === undefined || entry.parse !== parser)
    throw new Error(`${file} is not mapped to that parser`);
  if (!results.has(file)) results.set(file, entry.parse(json(file)));
  return results.get(file) as R;
}

/** Player-market outcomes in a raw Odds API event-odds response, to check none is lost. */
function rawPlayerOutcomes(response: unknown): number {
  const event = (response as { data?: unknown }).data ?? response;
  const books = (event as { bookmakers: { markets: { key: string; outcomes: unknown[] }[] }[] })
    .bookmakers;
  return books
    .flatMap((b) => b.markets)
    .filter((m) => m.key.startsWith('player_'))
    .reduce((n, m) => n + m.outcomes.length, 0);
}

describe.skipIf(dir === undefined && !ci)('real API recordings', () => {
  it('are found (under CI=true a missing folder fails the suite)', () => {
    if (dir === undefined) throw new Error(notFound);
    expect(listFiles(dir)).toContain('PROVENANCE.md');
  });

  it.skipIf(dir === undefined)('each have a parser, and each parser a recording', () => {
    const files = listFiles(dir ?? '').filter((file) => file !== 'PROVENANCE.md');
    const unmapped = files.filter((file) => recordings[file] === undefined);
    expect(unmapped, 'recordings without a parser: add them to the table').toEqual([]);
    const stale = Object.keys(recordings).filter((file) => !files.includes(file));
    expect(stale, 'table entries without a recording').toEqual([]);
  });

  describe.each(Object.keys(recordings))('%s', (file) => {
    it.skipIf(dir === undefined)('parses into sensible canonical rows', () => {
      const entry = recordings[file] as Recording;
      const summary = entry.summarize(parsed(file, entry.parse));
      expect(summary.rows).toBe(entry.rows);
      for (const key of summary.gameKeys) {
        expect(isGameKey(key), `game key ${key}`).toBe(true);
        if (entry.dates !== undefined) expect(entry.dates).toContain(parseGameKey(key).date);
      }
      for (const team of summary.teams) expect(isTricode(team), `team ${team}`).toBe(true);
      for (const { minutes, played } of summary.players) {
        expect(Number.isFinite(minutes) && minutes >= 0, `minutes ${minutes}`).toBe(true);
        if (!played) expect(minutes).toBe(0);
      }
      if (summary.players.length > 0) {
        expect(summary.players.some((p) => p.minutes > 0)).toBe(true);
      }
      checkProps(file, summary.props);
    });
  });

  function checkProps(file: string, props: readonly OddsPlayerPropRow[]): void {
    if (!file.startsWith('oddsapi/') || file.includes('events_')) return;
    const result = parsed(file, parseOddsEventOdds);
    // Every player outcome is in a row or counted as ignored: none is dropped silently.
    const sides = props.reduce(
      (n, p) => n + (p.over_price === null ? 0 : 1) + (p.under_price === null ? 0 : 1),
      0,
    );
    expect(sides + result.ignoredOutcomes).toBe(rawPlayerOutcomes(json(file)));
    // The recordings list both sides of every line.
    for (const p of props) {
      expect(
        p.over_price !== null && p.under_price !== null,
        `${p.bookmaker} ${p.player_name}`,
      ).toBe(true);
    }
    const lines = new Set(
      props.map((p) => `${p.bookmaker}|${p.market}|${p.player_name}|${p.line}`),
    );
    expect(lines.size).toBe(props.length);
    const mains = props
      .filter((p) => p.is_main_line)
      .map((p) => `${p.bookmaker}|${p.market}|${p.player_name}`);
    const players = new Set(props.map((p) => `${p.bookmaker}|${p.market}|${p.player_name}`));
    expect(new Set(mains).size).toBe(mains.length);
    expect(mains.length).toBe(players.size);
  }

  describe.skipIf(dir === undefined)('agree across sources', () => {
    it('ESPN and balldontlie key the same day’s games alike, though ESPN dates are UTC', () => {
      const espn = parsed('espn/scoreboard_2024-01-15.json', parseEspnScoreboard).rows;
      const bdl = parsed('balldontlie/v1_box_scores_2024-01-15.json', parseBalldontlieBoxScores);
      expect(espn.some((r) => r.start_time_utc.startsWith('2024-01-16'))).toBe(true);
      expect(new Set(espn.map((r) => r.game_key))).toEqual(new Set(bdl.map((r) => r.game_key)));
    });

    it('a box score without a date gets its key from the scoreboard row of its game id', () => {
      const board = parsed('nbacom/stats_scoreboardv2_2025-01-15.json', parseNbaScoreboardV2).rows;
      const box = parsed('nbacom/stats_boxscoretraditionalv2_0022400561.json', parseNbaBoxScoreV2);
      const gameId = box[0]?.game_id ?? '';
      const row = board.find((r) => r.game_id === gameId);
      expect(row).toBeDefined();
      const key = gameKeyFromNbaGameId(gameId, row ?? { game_id: '', game_code: '' });
      const { away, home } = parseGameKey(key);
      expect(new Set(box.map((r) => r.team))).toEqual(new Set([away, home]));
    });

    it('boxscoretraditionalv2 ("45:55", null) and v3 ("45:55", "") give the same minutes', () => {
      const v2 = parsed('nbacom/stats_boxscoretraditionalv2_0022200552.json', parseNbaBoxScoreV2);
      const v3 = parsed('nbacom/stats_boxscoretraditionalv3_0022200552.json', parseNbaBoxScoreV3);
      const byPlayer = (rows: NbaPlayerBoxRow[]) =>
        new Map(rows.map((r) => [r.nba_player_id, [r.minutes, r.played, r.dnp_reason]]));
      expect(byPlayer(v3)).toEqual(byPlayer(v2));
      expect(v2.some((r) => !r.played)).toBe(true);
    });

    it('balldontlie "00" minutes are players who did not play, "01" ones who did', () => {
      for (const rows of [
        parsed('balldontlie/v1_stats_page.json', parseBalldontlieStats),
        parsed('balldontlie/v1_box_scores_2024-01-15.json', parseBalldontlieBoxScores),
        parsed('balldontlie/v1_box_scores_2026-01-09.json', parseBalldontlieBoxScores),
      ]) {
        expect(rows.some((r) => !r.played)).toBe(true);
        for (const r of rows) expect(r.played).toBe(r.minutes > 0);
      }
    });

    it('cdn live data: inactive players have no minutes and a reason', () => {
      const rows = parsed('nbacom/cdn_liveData_boxscore_0022000001.json', parseNbaLiveBoxScore);
      const inactive = rows.filter((r) => !r.played);
      expect(inactive.length).toBeGreaterThan(0);
      for (const r of inactive) expect(r.dnp_reason).not.toBeNull();
    });

    it('the league game log gives each game id one key with its two teams', () => {
      const rows = parsed('nbacom/stats_leaguegamelog_P_2025-03-15.json', parseNbaLeagueGameLog);
      const keys = new Map<string, Set<string>>();
      for (const r of rows)
        keys.set(r.game_id, (keys.get(r.game_id) ?? new Set()).add(r.game_key ?? ''));
      for (const [id, set] of keys) expect([id, set.size]).toEqual([id, 1]);
      for (const r of rows) {
        const { away, home } = parseGameKey(r.game_key ?? '');
        expect([away, home]).toContain(r.team);
      }
    });

    it('balldontlie /v1/stats rows key to the same game as /v1/games/{id}', () => {
      const game = parsed('balldontlie/v1_games_18444564.json', parseBalldontlieGame);
      const stats = parsed('balldontlie/v1_stats_page.json', parseBalldontlieStats);
      expect(new Set(stats.map((r) => [r.bdl_game_id, r.game_key].join()))).toEqual(
        new Set([[game.bdl_game_id, game.game_key].join()]),
      );
    });

    it('balldontlie pages: a cursor on a middle page, none on the last or a single object', () => {
      expect(balldontlieNextCursor(json('balldontlie/v1_players_active_page1.json'))).toBeTypeOf(
        'number',
      );
      expect(balldontlieNextCursor(json('balldontlie/v1_stats_page.json'))).toBeUndefined();
      expect(balldontlieNextCursor(json('balldontlie/v1_games_2025-02-20.json'))).toBeUndefined();
      expect(balldontlieNextCursor(json('balldontlie/v1_games_18444564.json'))).toBeUndefined();
    });

    it('an Odds API event keys alike in the events list and in its odds', () => {
      const events = parsed('oddsapi/historical_events_2025-03-09.json', parseOddsEvents);
      for (const file of [
        'oddsapi/historical_event_odds_player_points_2books.json',
        'oddsapi/historical_event_odds_player_points_4books.json',
      ]) {
        const { event } = parsed(file, parseOddsEventOdds);
        expect(events.find((e) => e.event_id === event.event_id)?.game_key).toBe(event.game_key);
      }
    });

    it('book spellings of one player join one balldontlie player by normalized name', () => {
      const players = parsed('balldontlie/v1_players_active_page1.json', parseBalldontliePlayers);
      const byKey = new Map(players.map((p) => [normalizePlayerName(p.player_name), p]));
      const spellings = new Map<string, Set<string>>();
      for (const file of Object.keys(recordings).filter((f) => f.includes('player_points'))) {
        for (const prop of parsed(file, parseOddsEventOdds).props) {
          const player = byKey.get(prop.player_key);
          if (player === undefined) continue;
          spellings.set(
            player.player_name,
            (spellings.get(player.player_name) ?? new Set()).add(prop.player_name),
          );
        }
      }
      const joinedByVariants = [...spellings].filter(([, names]) => names.size > 1).map(([n]) => n);
      // "Bruce Brown Jr"/"Bruce Brown", "Dorian Finney Smith"/"-Smith", "Wendell Carter"/"Jr.".
      expect(joinedByVariants).toEqual(
        expect.arrayContaining(['Bruce Brown', 'Dorian Finney-Smith', 'Wendell Carter Jr.']),
      );
    });

    it('balldontlie /v1/stats names join the players list to the same player id', () => {
      const players = parsed('balldontlie/v1_players_active_page1.json', parseBalldontliePlayers);
      const byKey = new Map(players.map((p) => [normalizePlayerName(p.player_name), p]));
      const stats = parsed('balldontlie/v1_stats_page.json', parseBalldontlieStats);
      const joined = stats.filter((r) => byKey.has(normalizePlayerName(r.player_name)));
      expect(joined.length).toBeGreaterThan(0);
      for (const r of joined) {
        expect(byKey.get(normalizePlayerName(r.player_name))?.bdl_player_id).toBe(r.bdl_player_id);
      }
    });
  });
});
