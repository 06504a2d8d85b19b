import { describe, expect, it } from 'vitest';
import {
  SCRAPER_COMPLETE_TOPIC,
  type ScraperCompletion,
  scraperCompletionSchema,
} from '../messages/scraper-completion.js';

// Beside the scrapers (its publisher): src/messages/ holds only the schema file from this work.
const valid: ScraperCompletion = {
  scraper: 'balldontlie-box-scores',
  dataDate: '2026-01-24',
  runId: 'run-1',
  status: 'success',
  payloadPaths: ['raw/balldontlie/stats/2026-01-24/page-1.json'],
  rows: 240,
  correlationId: 'corr-1',
  missingGames: ['20260124_BOS_CHI'],
};

describe('scraperCompletionSchema', () => {
  it('is published on the scraper-complete topic', () => {
    expect(SCRAPER_COMPLETE_TOPIC).toBe('scraper-complete');
  });

  it('accepts a complete message, and one without missingGames', () => {
    expect(scraperCompletionSchema.parse(valid)).toEqual(valid);
    const { missingGames: _, ...rest } = valid;
    expect(scraperCompletionSchema.safeParse(rest).success).toBe(true);
  });

  it.each([
    ['a date that is not on the calendar', { dataDate: '2026-02-30' }, 'dataDate'],
    ['a date in another format', { dataDate: '01/24/2026' }, 'dataDate'],
    ['an unknown status', { status: 'partial' }, 'status'],
    ['a negative row count', { rows: -1 }, 'rows'],
    ['a fractional row count', { rows: 1.5 }, 'rows'],
    ['an empty runId', { runId: '' }, 'runId'],
    ['an empty correlationId', { correlationId: '' }, 'correlationId'],
    ['a missing game that is not a game key', { missingGames: ['0022500647'] }, 'missingGames'],
    ['payloadPaths that are not strings', { payloadPaths: [1] }, 'payloadPaths'],
  ])('refuses %s', (_, change, field) => {
    const result = scraperCompletionSchema.safeParse({ ...valid, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });

  it('refuses a message without a required field', () => {
    const { correlationId: _, ...rest } = valid;
    expect(scraperCompletionSchema.safeParse(rest).success).toBe(false);
  });
});
