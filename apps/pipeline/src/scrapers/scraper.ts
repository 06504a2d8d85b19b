import { isCalendarDate, PipewellOptionsError } from '@pipewell/core';
import type { ObjectStore } from '../objects/port.js';
import type { SourceHttp } from './http.js';

/** What every scraper is given: the day it scrapes. */
export interface ScrapeInput {
  /** US Eastern `YYYY-MM-DD`. */
  readonly dataDate: string;
}

/** The ports a scraper works over. */
export interface ScraperPorts {
  readonly http: SourceHttp;
  readonly objects: ObjectStore;
  readonly signal?: AbortSignal;
}

/** What a scraper did: `no_data` when the payloads parsed into no rows. */
export interface ScrapeResult {
  readonly status: 'success' | 'no_data';
  /** Object paths of the raw payloads written, in request order. */
  readonly payloadPaths: string[];
  /** Rows the payloads parsed into. */
  readonly rows: number;
  /** Canonical game keys expected but absent from the provider (box scores only; else empty). */
  readonly missingGames: string[];
}

/** A named scraper, as {@link runScraper} runs it. */
export interface Scraper<I extends ScrapeInput> {
  /** Its name in the execution log and the completion message, such as `'balldontlie-stats'`. */
  readonly name: string;
  scrape(input: I, ports: ScraperPorts): Promise<ScrapeResult>;
}

/** A raw payload fetched and parsed, waiting to be written. */
export interface FetchedPayload {
  /** The object path: `raw/<source>/<endpoint>/<dataDate>/<name>.json`. */
  readonly path: string;
  readonly text: string;
}

/** The object path of a raw payload. */
export function rawPath(source: string, endpoint: string, dataDate: string, name: string): string {
  return `raw/${source}/${endpoint}/${dataDate}/${name}.json`;
}

/**
 * Write every payload, unchanged, once all of them were fetched and parsed (so a failed scrape
 * writes nothing), and build the result. The writes run side by side: each put is atomic on its
 * own path, and the paths of one scrape differ.
 */
export async function writePayloads(
  objects: ObjectStore,
  payloads: readonly FetchedPayload[],
  rows: number,
  missingGames: string[] = [],
): Promise<ScrapeResult> {
  await Promise.all(
    payloads.map((payload) =>
      objects.put(payload.path, payload.text, { contentType: 'application/json' }),
    ),
  );
  return {
    status: rows > 0 ? 'success' : 'no_data',
    payloadPaths: payloads.map((payload) => payload.path),
    rows,
    missingGames,
  };
}

/** A scraper's input is wrong: a date that is not on the calendar, a key that is not a game key. */
export class ScraperInputError extends PipewellOptionsError {
  static override readonly marker: string = '@pipewell/pipeline.ScraperInputError';
  override readonly name: string = 'ScraperInputError';
  /** Always true: the same input fails every time. */
  readonly permanent = true as const;
}

/** Check `dataDate` is a calendar date before it goes into a path or a query. */
export function checkDataDate(dataDate: string): void {
  if (!isCalendarDate(dataDate)) {
    throw new ScraperInputError(
      'dataDate',
      `dataDate must be a calendar date as YYYY-MM-DD (got ${JSON.stringify(dataDate)})`,
    );
  }
}
