import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyJitter, backoffCeiling } from './backoff.js';

const bounds = fc
  .tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 1_000_000 }))
  .map(([a, b]) => ({ baseDelayMs: Math.min(a, b), maxDelayMs: Math.max(a, b) }));
const retryNumber = fc.integer({ min: 1, max: 2_000 });
// fast-check's double excludes 1 with maxExcluded, matching Math.random's [0, 1).
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffCeiling', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffCeiling('exponential', n, 1000, 15_000))).toEqual([
      1000, 2000, 4000, 8000, 15_000, 15_000,
    ]);
    expect(backoffCeiling('exponential', 5_000, 1000, 15_000)).toBe(15_000);
    expect(backoffCeiling('constant', 7, 1000, 15_000)).toBe(1000);
  });
});

describe('decorrelated jitter', () => {
  it('decorrelated jitter draws up to three times the previous delay, never below the base', () => {
    // Upper bound min(10 000, max(100, 3 × 1000)) = 3000: halfway from 100 is 1550.
    expect(applyJitter('decorrelated', 0, 100, 10_000, 1_000, () => 0.5)).toBe(1_550);
    // A previous delay under a third of the base leaves the base itself.
    expect(applyJitter('decorrelated', 0, 100, 10_000, 10, () => 0.5)).toBe(100);
  });
});

describe('jitter bounds (property)', () => {
  it('full jitter for retry n lies in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]', () => {
    fc.assert(
      fc.property(bounds, retryNumber, unit, ({ baseDelayMs, maxDelayMs }, n, r) => {
        const ceiling = backoffCeiling('exponential', n, baseDelayMs, maxDelayMs);
        // A zero base stays zero however many retries (0 * 2^2000 would be NaN).
        expect(ceiling).toBe(
          baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1)),
        );
        const delay = applyJitter('full', ceiling, baseDelayMs, maxDelayMs, baseDelayMs, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }),
    );
  });

  it('equal jitter lies in the upper half of the capped delay', () => {
    fc.assert(
      fc.property(bounds, retryNumber, unit, ({ baseDelayMs, maxDelayMs }, n, r) => {
        const ceiling = backoffCeiling('exponential', n, baseDelayMs, maxDelayMs);
        const delay = applyJitter('equal', ceiling, baseDelayMs, maxDelayMs, baseDelayMs, () => r);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }),
    );
  });

  it('decorrelated jitter stays within [base, cap] over a whole sequence', () => {
    fc.assert(
      fc.property(bounds, fc.array(unit, { minLength: 1, maxLength: 50 }), (b, draws) => {
        let previous = b.baseDelayMs;
        for (const r of draws) {
          const delay = applyJitter(
            'decorrelated',
            0,
            b.baseDelayMs,
            b.maxDelayMs,
            previous,
            () => r,
          );
          expect(delay).toBeGreaterThanOrEqual(b.baseDelayMs);
          expect(delay).toBeLessThanOrEqual(b.maxDelayMs);
          previous = delay;
        }
      }),
    );
  });

  it('capped delays stay spread out, because the cap applies before jitter', () => {
    const ceiling = backoffCeiling('exponential', 30, 1000, 15_000);
    const delays = [0.1, 0.5, 0.9].map((r) =>
      applyJitter('full', ceiling, 1000, 15_000, 0, () => r),
    );
    expect(delays).toEqual([1500, 7500, 13_500]);
  });

  it('no jitter returns the capped delay itself', () => {
    fc.assert(
      fc.property(bounds, retryNumber, ({ baseDelayMs, maxDelayMs }, n) => {
        const ceiling = backoffCeiling('exponential', n, baseDelayMs, maxDelayMs);
        expect(applyJitter('none', ceiling, baseDelayMs, maxDelayMs, 0, Math.random)).toBe(ceiling);
      }),
    );
  });
});
