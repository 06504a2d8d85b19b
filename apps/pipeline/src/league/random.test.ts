import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom, hashSeed } from './random.js';

describe('createRandom', () => {
  it('is mulberry32: seed 42 gives the published sequence, on every Node version', () => {
    const rng = createRandom(42);
    expect([rng.uint32(), rng.uint32(), rng.uint32()]).toEqual([
      2581720956, 1925393290, 3661312704,
    ]);
    expect(createRandom(42).next()).toBe(0.6011037519201636);
  });

  it('pins the derived draws too, so a change to Box-Muller or seed hashing shows', () => {
    const rng = createRandom(42);
    rng.uint32();
    rng.uint32();
    rng.uint32();
    expect(rng.next()).toBe(0.6697340414393693);
    expect(rng.normal()).toBe(-0.6112802846514629);
    expect(hashSeed(42, 'box', '0022500001')).toBe(2855121404);
  });

  it('gives the same sequence for the same seed and a different one for another seed', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.string()),
        fc.oneof(fc.integer(), fc.string()),
        (a, b) => {
          const draw = (seed: number | string) => {
            const rng = createRandom(seed);
            return Array.from({ length: 8 }, () => rng.uint32());
          };
          expect(draw(a)).toEqual(draw(a));
          if (a !== b && hashSeed(a) !== hashSeed(b)) expect(draw(a)).not.toEqual(draw(b));
        },
      ),
    );
  });

  it('keeps next() in [0, 1) and int() within its inclusive bounds', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -1000, max: 1000 }),
        fc.nat(50),
        (seed, min, span) => {
          const rng = createRandom(seed);
          const bad: number[] = [];
          for (let i = 0; i < 50; i++) {
            const x = rng.next();
            if (!(x >= 0 && x < 1)) bad.push(x);
            const n = rng.int(min, min + span);
            if (!Number.isInteger(n) || n < min || n > min + span) bad.push(n);
          }
          expect(bad).toEqual([]);
        },
      ),
    );
  });

  it('shuffles into a permutation and leaves the input alone', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.integer(), { maxLength: 40 }), (seed, items) => {
        const copy = items.slice();
        const shuffled = createRandom(seed).shuffle(items);
        expect(items).toEqual(copy);
        expect(shuffled.slice().sort((a, b) => a - b)).toEqual(copy.sort((a, b) => a - b));
      }),
    );
  });

  it('draws normals, Poissons and binomials with the right means', () => {
    const rng = createRandom(7);
    const n = 20_000;
    let normals = 0;
    let squares = 0;
    let poissons = 0;
    let binomials = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal(10, 2);
      normals += x;
      squares += (x - 10) ** 2;
      poissons += rng.poisson(4.5);
      binomials += rng.binomial(20, 0.3);
    }
    expect(normals / n).toBeCloseTo(10, 1);
    expect(Math.sqrt(squares / n)).toBeCloseTo(2, 1);
    expect(poissons / n).toBeCloseTo(4.5, 1);
    expect(binomials / n).toBeCloseTo(6, 1);
    expect(rng.poisson(0)).toBe(0);
    const big = Array.from({ length: 2000 }, () => rng.poisson(60));
    expect(big.reduce((a, b) => a + b, 0) / big.length).toBeCloseTo(60, 0);
  });

  it('refuses to pick from an empty array', () => {
    expect(() => createRandom(1).pick([])).toThrow(/empty/);
  });
});

describe('hashSeed', () => {
  it('separates streams by every part', () => {
    expect(hashSeed(1, 'box', 'a')).not.toBe(hashSeed(1, 'box', 'b'));
    expect(hashSeed(1, 'box', 'a')).not.toBe(hashSeed(2, 'box', 'a'));
    expect(hashSeed(1, 'box', 'a')).not.toBe(hashSeed(1, 'props', 'a'));
    expect(hashSeed('ab', 'c')).not.toBe(hashSeed('a', 'bc'));
  });
});
