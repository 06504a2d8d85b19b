import { describe, expect, it } from 'vitest';
import { previousDay } from './dates.js';

describe('previousDay', () => {
  it('steps back over month, year and leap-day boundaries', () => {
    expect(previousDay('2026-01-25')).toBe('2026-01-24');
    expect(previousDay('2026-03-01')).toBe('2026-02-28');
    expect(previousDay('2024-03-01')).toBe('2024-02-29');
    expect(previousDay('2026-01-01')).toBe('2025-12-31');
  });

  it('refuses what is not a calendar date, naming it', () => {
    expect(() => previousDay('2026-02-30')).toThrow(
      'previousDay: option "date" must be a calendar date as YYYY-MM-DD (got "2026-02-30": 2026-02 has no day 30)',
    );
  });
});
