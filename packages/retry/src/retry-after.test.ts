import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryAfterMsOf } from './retry-after.js';

const now = Date.parse('2026-11-25T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(['3'], now)).toBe(3_000);
    expect(parseRetryAfter('1.25', now)).toBe(1_250);
  });

  it('reads a number of seconds given as a number', () => {
    expect(parseRetryAfter(5, now)).toBe(5_000);
    expect(parseRetryAfter(0, now)).toBe(0);
    expect(parseRetryAfter(-1, now)).toBeUndefined();
    expect(parseRetryAfter(Number.NaN, now)).toBeUndefined();
    expect(parseRetryAfter(Number.POSITIVE_INFINITY, now)).toBeUndefined();
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('5 seconds', now)).toBeUndefined();
    // An HTTP-date starts with its day name.
    expect(parseRetryAfter('25 Nov 2026 12:00:30 GMT', now)).toBeUndefined();
    expect(parseRetryAfter('W, 25 Nov 2026 12:00:30 GMT', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('retryAfterMsOf', () => {
  it('prefers an explicit retryAfterMs', () => {
    expect(retryAfterMsOf(Object.assign(new Error(), { retryAfterMs: 250 }), now)).toBe(250);
    expect(retryAfterMsOf({ retryAfterMs: 0, headers: { 'retry-after': '9' } }, now)).toBe(0);
  });

  it('ignores a retryAfterMs that is not a finite number >= 0', () => {
    expect(retryAfterMsOf({ retryAfterMs: Number.POSITIVE_INFINITY }, now)).toBeUndefined();
    expect(retryAfterMsOf({ retryAfterMs: '250' }, now)).toBeUndefined();
  });

  it('reads plain-object headers case-insensitively, on the error or its response', () => {
    expect(retryAfterMsOf({ headers: { 'retry-after': '2' } }, now)).toBe(2_000);
    expect(retryAfterMsOf({ response: { headers: { 'Retry-After': '4' } } }, now)).toBe(4_000);
    const headers = { 'content-type': 'text/plain', 'Retry-After': '6' };
    expect(retryAfterMsOf({ headers }, now)).toBe(6_000);
    expect(retryAfterMsOf({ headers: { 'retry-after': 5 } }, now)).toBe(5_000);
  });

  it('tolerates null headers and responses', () => {
    expect(retryAfterMsOf({ headers: null, response: null }, now)).toBeUndefined();
  });

  it('reads fetch Headers', () => {
    const headers = new Headers({ 'Retry-After': '9' });
    expect(retryAfterMsOf({ response: { headers } }, now)).toBe(9_000);
  });

  it('follows the cause chain', () => {
    const cause = { retryAfterMs: 700 };
    expect(retryAfterMsOf(new Error('wrapped', { cause }), now)).toBe(700);
    const unreadable = { headers: { 'retry-after': 'soon' }, cause };
    expect(retryAfterMsOf(unreadable, now)).toBe(700);
  });

  it('looks 3 causes deep and no further, and stops on a cycle', () => {
    const wrap = (levels: number): unknown =>
      Array.from({ length: levels }).reduce<unknown>((cause) => new Error('wrapper', { cause }), {
        retryAfterMs: 700,
      });
    expect(retryAfterMsOf(wrap(3), now)).toBe(700);
    expect(retryAfterMsOf(wrap(4), now)).toBeUndefined();
    const a = new Error('a');
    (a as { cause?: unknown }).cause = new Error('b', { cause: a });
    expect(retryAfterMsOf(a, now)).toBeUndefined();
  });

  it('returns undefined without a hint', () => {
    expect(retryAfterMsOf(new Error('plain'), now)).toBeUndefined();
    expect(retryAfterMsOf({ retryAfterMs: -1 }, now)).toBeUndefined();
    expect(retryAfterMsOf('text', now)).toBeUndefined();
  });
});
