import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateOfDays, daysOfDate, formatTimestamp, jsonProblem, parseTimestamp } from './values.js';

describe('parseTimestamp', () => {
  it('reads ISO 8601 with a zone to microseconds since the epoch', () => {
    expect(parseTimestamp('1970-01-01T00:00:00Z')).toBe(0n);
    expect(parseTimestamp('1970-01-01T00:00:01.5Z')).toBe(1_500_000n);
    expect(parseTimestamp('1970-01-01T00:00:00.000001Z')).toBe(1n);
    expect(parseTimestamp('1970-01-01T01:00+01:00')).toBe(0n);
    expect(parseTimestamp('1969-12-31T19:00:00-05:00')).toBe(0n);
    expect(parseTimestamp('2026-01-24T19:30:00.123Z')).toBe(
      BigInt(Date.parse('2026-01-24T19:30:00.123Z')) * 1000n,
    );
  });

  it.each([
    ['no zone', '2026-01-24T19:30:00'],
    ['a date alone', '2026-01-24'],
    ['a space for T', '2026-01-24 19:30:00Z'],
    ['nanoseconds', '2026-01-24T19:30:00.123456789Z'],
    ['hour 24', '2026-01-24T24:00:00Z'],
    ['a day that does not exist', '2026-02-30T00:00:00Z'],
    ['a zone hour past 23', '2026-01-24T00:00:00+24:00'],
    ['another format', 'Sat, 24 Jan 2026 19:30:00 GMT'],
  ])('refuses %s', (_, value) => {
    expect(parseTimestamp(value)).toBeUndefined();
  });

  it('agrees with Date for every millisecond it can write', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2e12, max: 4e12 }), (ms) => {
        const iso = new Date(ms).toISOString();
        const micros = parseTimestamp(iso);
        expect(micros).toBe(BigInt(ms) * 1000n);
        expect(formatTimestamp(micros as bigint)).toBe(iso);
      }),
    );
  });
});

describe('formatTimestamp', () => {
  it('drops sub-millisecond digits towards the past, before and after the epoch', () => {
    expect(formatTimestamp(1_999n)).toBe('1970-01-01T00:00:00.001Z');
    expect(formatTimestamp(-1n)).toBe('1969-12-31T23:59:59.999Z');
    expect(formatTimestamp(-1_000n)).toBe('1969-12-31T23:59:59.999Z');
    expect(formatTimestamp(-1_001n)).toBe('1969-12-31T23:59:59.998Z');
  });
});

describe('dates', () => {
  it('converts between calendar dates and day counts both ways', () => {
    expect(daysOfDate('1970-01-01')).toBe(0);
    expect(daysOfDate('2024-02-29')).toBe(19_782);
    expect(dateOfDays(19_782)).toBe('2024-02-29');
    expect(dateOfDays(-1)).toBe('1969-12-31');
  });
});

describe('jsonProblem', () => {
  it('accepts what survives JSON.stringify and JSON.parse unchanged', () => {
    expect(jsonProblem({ a: [1, 'x', null, true, { b: -0.5 }] })).toBeUndefined();
    expect(jsonProblem('text')).toBeUndefined();
    expect(jsonProblem(Object.assign(Object.create(null), { a: 1 }))).toBeUndefined();
    const shared = { x: 1 };
    expect(jsonProblem([shared, shared])).toBeUndefined();
  });

  it.each([
    ['NaN', { a: [1, Number.NaN] }, /\$\.a\[1\] is NaN/],
    ['undefined', { a: undefined }, /\$\.a is undefined/],
    ['a bigint', [1n], /\$\[0\] is a bigint/],
    ['a Date', { at: new Date(0) }, /\$\.at is a Date/],
    ['a Map', new Map(), /\$ is a Map/],
    ['a function', { f: () => 1 }, /\$\.f is function/],
  ])('names %s and where it is', (_, value, message) => {
    expect(jsonProblem(value)).toMatch(message);
  });

  it('names a cycle', () => {
    const cyclic: Record<string, unknown> = { a: {} };
    (cyclic.a as Record<string, unknown>).back = cyclic;
    expect(jsonProblem(cyclic)).toBe('$.a.back is a cycle');
  });
});
