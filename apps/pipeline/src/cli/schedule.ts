import { type Env, readEnv } from '@pipewell/core';
import { generateLeague } from '../league/index.js';
import { parseNbaSchedule } from '../sources/nbacom-schedule.js';
import { ProviderUnreachableError } from './errors.js';

/** The regular season's games by date, as the CLI checks dates against it before a run. */
export interface LeagueSchedule {
  /** `2025-26`. */
  readonly season: string;
  /** Where the schedule came from, for messages: `the league of seed 42`, or a URL. */
  readonly source: string;
  /** Every date with games, in order. */
  readonly gameDates: readonly string[];
  /** How many games are on `date` (0 on a day without games). */
  gameCount(date: string): number;
}

/** Options of {@link loadSchedule}. */
export interface LoadScheduleOptions {
  /** Seed of the built-in provider's league. */
  readonly seed: number | string;
  /** `NBA_CDN_BASE_URL`, when set, points the schedule (and the scrapers) at another provider. */
  readonly env: Env;
  readonly signal?: AbortSignal;
}

/** The path of NBA.com's season schedule under its base URL. */
export const schedulePath = '/static/json/staticData/scheduleLeagueV2.json';

function scheduleOf(season: string, source: string, dates: readonly string[]): LeagueSchedule {
  const counts = new Map<string, number>();
  for (const date of dates) counts.set(date, (counts.get(date) ?? 0) + 1);
  return {
    season,
    source,
    gameDates: [...counts.keys()].sort(),
    gameCount: (date) => counts.get(date) ?? 0,
  };
}

/**
 * The season schedule the pipeline will scrape: from the provider `NBA_CDN_BASE_URL` names when
 * it is set (so an unreachable provider is found before anything is written), else from the
 * built-in provider's league of `seed`, generated in process.
 *
 * @throws ProviderUnreachableError when `NBA_CDN_BASE_URL` is set and its schedule cannot be fetched
 */
export async function loadSchedule(options: LoadScheduleOptions): Promise<LeagueSchedule> {
  const base = readEnv(options.env).NBA_CDN_BASE_URL?.trim();
  if (base === undefined || base === '') {
    const league = generateLeague({ seed: options.seed });
    return scheduleOf(
      league.season,
      `the league of seed ${String(options.seed)}`,
      league.games.map((game) => game.date),
    );
  }
  const url = `${base.replace(/\/+$/, '')}${schedulePath}`;
  let json: unknown;
  try {
    const response = await fetch(
      url,
      options.signal === undefined ? {} : { signal: options.signal },
    );
    if (!response.ok) {
      throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    json = await response.json();
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const cause = error as Error & { cause?: { code?: string; message?: string } };
    const why = cause.cause?.code ?? cause.cause?.message ?? cause.message;
    throw new ProviderUnreachableError(
      url,
      `provider unreachable: cannot fetch the schedule from ${url} (NBA_CDN_BASE_URL): ${why}`,
      { cause: error },
    );
  }
  const rows = parseNbaSchedule(json).rows.filter((row) => row.is_regular_season);
  return scheduleOf(
    rows[0]?.season ?? 'unknown',
    url,
    rows.map((row) => row.game_date),
  );
}
