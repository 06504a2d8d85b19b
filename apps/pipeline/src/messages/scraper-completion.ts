import { isCalendarDate } from '@pipewell/core';
import { z } from 'zod';
import { isGameKey } from '../sources/game-ids.js';

/** The topic a scraper run's completion is published on. */
export const SCRAPER_COMPLETE_TOPIC = 'scraper-complete';

/**
 * The message published when a scraper run ends: which scraper, for which day, how it went, and
 * where its raw payloads are. `missingGames` lists canonical game keys the schedule expected but
 * the provider did not return, for the caller to queue again.
 */
export const scraperCompletionSchema = z.object({
  scraper: z.string().min(1).describe('The scraper, such as "balldontlie-box-scores".'),
  dataDate: z
    .string()
    .refine(isCalendarDate, { message: 'must be a calendar date as YYYY-MM-DD' })
    .describe('The day scraped, US Eastern.'),
  runId: z.string().min(1).describe('This run, unique per attempt.'),
  status: z.enum(['success', 'no_data', 'failed']),
  payloadPaths: z.array(z.string().min(1)).describe('Object paths of the raw payloads written.'),
  rows: z.number().int().nonnegative().describe('Rows the payloads parsed into.'),
  correlationId: z.string().min(1).describe('Carried through every phase of one pipeline run.'),
  missingGames: z
    .array(z.string().refine(isGameKey, { message: 'must be a game key as 20260124_BOS_CHI' }))
    .optional()
    .describe('Game keys expected but absent from the provider.'),
});

/** A scraper-completion message, as {@link scraperCompletionSchema} parses it. */
export type ScraperCompletion = z.infer<typeof scraperCompletionSchema>;
