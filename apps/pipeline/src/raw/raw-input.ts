import { PipewellError } from '@pipewell/core';
import type { ScraperCompletion } from '../messages/scraper-completion.js';
import type { ProcessorContext, ProcessorInput } from '../runtime/index.js';
import { SourceParseError } from '../sources/errors.js';

/** What a phase 2 processor is given: the scraper run whose payloads it loads. */
export interface RawInput extends ProcessorInput {
  /** The scraper that wrote the payloads, such as `'balldontlie-stats'`. */
  readonly scraper: string;
  /** Object paths of the raw payloads, as the scraper's completion message lists them. */
  readonly payloadPaths: readonly string[];
}

/** The {@link RawInput} of a scraper's completion message. */
export function rawInputFromCompletion(message: ScraperCompletion): RawInput {
  return {
    dataDate: message.dataDate,
    scraper: message.scraper,
    payloadPaths: message.payloadPaths,
  };
}

/** A raw processor was given a message it cannot load: another scraper's, or no path list. */
export class RawInputError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.RawInputError';
  override readonly name: string = 'RawInputError';
  /** Always true: the same message fails every time. */
  readonly permanent = true as const;
}

/**
 * A payload named in the message is not in the object store. Not permanent: a store that lists
 * late may have it on the next delivery; the queue dead-letters it after its attempts.
 */
export class RawPayloadMissingError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.RawPayloadMissingError';
  override readonly name: string = 'RawPayloadMissingError';
  readonly path: string;

  /** Create the error for `path`. */
  constructor(path: string) {
    super(`raw payload ${path} is not in the object store`);
    this.path = path;
  }
}

/** Check `input` comes from `scraper` and lists its payloads. */
export function checkRawInput(processor: string, scraper: string, input: RawInput): void {
  if (input.scraper !== scraper) {
    throw new RawInputError(
      `processor ${processor} loads payloads of scraper ${scraper}, not ${JSON.stringify(input.scraper)}`,
    );
  }
  if (!Array.isArray(input.payloadPaths) || input.payloadPaths.some((p) => typeof p !== 'string')) {
    throw new RawInputError(
      `processor ${processor}: payloadPaths must be an array of object paths`,
    );
  }
}

/**
 * Read and JSON-parse each payload, in order. A body that is not JSON is a permanent
 * {@link SourceParseError} (`source`, the path as endpoint); a missing one a
 * {@link RawPayloadMissingError}.
 */
export async function readPayloads(
  ctx: Pick<ProcessorContext, 'objects'>,
  source: string,
  paths: readonly string[],
): Promise<{ path: string; json: unknown }[]> {
  const texts = await readPayloadTexts(ctx, paths);
  return texts.map(({ path, text }) => ({ path, json: parsePayloadJson(source, path, text) }));
}

/** Read each payload's text, in order; a missing one is a {@link RawPayloadMissingError}. */
export async function readPayloadTexts(
  ctx: Pick<ProcessorContext, 'objects'>,
  paths: readonly string[],
): Promise<{ path: string; text: string }[]> {
  const texts = await Promise.all(paths.map((path) => ctx.objects.getText(path)));
  return paths.map((path, index) => {
    const text = texts[index];
    if (text === undefined) throw new RawPayloadMissingError(path);
    return { path, text };
  });
}

/** `text` parsed as JSON; else a permanent {@link SourceParseError} naming `source` and `path`. */
export function parsePayloadJson(source: string, path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = `malformed JSON: ${(error as Error).message}`;
    throw new SourceParseError(source, path, [{ path: '', message }], { cause: error });
  }
}

/** `ctx.clock`'s time as an ISO string: the `processed_at` of every row of the run. */
export function processedAt(ctx: Pick<ProcessorContext, 'clock'>): string {
  return new Date(ctx.clock.now()).toISOString();
}

/**
 * Rows with one natural key kept once (the merge refuses a key twice in one call): the last one
 * when `keep` is `'last'` (a later payload supersedes), else the first. Returns the rows and how
 * many were dropped.
 */
export function uniqueBy<R>(
  rows: readonly R[],
  keyOf: (row: R) => string,
  keep: 'first' | 'last',
): { rows: R[]; dropped: number } {
  const byKey = new Map<string, R>();
  for (const row of rows) {
    const key = keyOf(row);
    if (keep === 'first' && byKey.has(key)) continue;
    byKey.set(key, row);
  }
  return { rows: [...byKey.values()], dropped: rows.length - byKey.size };
}
