import { isoSeconds } from '../league/calendar.js';
import type { Game } from '../league/game.js';
import type { League } from '../league/generate.js';
import type { PropMarket } from '../league/props.js';

/** The Odds API's sport key and title for the NBA. */
export const SPORT_KEY = 'basketball_nba';

/** An event object of `/v4/sports/basketball_nba/events`. */
export function oddsEvent(league: League, game: Game): Record<string, unknown> {
  return {
    id: game.oddsEventId,
    sport_key: SPORT_KEY,
    sport_title: 'NBA',
    commence_time: isoSeconds(game.startMs),
    home_team: league.team(game.home).fullName,
    away_team: league.team(game.away).fullName,
  };
}

/** American odds as The Odds API's decimal format writes them (two decimals). */
export function decimalOdds(american: number): number {
  const decimal = american > 0 ? 1 + american / 100 : 1 + 100 / -american;
  return Math.round(decimal * 100) / 100;
}

/** What the odds request asks for. */
export interface OddsQuery {
  readonly markets: ReadonlySet<string>;
  /** Only these bookmakers, when given. */
  readonly bookmakers: ReadonlySet<string> | undefined;
  readonly oddsFormat: 'american' | 'decimal';
}

/**
 * `/v4/sports/basketball_nba/events/{id}/odds`: the event with `bookmakers[].markets[].outcomes[]`,
 * an Over and an Under per player (`description` = the player's name). Books and markets
 * with nothing to show are left out, as the real API does.
 */
export function eventOdds(league: League, game: Game, query: OddsQuery): unknown {
  const price = (american: number) =>
    query.oddsFormat === 'decimal' ? decimalOdds(american) : american;
  const bookmakers = league
    .props(game.gameId)
    .bookmakers.filter((book) => query.bookmakers === undefined || query.bookmakers.has(book.key))
    .map((book) => ({
      key: book.key,
      title: book.title,
      last_update: isoSeconds(book.lastUpdateMs),
      markets: book.markets
        .filter((market) => query.markets.has(market.key as PropMarket) && market.lines.length > 0)
        .map((market) => ({
          key: market.key,
          last_update: isoSeconds(market.lastUpdateMs),
          outcomes: market.lines.flatMap((line) => [
            {
              name: 'Over',
              description: line.player.fullName,
              price: price(line.overPrice),
              point: line.point,
            },
            {
              name: 'Under',
              description: line.player.fullName,
              price: price(line.underPrice),
              point: line.point,
            },
          ]),
        })),
    }))
    .filter((book) => book.markets.length > 0);
  return { ...oddsEvent(league, game), bookmakers };
}
