import { describe, expect, it } from 'vitest';
import { allocateMinutes } from './expectation.js';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('allocateMinutes', () => {
  it('keeps the starters’ minutes and lets the bench fill the rest of 240', () => {
    const minutes = allocateMinutes([36, 34, 32, 30, 30, 20, 20, 20, 10, 10]);
    expect(minutes.slice(0, 5)).toEqual([36, 34, 32, 30, 30]);
    expect(sum(minutes)).toBeCloseTo(240, 9);
    expect(minutes[5]).toBeCloseTo(20 * (78 / 80), 9);
  });

  it('scales everyone when the bench alone cannot make up the minutes', () => {
    const minutes = allocateMinutes([30, 30, 30, 30, 30, 2]);
    expect(sum(minutes)).toBeCloseTo(240, 9);
    expect(minutes[0]).toBeCloseTo(minutes[1] as number, 9);
    expect(minutes[0]).toBeGreaterThan(30);
  });

  it('never gives anyone more than 42 minutes, handing the rest to the others', () => {
    const minutes = allocateMinutes([48, 30, 30, 30, 30, 20, 20]);
    expect(Math.max(...minutes)).toBeLessThanOrEqual(42 + 1e-9);
    expect(sum(minutes)).toBeCloseTo(240, 6);
  });
});
