import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { SourceParseError } from './errors.js';
import { parseOddsEventOdds, parseOddsEvents } from './odds-api.js';

const event = {
  id: 'e1',
  sport_key: 'basketball_nba',
  sport_title: 'NBA',
  commence_time: '2024-02-23T00:30:00Z',
  home_team: 'Cleveland Cavaliers',
  away_team: 'Orlando Magic',
};

type Outcome = { name: string; description?: string; price: number; point?: number };

const over = (description: string, price: number, point: number): Outcome => ({
  name: 'Over',
  description,
  price,
  point,
});
const under = (description: string, price: number, point: number): Outcome => ({
  name: 'Under',
  description,
  price,
  point,
});

function odds(bookmakers: { key: string; markets: { key: string; outcomes: Outcome[] }[] }[]) {
  return {
    ...event,
    bookmakers: bookmakers.map((book) => ({
      ...book,
      title: book.key.toUpperCase(),
      last_update: '2024-02-23T00:05:00Z',
      markets: book.markets.map((m) => ({ ...m, last_update: '2024-02-23T00:06:00Z' })),
    })),
  };
}

describe('parseOddsEvents', () => {
  it('keys events by the Eastern date of commence_time', () => {
    const rows = parseOddsEvents([
      event,
      { ...event, id: 'e2', commence_time: '2024-02-23T23:00:00Z', home_team: 'LA Clippers' },
    ]);
    expect(rows).toEqual([
      {
        event_id: 'e1',
        game_key: '20240222_ORL_CLE',
        game_date: '2024-02-22',
        commence_time_utc: '2024-02-23T00:30:00.000Z',
        home_team: 'CLE',
        away_team: 'ORL',
        snapshot_time: null,
      },
      {
        event_id: 'e2',
        game_key: '20240223_ORL_LAC',
        game_date: '2024-02-23',
        commence_time_utc: '2024-02-23T23:00:00.000Z',
        home_team: 'LAC',
        away_team: 'ORL',
        snapshot_time: null,
      },
    ]);
  });

  it('unwraps a historical response and keeps its snapshot time', () => {
    const rows = parseOddsEvents({
      timestamp: '2024-02-22T23:55:38Z',
      previous_timestamp: '2024-02-22T23:50:38Z',
      next_timestamp: '2024-02-23T00:00:38Z',
      data: [event],
    });
    expect(rows[0]).toMatchObject({
      game_key: '20240222_ORL_CLE',
      snapshot_time: '2024-02-22T23:55:38.000Z',
    });
  });

  it('reads an empty list as no rows', () => {
    expect(parseOddsEvents([])).toEqual([]);
    expect(parseOddsEvents({ timestamp: '2024-02-22T23:55:38Z', data: [] })).toEqual([]);
  });

  it('fails on an unknown team name, naming its path', async () => {
    const error = await catchError(
      () => parseOddsEvents([event, { ...event, home_team: 'Seattle SuperSonics' }]),
      SourceParseError,
    );
    expect(error.message).toBe(
      'odds-api /v4/sports/basketball_nba/events: [1].home_team: unknown team "Seattle SuperSonics" for source "odds-api"',
    );
  });
});

describe('parseOddsEventOdds', () => {
  it('pairs each Over with the Under of the same player, in any order', () => {
    const { event: row, props } = parseOddsEventOdds(
      odds([
        {
          key: 'draftkings',
          markets: [
            {
              key: 'player_points',
              outcomes: [
                under('Jalen Suggs', 100, 11.5),
                over('Caris LeVert', -130, 11.5),
                over('Jalen Suggs', -130, 11.5),
                under('Caris LeVert', 100, 11.5),
              ],
            },
          ],
        },
      ]),
    );
    expect(row.game_key).toBe('20240222_ORL_CLE');
    expect(props).toEqual([
      {
        event_id: 'e1',
        game_key: '20240222_ORL_CLE',
        bookmaker: 'draftkings',
        bookmaker_title: 'DRAFTKINGS',
        market: 'player_points',
        player_name: 'Jalen Suggs',
        player_key: 'jalen suggs',
        line: 11.5,
        over_price: -130,
        under_price: 100,
        price_format: 'american',
        is_main_line: true,
        last_update: '2024-02-23T00:06:00.000Z',
        snapshot_time: null,
      },
      expect.objectContaining({ player_name: 'Caris LeVert', over_price: -130, under_price: 100 }),
    ]);
  });

  it('keeps a line with one side missing, that side null', () => {
    const { props } = parseOddsEventOdds(
      odds([
        {
          key: 'fanatics',
          markets: [
            {
              key: 'player_points',
              outcomes: [over('Bruce Brown Jr', 1.8, 11.5), under('G.G. Jackson', 1.91, 6.5)],
            },
          ],
        },
      ]),
    );
    expect(
      props.map((p) => [p.player_key, p.line, p.over_price, p.under_price, p.price_format]),
    ).toEqual([
      ['bruce brown', 11.5, 1.8, null, 'decimal'],
      ['gg jackson', 6.5, null, 1.91, 'decimal'],
    ]);
  });

  it('gives one row per bookmaker, each with its own players', () => {
    const { props } = parseOddsEventOdds(
      odds([
        {
          key: 'fanduel',
          markets: [
            {
              key: 'player_points',
              outcomes: [
                over('A', -110, 10.5),
                under('A', -110, 10.5),
                over('B', -110, 5.5),
                under('B', -110, 5.5),
              ],
            },
          ],
        },
        {
          key: 'fanatics',
          markets: [
            { key: 'player_points', outcomes: [over('A', -115, 9.5), under('A', -105, 9.5)] },
          ],
        },
      ]),
    );
    expect(props.map((p) => [p.bookmaker, p.player_name, p.line])).toEqual([
      ['fanduel', 'A', 10.5],
      ['fanduel', 'B', 5.5],
      ['fanatics', 'A', 9.5],
    ]);
  });

  it('keeps alternate lines apart and marks the one closest to even as the main line', () => {
    const { props } = parseOddsEventOdds(
      odds([
        {
          key: 'unibet_us',
          markets: [
            {
              key: 'player_points',
              outcomes: [
                over('Jalen Suggs', -177, 10.5),
                under('Jalen Suggs', 125, 10.5),
                over('Jalen Suggs', -124, 11.5),
                under('Jalen Suggs', -108, 11.5),
                over('Jalen Suggs', -275, 9.5),
                under('Jalen Suggs', 170, 9.5),
              ],
            },
          ],
        },
      ]),
    );
    expect(props.map((p) => [p.line, p.over_price, p.under_price, p.is_main_line])).toEqual([
      [10.5, -177, 125, false],
      [11.5, -124, -108, true],
      [9.5, -275, 170, false],
    ]);
  });

  it('compares lines by implied probability, not by raw American prices', () => {
    // -120/+100 is near even (54.5% vs 50%); -300/+220 is lopsided (75% vs 31%).
    const { props } = parseOddsEventOdds(
      odds([
        {
          key: 'betmgm',
          markets: [
            {
              key: 'player_points',
              outcomes: [
                over('A', -300, 8.5),
                under('A', 220, 8.5),
                over('A', -120, 10.5),
                under('A', 100, 10.5),
              ],
            },
          ],
        },
      ]),
    );
    expect(props.map((p) => [p.line, p.is_main_line])).toEqual([
      [8.5, false],
      [10.5, true],
    ]);
  });

  it('marks the main line with decimal prices too', () => {
    const { props } = parseOddsEventOdds(
      odds([
        {
          key: 'fanduel',
          markets: [
            {
              key: 'player_points',
              outcomes: [
                over('A', 1.3, 8.5),
                under('A', 3.4, 8.5),
                over('A', 1.9, 10.5),
                under('A', 1.9, 10.5),
              ],
            },
          ],
        },
      ]),
    );
    expect(props.map((p) => [p.line, p.is_main_line])).toEqual([
      [8.5, false],
      [10.5, true],
    ]);
  });

  it('keeps the first pair when a book lists the same line twice, and counts the rest', () => {
    const { props, ignoredOutcomes } = parseOddsEventOdds(
      odds([
        {
          key: 'williamhill_us',
          markets: [
            {
              key: 'player_points',
              outcomes: [
                over('Ben Simmons', -106, 7.5),
                under('Ben Simmons', -129, 7.5),
                over('Ben Simmons', -112, 7.5),
                under('Ben Simmons', -128, 7.5),
              ],
            },
          ],
        },
      ]),
    );
    expect(props.map((p) => [p.over_price, p.under_price])).toEqual([[-106, -129]]);
    expect(ignoredOutcomes).toBe(2);
  });

  it('ignores spreads and totals, whose Over and Under have no player', () => {
    const result = parseOddsEventOdds(
      odds([
        {
          key: 'draftkings',
          markets: [
            {
              key: 'spreads',
              outcomes: [
                { name: 'Orlando Magic', price: 1.91, point: 6.5 },
                { name: 'Cleveland Cavaliers', price: 1.83, point: -6.5 },
              ],
            },
            {
              key: 'totals',
              outcomes: [
                { name: 'Over', price: 1.87, point: 248.5 },
                { name: 'Under', price: 1.87, point: 248.5 },
              ],
            },
          ],
        },
      ]),
    );
    expect(result.props).toEqual([]);
    expect(result.ignoredMarkets).toEqual(['spreads', 'totals']);
  });

  it('falls back to the bookmaker’s last_update, and reads a missing point as null', () => {
    const json = odds([
      {
        key: 'b',
        markets: [
          { key: 'player_assists', outcomes: [{ name: 'Over', description: 'A', price: 1.9 }] },
        ],
      },
    ]);
    const book = json.bookmakers[0] as { markets: { last_update?: string }[] };
    delete book.markets[0]?.last_update;
    const [prop] = parseOddsEventOdds(json).props;
    expect(prop).toMatchObject({
      market: 'player_assists',
      line: null,
      last_update: '2024-02-23T00:05:00.000Z',
    });
  });

  it('unwraps a historical response', () => {
    const result = parseOddsEventOdds({
      timestamp: '2024-02-23T00:00:38Z',
      data: odds([
        { key: 'b', markets: [{ key: 'player_points', outcomes: [over('A', 1.9, 3.5)] }] },
      ]),
    });
    expect(result.event.snapshot_time).toBe('2024-02-23T00:00:38.000Z');
    expect(result.props[0]?.snapshot_time).toBe('2024-02-23T00:00:38.000Z');
  });

  it('fails on prices that mix American and decimal odds', async () => {
    const json = odds([
      {
        key: 'b',
        markets: [{ key: 'player_points', outcomes: [over('A', -110, 3.5), under('A', 1.9, 3.5)] }],
      },
    ]);
    const error = await catchError(() => parseOddsEventOdds(json), SourceParseError);
    expect(error.message).toContain(
      'odds-api /v4/sports/basketball_nba/events/{id}/odds: bookmakers: prices are neither',
    );
  });

  it('fails on a price that is not a number, naming its path', async () => {
    const json = odds([
      { key: 'b', markets: [{ key: 'player_points', outcomes: [over('A', 1.9, 3.5)] }] },
    ]);
    Object.assign(json.bookmakers[0]?.markets[0]?.outcomes[0] ?? {}, { price: '1.9' });
    const error = await catchError(() => parseOddsEventOdds(json), SourceParseError);
    expect(error.message).toBe(
      'odds-api /v4/sports/basketball_nba/events/{id}/odds: bookmakers[0].markets[0].outcomes[0].price: Invalid input: expected number, received string',
    );
  });
});
