import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLeague } from './generate.js';
import { americanOdds, BOOKMAKERS, PROP_MARKETS } from './props.js';
import { isInjured } from './rosters.js';

const league = generateLeague({ seed: 42 });
const sample = league.games.filter((_, i) => i % 10 === 0);

describe('player props', () => {
  it('come from every book, each pricing a different set of players', () => {
    let differing = 0;
    for (const game of sample) {
      const props = league.props(game.gameId);
      expect(props.bookmakers.map((b) => b.key)).toEqual(BOOKMAKERS.map((b) => b.key));
      const sets = props.bookmakers.map((b) =>
        (b.markets[0]?.lines ?? [])
          .map((l) => l.player.nbaId)
          .sort()
          .join(','),
      );
      if (new Set(sets).size > 1) differing++;
      for (const book of props.bookmakers) {
        expect(book.markets.map((m) => m.key)).toEqual(PROP_MARKETS);
        expect(book.markets[0]?.lines.length).toBeGreaterThanOrEqual(6);
      }
    }
    expect(differing).toBeGreaterThan(sample.length * 0.9);
  });

  it('price only healthy players of the two teams, each once per book and market', () => {
    const problems: string[] = [];
    for (const game of sample) {
      for (const book of league.props(game.gameId).bookmakers) {
        for (const market of book.markets) {
          const ids = market.lines.map((l) => l.player.nbaId);
          if (new Set(ids).size !== ids.length) problems.push(`${book.key} ${market.key} repeats`);
          for (const { player } of market.lines) {
            if (player.team !== game.home && player.team !== game.away)
              problems.push(`${player.fullName} not in ${game.gameCode}`);
            if (isInjured(player, game.date))
              problems.push(`${player.fullName} injured on ${game.date}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('set half-point lines near the expectation, with Over/Under prices around -110', () => {
    const lines = sample.flatMap((g) =>
      league.props(g.gameId).bookmakers.flatMap((b) => b.markets.flatMap((m) => m.lines)),
    );
    expect(lines.length).toBeGreaterThan(1000);
    const off: string[] = [];
    for (const line of lines) {
      if (!Number.isInteger(line.point - 0.5) || line.point < 0.5) off.push(`point ${line.point}`);
      // Consensus and book noise, then rounding to the half point: five sigma plus the rounding.
      const sd = Math.hypot(0.03 * line.expected + 0.2, 0.35);
      if (Math.abs(line.point - line.expected) > 0.5 + 5 * sd) {
        off.push(`${line.point} vs ${line.expected.toFixed(1)}`);
      }
      for (const price of [line.overPrice, line.underPrice]) {
        if (price > -100 && price < 100) off.push(`price ${price}`);
        if (price < -200 || price > 170) off.push(`price ${price}`);
      }
      // The book keeps a margin: the two sides' implied probabilities add to more than 1.
      const implied = (a: number) => (a < 0 ? -a / (-a + 100) : 100 / (a + 100));
      if (implied(line.overPrice) + implied(line.underPrice) <= 1) off.push('no vig');
    }
    expect(off).toEqual([]);
    const prices = lines.flatMap((l) => [l.overPrice, l.underPrice]);
    const mostCommon = [
      ...prices.reduce((m, p) => m.set(p, (m.get(p) ?? 0) + 1), new Map<number, number>()),
    ].sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(mostCommon).toBe(-110);
  });

  it('shade the price toward the side the expectation favours', () => {
    const lines = sample.flatMap((g) =>
      league.props(g.gameId).bookmakers.flatMap((b) => b.markets.flatMap((m) => m.lines)),
    );
    const overFavoured = lines.filter((l) => l.expected - l.point > 1.5);
    expect(overFavoured.length).toBeGreaterThan(20);
    const shaded = overFavoured.filter((l) => l.overPrice < l.underPrice);
    expect(shaded.length / overFavoured.length).toBeGreaterThan(0.9);
  });

  it('are the same on every call and for the same seed', () => {
    const id = sample[3]?.gameId as string;
    expect(league.props(id)).toBe(league.props(id));
    expect(generateLeague({ seed: 42 }).props(id)).toEqual(league.props(id));
    expect(generateLeague({ seed: 43 }).props(id)).not.toEqual(league.props(id));
  });
});

describe('americanOdds', () => {
  it('gives -110 for 52.4%, +100 for even money, and never a price between -100 and +100', () => {
    expect(americanOdds(0.5238)).toBe(-110);
    expect(americanOdds(0.5)).toBe(100);
    expect([100, -105]).toContain(americanOdds(41 / 81)); // -102.5: once flaked a sign check
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 0.95, noNaN: true }), (p) => {
        const price = americanOdds(p);
        expect(price <= -100 || price >= 100).toBe(true);
        expect(Math.abs(price % 5)).toBe(0);
        // Favourites (p > 0.5) are negative once the price rounds past -100: from about
        // p = 0.5062 (-102.5 rounds either way in floating point); underdogs are never negative.
        if (p <= 0.5) expect(price).toBeGreaterThanOrEqual(100);
        if (p >= 0.51) expect(price).toBeLessThanOrEqual(-105);
      }),
    );
  });
});
