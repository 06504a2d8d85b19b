import type { Game } from '../league/game.js';

/**
 * True when the provider serves `game` as played: its date is before `today` (a US Eastern
 * `YYYY-MM-DD`), or no `today` is set. Box scores and stats exist only for such games.
 */
export function isFinal(game: Game, today: string | undefined): boolean {
  return today === undefined || game.date < today;
}

/**
 * True when the provider serves `game` as not yet started, so The Odds API lists it and prices
 * its props: its date is `today` or later, or no `today` is set.
 */
export function isUpcoming(game: Game, today: string | undefined): boolean {
  return today === undefined || game.date >= today;
}
