import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLeague, NBA_TEAMS } from '../league/index.js';
import { type ProviderHandle, startProvider } from '../provider/index.js';
import {
  balldontlieNextCursor,
  parseBalldontlieStats,
  parseEspnRoster,
  parseNbaSchedule,
  parseOddsEventOdds,
  parseOddsEvents,
  TEAMS,
} from '../sources/index.js';

// The loopback provider and the parsers were written apart, against the real APIs' shapes: this
// checks they meet, so the scrapers built on both read the generated league completely.
const league = generateLeague({ seed: 42 });
const day = '2026-01-24';
let provider: ProviderHandle;

beforeAll(async () => {
  provider = await startProvider({ league, balldontlieKey: 'bdl', oddsApiKey: 'odds' });
});
afterAll(async () => {
  await provider?.close();
});

async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url, { headers });
  expect(response.status, url).toBe(200);
  return response.json();
}

describe('the provider speaks what the parsers read', () => {
  it('agrees with the app on every team code and id', () => {
    expect(NBA_TEAMS).toHaveLength(30);
    for (const team of NBA_TEAMS) {
      const mapped = TEAMS.find((t) => t.tricode === team.tricode);
      expect(mapped, team.tricode).toBeDefined();
      expect(mapped).toMatchObject({
        nbaTeamId: team.nbaId,
        espnId: team.espnId,
        espn: team.espnAbbreviation,
        balldontlieId: team.bdlId,
      });
      expect(mapped?.names).toContain(team.fullName);
    }
  });

  it('NBA.com schedule: every regular-season game, with the league game keys', async () => {
    const json = await getJson(
      `${provider.urls.nbaCdn}/static/json/staticData/scheduleLeagueV2.json`,
    );
    const { rows } = parseNbaSchedule(json);
    const regular = rows.filter((row) => row.is_regular_season);
    expect(regular).toHaveLength(1230);
    expect(new Set(regular.map((row) => row.game_key))).toEqual(
      new Set(league.games.map((game) => game.gameKey)),
    );
    const onDay = regular.filter((row) => row.game_date === day).map((row) => row.game_key);
    expect(onDay.sort()).toEqual(
      league
        .gamesOn(day)
        .map((game) => game.gameKey)
        .sort(),
    );
  });

  it('balldontlie /v1/stats: one row per rostered player per game of the day, across every page', async () => {
    const rows = [];
    let cursor: number | undefined;
    let pages = 0;
    do {
      const query = `dates[]=${day}&per_page=100${cursor === undefined ? '' : `&cursor=${cursor}`}`;
      const page = await getJson(`${provider.urls.balldontlie}/v1/stats?${query}`, {
        Authorization: 'bdl',
      });
      rows.push(...parseBalldontlieStats(page));
      cursor = balldontlieNextCursor(page as never);
      pages++;
    } while (cursor !== undefined && pages < 100);
    const games = league.gamesOn(day);
    const expected = games.flatMap((game) => {
      const box = league.boxScore(game.gameId);
      return [...box.home.players, ...box.away.players];
    });
    expect(rows).toHaveLength(expected.length);
    expect(new Set(rows.map((row) => row.game_key))).toEqual(
      new Set(games.map((game) => game.gameKey)),
    );
    const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
    expect(sum(rows.map((row) => row.points))).toBe(sum(expected.map((line) => line.pts)));
    expect(sum(rows.map((row) => row.assists))).toBe(sum(expected.map((line) => line.ast)));
    expect(rows.filter((row) => !row.played).every((row) => row.minutes === 0)).toBe(true);
  });

  it('ESPN roster: every player of the team, with string athlete ids', async () => {
    const team = league.team('GSW');
    const json = await getJson(
      `${provider.urls.espn}/apis/site/v2/sports/basketball/nba/teams/${team.espnId}/roster`,
    );
    const rows = parseEspnRoster(json);
    expect(rows.map((row) => row.espn_athlete_id).sort()).toEqual(
      league
        .roster('GSW')
        .map((player) => player.espnId)
        .sort(),
    );
    expect(new Set(rows.map((row) => row.team))).toEqual(new Set(['GSW']));
  });

  it('The Odds API: events key to the league games, and player props pair Over and Under', async () => {
    const from = `${day}T12:00:00Z`;
    const to = '2026-01-25T12:00:00Z';
    const events = parseOddsEvents(
      await getJson(
        `${provider.urls.oddsApi}/v4/sports/basketball_nba/events?apiKey=odds&commenceTimeFrom=${from}&commenceTimeTo=${to}`,
      ),
    );
    const keys = league.gamesOn(day).map((game) => game.gameKey);
    expect(events.map((event) => event.game_key).sort()).toEqual([...keys].sort());
    const first = events[0];
    if (first === undefined) throw new Error('no events');
    const { props } = parseOddsEventOdds(
      await getJson(
        `${provider.urls.oddsApi}/v4/sports/basketball_nba/events/${first.event_id}/odds?apiKey=odds&regions=us&oddsFormat=american&markets=player_points,player_rebounds,player_assists`,
      ),
    );
    expect(props.length).toBeGreaterThan(0);
    expect(new Set(props.map((row) => row.market))).toEqual(
      new Set(['player_points', 'player_rebounds', 'player_assists']),
    );
    expect(props.every((row) => row.over_price !== null && row.under_price !== null)).toBe(true);
    const names = new Set(league.players.map((player) => player.fullName));
    expect(props.every((row) => names.has(row.player_name))).toBe(true);
  });
});
