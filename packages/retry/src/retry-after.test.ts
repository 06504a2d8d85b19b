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
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('retryAfterMsOf', () => {
  it('prefers an explicit retryAfterMs', () => {
    expect(retryAfterMsOf(Object.assign(new Error(), { retryAfterMs: 250 }), now)).toBe(250);
  });

  it('reads plain-object headers case-insensitively, on the error or its response', () => {
    expect(retryAfterMsOf({ headers: { 'retry-after': '2' } }, now)).toBe(2_000);
    expect(retryAfterMsOf({ response: { headers: { 'Retry-After': '4' } } }, now)).toBe(4_000);
  });

  it('reads fetch Headers', () => {
    const headers = new Headers({ 'Retry-After': '9' });
    expect(retryAfterMsOf({ response: { headers } }, now)).toBe(9_000);
  });

  it('follows the cause chain', () => {
    const cause = { retryAfterMs: 700 };
    expect(retryAfterMsOf(new Error('wrapped', { cause }), now)).toBe(700);
  });

  it('returns undefined without a hint', () => {
    expect(retryAfterMsOf(new Error('plain'), now)).toBeUndefined();
    expect(retryAfterMsOf({ retryAfterMs: -1 }, now)).toBeUndefined();
    expect(retryAfterMsOf('text', now)).toBeUndefined();
  });
});
