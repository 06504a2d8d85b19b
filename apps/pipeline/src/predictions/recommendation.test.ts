import { describe, expect, it } from 'vitest';
import { normalCdf, recommend } from './recommendation.js';

describe('recommend', () => {
  it.each([
    {
      name: 'an edge of exactly 2 is a PASS',
      predicted: 22,
      line: 20,
      spread: 1,
      expected: 'PASS',
    },
    { name: 'an edge of -2 is a PASS', predicted: 18, line: 20, spread: 1, expected: 'PASS' },
    {
      name: 'a small edge is a PASS even when sure',
      predicted: 21.9,
      line: 20,
      spread: 0.1,
      expected: 'PASS',
    },
    {
      name: 'an edge above 2 with a tight spread is OVER',
      predicted: 25,
      line: 20,
      spread: 4,
      expected: 'OVER',
    },
    {
      name: 'an edge below -2 with a tight spread is UNDER',
      predicted: 15,
      line: 20,
      spread: 4,
      expected: 'UNDER',
    },
    {
      name: 'a big edge with a huge spread is a PASS (low confidence)',
      predicted: 23,
      line: 20,
      spread: 40,
      expected: 'PASS',
    },
    {
      name: 'just above the confidence bar is a side',
      predicted: 23,
      line: 20,
      spread: 22,
      expected: 'OVER',
    },
    {
      name: 'just below the confidence bar is a PASS',
      predicted: 23,
      line: 20,
      spread: 25,
      expected: 'PASS',
    },
  ])('$name', ({ predicted, line, spread, expected }) => {
    expect(recommend(predicted, line, spread).recommendation).toBe(expected);
  });

  it('gives the edge and the probability of the predicted side as confidence', () => {
    expect(recommend(29.5, 26.5, 6)).toEqual({
      edge: 3,
      confidence: 0.691,
      recommendation: 'OVER',
    });
    expect(recommend(23.5, 26.5, 6)).toEqual({
      edge: -3,
      confidence: 0.691,
      recommendation: 'UNDER',
    });
  });

  it('keeps confidence within 0.5..1, even for a zero spread', () => {
    expect(recommend(20, 20, 5).confidence).toBe(0.5);
    expect(recommend(40, 20, 0).confidence).toBe(1);
  });
});

describe('normalCdf', () => {
  it.each([
    [0, 0.5],
    [1, 0.841345],
    [-1.96, 0.024998],
    [3, 0.99865],
  ])('Φ(%d) = %d', (z, p) => {
    expect(normalCdf(z)).toBeCloseTo(p, 5);
  });
});
