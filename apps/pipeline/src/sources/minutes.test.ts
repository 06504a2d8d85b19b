import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { minutesSchema, readMinutes } from './minutes.js';

describe('readMinutes', () => {
  it.each([
    // balldontlie: whole minutes as a string, zero-padded or not.
    ['38', 38],
    ['05', 5],
    ['5', 5],
    ['00', 0],
    ['0', 0],
    // stats.nba.com: MM:SS, not zero-padded, and the old "34.000000:12".
    ['38:12', 38.2],
    ['7:15', 7.25],
    ['0:00', 0],
    ['34.000000:12', 34.2],
    // cdn.nba.com live data: ISO-8601 durations.
    ['PT38M12.00S', 38.2],
    ['PT00M00.00S', 0],
    ['PT21M', 21],
    ['PT45S', 0.75],
    ['PT1H2M', 62],
    // leaguegamelog: a number.
    [35, 35],
    [0, 0],
    // Did not play.
    ['', 0],
    [' ', 0],
    [null, 0],
    [undefined, 0],
  ])('reads %j as %d minutes', (value, minutes) => {
    expect(readMinutes(value)).toBeCloseTo(minutes, 10);
  });

  it.each([
    '38m',
    '-5',
    '12:75',
    'PT',
    'PTM',
    'DNP',
    '1:2:3',
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('does not read %j', (value) => {
    expect(readMinutes(value)).toBeUndefined();
  });
});

describe('minutesSchema', () => {
  it('outputs minutes as a number', () => {
    const schema = z.object({ min: minutesSchema });
    expect(schema.parse({ min: '38:12' }).min).toBeCloseTo(38.2, 10);
    expect(schema.parse({}).min).toBe(0);
  });

  it('reports an unreadable value at its path', () => {
    const result = z.object({ min: minutesSchema }).safeParse({ min: 'DNP' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['min']);
    expect(result.error?.issues[0]?.message).toContain('unreadable minutes "DNP"');
  });

  it('refuses a type no provider sends', () => {
    expect(z.object({ min: minutesSchema }).safeParse({ min: true }).success).toBe(false);
  });
});
