/**
 * A seeded pseudo-random source. Built only on 32-bit integer arithmetic (mulberry32) plus
 * `Math.log`, `Math.sqrt` and `Math.cos`, which V8 computes with its own fdlibm port, so a seed
 * gives the same sequence on every Node version.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An unsigned 32-bit integer. */
  uint32(): number;
  /** A float in [min, max). */
  uniform(min: number, max: number): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A normal variate (Box-Muller). */
  normal(mean?: number, sd?: number): number;
  /** A Poisson variate with mean `lambda` (Knuth below 30, a rounded normal above). */
  poisson(lambda: number): number;
  /** Successes in `n` trials of probability `p`. */
  binomial(n: number, p: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/**
 * Hash any mix of strings and numbers to a 32-bit seed (FNV-1a, then murmur3's finaliser), so
 * one league seed can derive independent streams: `hashSeed(seed, 'box', gameId)`.
 *
 * @example
 * ```ts
 * const rng = createRandom(hashSeed(42, 'props', '0022500001'));
 * ```
 */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Create a {@link Random} from a seed (a number, or a string that is hashed).
 *
 * @example
 * ```ts
 * const rng = createRandom(7);
 * rng.int(1, 6); // the same roll on every run
 * ```
 */
export function createRandom(seed: number | string): Random {
  let state = typeof seed === 'number' && Number.isInteger(seed) ? seed >>> 0 : hashSeed(seed);

  const uint32 = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => uint32() / 4294967296;

  const normal = (mean = 0, sd = 1): number => {
    // 1 - next() is in (0, 1], so the log is finite.
    const u = 1 - next();
    const v = next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };

  return {
    next,
    uint32,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    normal,
    poisson(lambda) {
      if (!(lambda > 0)) return 0;
      if (lambda >= 30) return Math.max(0, Math.round(normal(lambda, Math.sqrt(lambda))));
      const limit = Math.exp(-lambda);
      let k = 0;
      let product = next();
      while (product > limit) {
        k++;
        product *= next();
      }
      return k;
    },
    binomial(n, p) {
      let successes = 0;
      for (let i = 0; i < n; i++) if (next() < p) successes++;
      return successes;
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('Random.pick: the array is empty');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    shuffle(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const a = out[i] as (typeof out)[number];
        out[i] = out[j] as (typeof out)[number];
        out[j] = a;
      }
      return out;
    },
  };
}
