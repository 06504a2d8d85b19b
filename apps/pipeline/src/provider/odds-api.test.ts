import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLeague } from '../league/generate.js';
import { locateRealApiFixtures } from '../sources/real-fixtures-location.js';
import { type ProviderHandle, startProvider } from './server.js';

// The real recordings, read in place (never copied); these checks skip when they are absent.
const realApi = locateRealApiFixtures().dir ?? '(no real-api recordings found)';

const recording = `${realApi}/oddsapi/event_odds_player_points_ORL_at_CLE_2024-02-23.json`;
const apiKey = 'odds-test-key';
const league = generateLeague({ seed: 7 });
const today = '2026-01-24';
let provider: ProviderHandle;

interface Outcome {
  name: 'Over' | 'Under';
  description: string;
  price: number;
  point: number;
}
interface EventOdds {
  id: string;
  commence_time: string;
  home_team: string;
  away_team: string;
  bookmakers: {
    key: string;
    title: string;
    last_update: string;
    markets: { key: string; last_update: string; outcomes: Outcome[] }[];
  }[];
  [key: string]: unknown;
}

beforeAll(async () => {
  provider = await startProvider({ league, today, oddsApiKey: apiKey, oddsApiQuota: 500 });
});
afterAll(() => provider.close());

const base = () => `${provider.urls.oddsApi}/v4/sports/basketball_nba`;
const markets = 'player_points,player_rebounds,player_assists';

describe('The Odds API events', () => {
  it('lists the games in the commence window with Odds API team names, without spending quota', async () => {
    const res = await fetch(
      `${base()}/events?apiKey=${apiKey}&commenceTimeFrom=2026-01-24T12:00:00Z&commenceTimeTo=2026-01-25T12:00:00Z`,
    );
    expect(res.status).toBe(200);
    const events = (await res.json()) as EventOdds[];
    const expected = league.games.filter(
      (g) =>
        g.startMs >= Date.parse('2026-01-24T12:00:00Z') &&
        g.startMs <= Date.parse('2026-01-25T12:00:00Z'),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(events.map((e) => e.id)).toEqual(expected.map((g) => g.oddsEventId));
    for (const [i, e] of events.entries()) {
      const game = expected[i];
      expect(e).toMatchObject({ sport_key: 'basketball_nba', sport_title: 'NBA' });
      expect(e.home_team).toBe(league.team(game?.home as string).fullName);
      expect(e.commence_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Date.parse(e.commence_time)).toBe(game?.startMs);
    }
    expect(res.headers.get('x-requests-last')).toBe('0');
  });

  it('leaves out games before "today"', async () => {
    const res = await fetch(`${base()}/events?apiKey=${apiKey}`);
    const events = (await res.json()) as EventOdds[];
    expect(events.length).toBe(league.games.filter((g) => g.date >= today).length);
  });

  it('answers 422 for a commence time not in YYYY-MM-DDTHH:MM:SSZ', async () => {
    const res = await fetch(`${base()}/events?apiKey=${apiKey}&commenceTimeFrom=2026-01-24`);
    expect(res.status).toBe(422);
  });
});

describe('The Odds API event odds', () => {
  const game = () =>
    league.gamesOn(today)[0] as NonNullable<ReturnType<typeof league.gamesOn>[number]>;
  const odds = async (query: string) => {
    const res = await fetch(
      `${base()}/events/${game().oddsEventId}/odds?apiKey=${apiKey}&${query}`,
    );
    return { res, body: (await res.json()) as EventOdds };
  };

  it('gives each book’s Over/Under pairs per player, with prices and points as numbers', async () => {
    const { res, body } = await odds(`regions=us&markets=${markets}&oddsFormat=american`);
    expect(res.status).toBe(200);
    expect(body.id).toBe(game().oddsEventId);
    expect(body.bookmakers.map((b) => b.key)).toEqual([
      'draftkings',
      'fanduel',
      'betmgm',
      'williamhill_us',
    ]);
    const names = new Set(
      [...league.roster(game().home), ...league.roster(game().away)].map((p) => p.fullName),
    );
    for (const book of body.bookmakers) {
      expect(book.markets.map((m) => m.key)).toEqual([
        'player_points',
        'player_rebounds',
        'player_assists',
      ]);
      for (const market of book.markets) {
        const outcomes = market.outcomes;
        expect(outcomes.length % 2).toBe(0);
        for (let i = 0; i < outcomes.length; i += 2) {
          const [over, under] = [outcomes[i], outcomes[i + 1]] as [Outcome, Outcome];
          expect([over.name, under.name]).toEqual(['Over', 'Under']);
          expect(over.description).toBe(under.description);
          expect(names.has(over.description)).toBe(true);
          expect(over.point).toBe(under.point);
          expect(Number.isInteger(over.price) && Math.abs(over.price) >= 100).toBe(true);
        }
      }
    }
    const players = body.bookmakers.map((b) =>
      b.markets[0]?.outcomes.map((o) => o.description).join('|'),
    );
    expect(new Set(players).size).toBeGreaterThan(1);
  });

  it('counts quota by markets times regions in the x-requests headers', async () => {
    const before = Number(
      (await odds(`regions=us&markets=player_points`)).res.headers.get('x-requests-used'),
    );
    const { res } = await odds(`regions=us&markets=${markets}`);
    expect(res.headers.get('x-requests-last')).toBe('3');
    expect(Number(res.headers.get('x-requests-used'))).toBe(before + 3);
    expect(Number(res.headers.get('x-requests-remaining'))).toBe(500 - before - 3);
  });

  it('returns only the markets and books asked for, and decimal prices on request', async () => {
    const { body } = await odds('bookmakers=fanduel&markets=player_rebounds&oddsFormat=decimal');
    expect(body.bookmakers.map((b) => b.key)).toEqual(['fanduel']);
    expect(body.bookmakers[0]?.markets.map((m) => m.key)).toEqual(['player_rebounds']);
    const prices = body.bookmakers[0]?.markets[0]?.outcomes.map((o) => o.price) ?? [];
    expect(prices.length).toBeGreaterThan(0);
    expect(prices.every((p) => p > 1 && p < 4)).toBe(true);
    expect((await odds('regions=us&markets=h2h')).body.bookmakers).toEqual([]);
  });

  it('answers 404 for a game already played or an unknown id, and 422 without regions', async () => {
    const played = league.gamesOn('2026-01-23')[0];
    const res = await fetch(
      `${base()}/events/${played?.oddsEventId}/odds?apiKey=${apiKey}&regions=us&markets=${markets}`,
    );
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error_code: string }).error_code).toBe('EVENT_NOT_FOUND');
    expect(
      (await fetch(`${base()}/events/${'0'.repeat(32)}/odds?apiKey=${apiKey}&regions=us`)).status,
    ).toBe(404);
    expect((await odds(`markets=${markets}`)).res.status).toBe(422);
  });

  it('answers 401 without apiKey or with a wrong one', async () => {
    const path = `${base()}/events/${game().oddsEventId}/odds?regions=us&markets=${markets}`;
    const missing = await fetch(path);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error_code: string }).error_code).toBe('MISSING_KEY');
    const wrong = await fetch(`${path}&apiKey=nope`);
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error_code: string }).error_code).toBe('INVALID_KEY');
    expect((await fetch(`${base()}/events`)).status).toBe(401);
  });

  it.skipIf(!existsSync(recording))(
    'has the recorded event, bookmaker, market and outcome fields',
    async () => {
      const real = JSON.parse(readFileSync(recording, 'utf8'));
      const { body } = await odds(`regions=us&markets=${markets}`);
      const keys = (o: object) => Object.keys(o).sort();
      expect(keys(body)).toEqual(keys(real));
      const book = body.bookmakers[0] as EventOdds['bookmakers'][number];
      for (const key of keys(real.bookmakers[0])) expect(keys(book)).toContain(key);
      expect(keys(book.markets[0] as object)).toEqual(keys(real.bookmakers[0].markets[0]));
      expect(keys(book.markets[0]?.outcomes[0] as object)).toEqual(
        keys(real.bookmakers[0].markets[0].outcomes[0]),
      );
    },
  );
});
