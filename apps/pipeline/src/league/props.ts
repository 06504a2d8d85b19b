import {
  type ExpectedLine,
  expectedLine,
  expectedMinutes,
  expectedShots,
  sideContext,
} from './expectation.js';
import type { Game } from './game.js';
import { createRandom, hashSeed, type Random } from './random.js';
import { isInjured, type Player, type TeamRating } from './rosters.js';

/** A player-prop market, keyed as The Odds API keys it. */
export type PropMarket = 'player_points' | 'player_rebounds' | 'player_assists';

/** The three markets, in the order books list them. */
export const PROP_MARKETS: readonly PropMarket[] = [
  'player_points',
  'player_rebounds',
  'player_assists',
];

/** A bookmaker, keyed and titled as The Odds API names it, and how many players it prices. */
export interface Bookmaker {
  readonly key: string;
  readonly title: string;
  /** Chance the book prices a given eligible player. */
  readonly coverage: number;
}

/** The books offering props: each lists a different subset of the players. */
export const BOOKMAKERS: readonly Bookmaker[] = [
  { key: 'draftkings', title: 'DraftKings', coverage: 0.95 },
  { key: 'fanduel', title: 'FanDuel', coverage: 0.9 },
  { key: 'betmgm', title: 'BetMGM', coverage: 0.8 },
  // The Odds API still keys Caesars by its old name.
  { key: 'williamhill_us', title: 'Caesars', coverage: 0.65 },
];

/** One Over/Under pair on one player. */
export interface PropLine {
  readonly player: Player;
  /** The line, always a half point. */
  readonly point: number;
  /** American odds, never between -100 and +100. */
  readonly overPrice: number;
  readonly underPrice: number;
  /** The model's mean for the stat, which the line was set from. */
  readonly expected: number;
}

/** One book's lines for one market. */
export interface MarketProps {
  readonly key: PropMarket;
  readonly lastUpdateMs: number;
  readonly lines: readonly PropLine[];
}

/** One book's prop markets on a game. */
export interface BookmakerProps {
  readonly key: string;
  readonly title: string;
  readonly lastUpdateMs: number;
  readonly markets: readonly MarketProps[];
}

/** The props on a game, priced before tip-off. */
export interface GameProps {
  readonly gameId: string;
  readonly bookmakers: readonly BookmakerProps[];
}

/** What props are drawn from besides the game. */
export interface PropsInputs {
  readonly seed: number | string;
  readonly roster: (team: string) => readonly Player[];
  readonly ratings: ReadonlyMap<string, TeamRating>;
}

/** Players expected to play fewer minutes get no props. */
const MIN_PROP_MINUTES = 10;

const statOf: Record<PropMarket, keyof ExpectedLine> = {
  player_points: 'pts',
  player_rebounds: 'reb',
  player_assists: 'ast',
};

/** American odds for an implied probability, to the nearest 5 (+100 for even money). */
export function americanOdds(probability: number): number {
  const raw =
    probability >= 0.5
      ? (-100 * probability) / (1 - probability)
      : (100 * (1 - probability)) / probability;
  const rounded = Math.round(raw / 5) * 5;
  return rounded >= -100 && rounded < 100 ? 100 : rounded;
}

/** The nearest half point: 22.4 -> 22.5, 22.9 -> 22.5, 23.1 -> 23.5. */
function halfPoint(value: number): number {
  return Math.max(0.5, Math.round(value - 0.5) + 0.5);
}

function priceLine(rng: Random, player: Player, expected: number, consensus: number): PropLine {
  const point = halfPoint(consensus + rng.normal(0, 0.35));
  const sd = Math.max(1.2, 0.3 * expected + 1.5);
  const pOver = Math.min(
    0.6,
    Math.max(0.4, 0.5 + (0.25 * (expected - point)) / sd + rng.normal(0, 0.012)),
  );
  const vig = 0.0238;
  return {
    player,
    point,
    overPrice: americanOdds(pOver + vig),
    underPrice: americanOdds(1 - pOver + vig),
    expected,
  };
}

/**
 * The player props of `game` from each book in {@link BOOKMAKERS}: lines near each player's
 * expected points, rebounds and assists (a shared consensus plus each book's own noise), with
 * Over/Under prices around -110. Only players not injured on the day and expected to play real
 * minutes are priced; the same inputs always give the same props.
 */
export function generateProps(game: Game, inputs: PropsInputs): GameProps {
  const rng = createRandom(hashSeed(inputs.seed, 'props', game.gameId));
  const eligible: { player: Player; expected: ExpectedLine; consensus: ExpectedLine }[] = [];
  for (const side of ['away', 'home'] as const) {
    const context = sideContext(game, side, inputs.ratings);
    const available = inputs.roster(context.team).filter((p) => !isInjured(p, game.date));
    const minutes = expectedMinutes(available, context.restDays);
    const shots = expectedShots(available, minutes);
    available.forEach((player, i) => {
      const m = minutes[i] as number;
      if (m < MIN_PROP_MINUTES) return;
      const expected = expectedLine(player, m, shots[i] as number, context);
      const noisy = (v: number) => v + rng.normal(0, 0.03 * v + 0.2);
      eligible.push({
        player,
        expected,
        consensus: { pts: noisy(expected.pts), reb: noisy(expected.reb), ast: noisy(expected.ast) },
      });
    });
  }
  const bookmakers = BOOKMAKERS.map((book): BookmakerProps => {
    const listed = eligible.filter(() => rng.chance(book.coverage));
    const lastUpdateMs = game.startMs - rng.int(2, 90) * 60_000;
    const markets = PROP_MARKETS.map((key): MarketProps => {
      const stat = statOf[key];
      const lines = listed
        .filter(({ expected }) => {
          if (key === 'player_points') return true;
          const floor = key === 'player_rebounds' ? 2.5 : 1.5;
          return expected[stat] >= floor && rng.chance(0.9);
        })
        .map(({ player, expected, consensus }) =>
          priceLine(rng, player, expected[stat], consensus[stat]),
        );
      return { key, lastUpdateMs: lastUpdateMs - rng.int(0, 120) * 1000, lines };
    });
    return { key: book.key, title: book.title, lastUpdateMs, markets };
  });
  return { gameId: game.gameId, bookmakers };
}
