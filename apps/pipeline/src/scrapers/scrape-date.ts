import { type Clock, type Logger, PipewellError, silentLogger, systemClock } from '@pipewell/core';
import { isPermanentError } from '@pipewell/retry';
import type { ScraperCompletion } from '../messages/scraper-completion.js';
import type { Tricode } from '../sources/game-ids.js';
import type { NbaScheduleRow } from '../sources/nbacom-schedule.js';
import { parseOddsEvents } from '../sources/odds-api.js';
import type { StateStore } from '../state/port.js';
import { type BoxScoresInput, boxScoresScraper, scrapeBoxScores } from './box-scores.js';
import { oddsEventsScraper } from './odds-events.js';
import { type PlayerPropsInput, playerPropsScraper } from './player-props.js';
import { rostersScraper } from './rosters.js';
import { type RunScraperDeps, runScraper } from './run-scraper.js';
import { scheduleScraper, scrapeScheduleRows } from './schedule.js';
import { checkDataDate, type ScrapeInput, type Scraper } from './scraper.js';

/** The scrapers phase 1 runs for a pipeline date, in the order {@link scrapeDate} returns them. */
export const phase1Scrapers: readonly string[] = Object.freeze([
  scheduleScraper.name,
  rostersScraper.name,
  boxScoresScraper.name,
  oddsEventsScraper.name,
  playerPropsScraper.name,
]);

/** The state-store collection of box-score games to scrape again, one document per game key. */
export const missingGamesCollection = 'missing-games';

/** A game the schedule expected that the box-score provider did not return, waiting for a retry. */
export interface MissingGame {
  readonly gameKey: string;
  /** The pipeline date whose phase 1 expected it (the game was played the day before). */
  readonly dataDate: string;
  /** The game's own date: the day before `dataDate`. */
  readonly gameDate: string;
  /** How many runs found it missing. */
  readonly attempts: number;
  /** When the auto-retry monitor should try again: ISO time, by the clock. */
  readonly nextAttemptAt: string;
  /** ISO time of the last run that found it missing. */
  readonly lastSeenMissingAt: string;
  /** `resolved` once a later run of the same date found the game. */
  readonly status: 'pending' | 'resolved';
  /** ISO time; set with `status: 'resolved'`. */
  readonly resolvedAt?: string;
}

/** What {@link scrapeDate} needs. */
export interface ScrapeDateDeps extends Omit<RunScraperDeps, 'runId'> {
  /** Where missing games are queued for a retry ({@link missingGamesCollection}). */
  readonly state: StateStore;
  /** The wait before the first retry of a missing game; doubled per attempt. @default 1_800_000 (30 min) */
  readonly missingGameBaseDelayMs?: number;
  /** The longest wait between two retries of a missing game. @default 21_600_000 (6 h) */
  readonly missingGameMaxDelayMs?: number;
}

/**
 * A scraper that did not run because one it needs failed: it is still recorded and published as
 * `failed`, so phase 1's record hears from every scraper. `cause` is the upstream error, so its
 * transient or permanent nature carries over (`isPermanentError` follows `cause`).
 */
export class UpstreamScraperError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.UpstreamScraperError';
  override readonly name: string = 'UpstreamScraperError';
  /** The scraper that failed. */
  readonly upstream: string;

  /** Create the error of a scraper that needed `upstream`, which failed with `cause`. */
  constructor(upstream: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`not run: scraper ${upstream} failed first: ${reason}`, { cause });
    this.upstream = upstream;
  }
}

/**
 * Phase 1 of a date failed in one or more scrapers (the others ran). `permanent` when every root
 * failure is permanent (the queue dead-letters the message); otherwise `cause` is the first
 * failure that is not, and the queue redelivers the message (re-running the date is idempotent).
 */
export class ScrapeDateError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.ScrapeDateError';
  override readonly name: string = 'ScrapeDateError';
  readonly dataDate: string;
  /** Every scraper that failed or could not run, in {@link phase1Scrapers} order. */
  readonly failedScrapers: readonly string[];
  /** The root errors (those of scrapers that ran and failed), by scraper. */
  readonly errors: readonly { readonly scraper: string; readonly error: unknown }[];
  /** True when retrying cannot help: every root error is permanent. */
  readonly permanent: boolean;

  /** Create the error of `dataDate` from its `failures` (upstream-blocked ones included). */
  constructor(dataDate: string, failures: readonly { scraper: string; error: unknown }[]) {
    const roots = failures.filter((f) => !UpstreamScraperError.isInstance(f.error));
    const permanent = roots.every((f) => isPermanentError(f.error));
    const cause = (permanent ? roots[0] : roots.find((f) => !isPermanentError(f.error)))?.error;
    const names = failures.map((f) => f.scraper);
    const first = roots[0]?.error;
    const detail = first instanceof Error ? `${first.name}: ${first.message}` : String(first);
    super(
      `phase 1 of ${dataDate}: ${names.length} scraper(s) failed (${names.join(', ')}): ${detail}`,
      { cause },
    );
    this.dataDate = dataDate;
    this.failedScrapers = names;
    this.errors = roots;
    this.permanent = permanent;
  }
}

const DAY_MS = 86_400_000;

/** The calendar day before `date` (`YYYY-MM-DD`), by UTC arithmetic: no time zone involved. */
export function previousDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}

/**
 * `scheduleScraper`, keeping the parsed rows in `found` so the date's games are not parsed twice
 * (a season schedule takes ~12 ms to parse).
 */
function capturingSchedule(found: { rows?: readonly NbaScheduleRow[] }): Scraper<ScrapeInput> {
  return {
    name: scheduleScraper.name,
    async scrape(input, ports) {
      const { result, rows } = await scrapeScheduleRows(input, ports);
      found.rows = rows;
      return result;
    },
  };
}

/**
 * The teams with a game on `date` in the schedule `rows`, home and away, each once: the rosters
 * phase 3 reads for the date's upcoming games (`upcoming_player_game_context` joins the rosters
 * of the teams playing only).
 */
export function teamsPlayingOn(date: string, rows: readonly NbaScheduleRow[]): Tricode[] {
  const teams = new Set<Tricode>();
  for (const row of rows) {
    if (row.game_date !== date) continue;
    teams.add(row.home_team);
    teams.add(row.away_team);
  }
  return [...teams];
}

/**
 * `balldontlie-stats` for pipeline date D: its input's `dataDate` is D (in the run log and the
 * completion message), it scrapes the games of D-1 (yesterday's finals), and its payloads are
 * under `raw/balldontlie/stats/<D-1>/`, the date of the games they hold.
 */
export const previousDayBoxScoresScraper: Scraper<BoxScoresInput> = {
  name: boxScoresScraper.name,
  scrape: (input, ports) => {
    checkDataDate(input.dataDate);
    return scrapeBoxScores(
      {
        dataDate: previousDate(input.dataDate),
        expectedGames: input.expectedGames,
        ...(input.perPage === undefined ? {} : { perPage: input.perPage }),
      },
      ports,
    );
  },
};

function blocked<I extends ScrapeInput>(
  name: string,
  upstream: string,
  cause: unknown,
): Scraper<I> {
  return {
    name,
    scrape: () => Promise.reject(new UpstreamScraperError(upstream, cause)),
  };
}

/**
 * Queue each missing game for the auto-retry monitor (attempts counted, `nextAttemptAt` backed
 * off exponentially), and mark resolved the pending ones of this date that are now present.
 */
async function recordMissingGames(
  dataDate: string,
  expected: readonly string[],
  missing: readonly string[],
  deps: ScrapeDateDeps,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  const now = clock.now();
  const nowIso = new Date(now).toISOString();
  const base = deps.missingGameBaseDelayMs ?? 30 * 60_000;
  const max = deps.missingGameMaxDelayMs ?? 6 * 3_600_000;
  const gameDate = previousDate(dataDate);
  for (const gameKey of missing) {
    await deps.state.update<MissingGame>(missingGamesCollection, gameKey, (current) => {
      const attempts = (current?.attempts ?? 0) + 1;
      const delay = Math.min(base * 2 ** (attempts - 1), max);
      return {
        gameKey,
        dataDate,
        gameDate,
        attempts,
        nextAttemptAt: new Date(now + delay).toISOString(),
        lastSeenMissingAt: nowIso,
        status: 'pending',
      };
    });
  }
  if (missing.length > 0) {
    logger.warn(
      { dataDate, gameDate, missingGames: missing },
      `${missing.length} game(s) of ${gameDate} missing from box scores: queued for retry`,
    );
  }
  const missingSet = new Set(missing);
  const expectedSet = new Set(expected);
  const pending = await deps.state.list<MissingGame>(missingGamesCollection, {
    where: { dataDate, status: 'pending' },
  });
  for (const { id } of pending) {
    if (missingSet.has(id) || !expectedSet.has(id)) continue;
    await deps.state.update<MissingGame>(missingGamesCollection, id, (current) =>
      current === undefined || current.status !== 'pending'
        ? undefined
        : { ...current, status: 'resolved', resolvedAt: nowIso },
    );
  }
}

/** The Odds API event ids of `dataDate`'s games, from the events scraper's payload. */
async function eventIdsOf(dataDate: string, message: ScraperCompletion, deps: ScrapeDateDeps) {
  const ids: string[] = [];
  for (const path of message.payloadPaths) {
    const text = await deps.objects.getText(path);
    if (text === undefined)
      throw new Error(`odds events payload ${path} is not in the object store`);
    for (const event of parseOddsEvents(JSON.parse(text))) {
      if (event.game_date === dataDate) ids.push(event.event_id);
    }
  }
  return ids;
}

/**
 * Run phase 1 for pipeline date `dataDate` (D): every scraper through {@link runScraper}, so each
 * one is recorded and publishes its completion on `scraper-complete`.
 *
 * - `nbacom-schedule` (the season), then `balldontlie-stats` for the games the schedule has on
 *   D-1 (its message says D; payloads under `raw/balldontlie/stats/<D-1>/`). Games expected but
 *   absent are queued in {@link missingGamesCollection} for the auto-retry monitor.
 * - `espn-rosters` as of D, once the schedule is in: only the teams playing on D
 *   ({@link teamsPlayingOn}; none on a day without games), or all 30 when the schedule failed.
 * - `odds-api-events` for D, then `odds-api-player-props` for the events on D.
 *
 * The two chains (schedule, then box scores and rosters; events, then props) run side by side. A failed scraper does not stop the others; one that needs it
 * is published `failed` with an {@link UpstreamScraperError}. When any failed, rejects with a
 * {@link ScrapeDateError} (permanent only when every root failure is) once all have finished.
 *
 * @returns the completions, in {@link phase1Scrapers} order
 * @example
 * ```ts
 * const completions = await scrapeDate('2026-01-25', { http, objects, queue, state, recordScraperRun, correlationId, clock });
 * ```
 */
export async function scrapeDate(
  dataDate: string,
  deps: ScrapeDateDeps,
): Promise<ScraperCompletion[]> {
  checkDataDate(dataDate);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const completions = new Map<string, ScraperCompletion>();
  const failures: { scraper: string; error: unknown }[] = [];
  const run = async <I extends ScrapeInput>(
    scraper: Scraper<I>,
    input: I,
  ): Promise<{ message: ScraperCompletion } | { error: unknown }> => {
    try {
      const message = await runScraper(scraper, input, deps);
      completions.set(scraper.name, message);
      return { message };
    } catch (error) {
      failures.push({ scraper: scraper.name, error });
      return { error };
    }
  };

  const scheduleThenBoxScoresAndRosters = async () => {
    const found: { rows?: readonly NbaScheduleRow[] } = {};
    const schedule = await run(capturingSchedule(found), { dataDate });
    if ('error' in schedule || found.rows === undefined) {
      const cause = 'error' in schedule ? schedule.error : new Error('no schedule rows');
      await Promise.all([
        run(blocked<BoxScoresInput>(boxScoresScraper.name, scheduleScraper.name, cause), {
          dataDate,
          expectedGames: [],
        }),
        // Without a schedule the teams playing are unknown: every roster, as before.
        run(rostersScraper, { dataDate }),
      ]);
      return;
    }
    const rows = found.rows;
    await Promise.all([
      boxScoresOf(rows),
      run(rostersScraper, { dataDate, teams: teamsPlayingOn(dataDate, rows) }),
    ]);
  };

  const boxScoresOf = async (rows: readonly NbaScheduleRow[]) => {
    const gameDate = previousDate(dataDate);
    const expectedGames = rows.filter((r) => r.game_date === gameDate).map((r) => r.game_key);
    const boxScores = await run(previousDayBoxScoresScraper, { dataDate, expectedGames });
    if ('error' in boxScores) return;
    try {
      await recordMissingGames(
        dataDate,
        expectedGames,
        boxScores.message.missingGames ?? [],
        deps,
        clock,
        logger,
      );
    } catch (error) {
      failures.push({ scraper: missingGamesCollection, error });
    }
  };

  const eventsThenProps = async () => {
    const events = await run(oddsEventsScraper, { dataDate });
    let eventIds: string[] | undefined;
    let cause: unknown;
    if ('error' in events) cause = events.error;
    else {
      try {
        eventIds = await eventIdsOf(dataDate, events.message, deps);
      } catch (error) {
        // The scraper parsed this payload a moment ago: losing it now is a root failure of its own.
        failures.push({ scraper: oddsEventsScraper.name, error });
        cause = error;
      }
    }
    if (eventIds === undefined) {
      await run(blocked<PlayerPropsInput>(playerPropsScraper.name, oddsEventsScraper.name, cause), {
        dataDate,
        eventIds: [],
      });
      return;
    }
    await run(playerPropsScraper, { dataDate, eventIds });
  };

  await Promise.all([scheduleThenBoxScoresAndRosters(), eventsThenProps()]);

  if (failures.length > 0) {
    const order = (name: string) => {
      const index = phase1Scrapers.indexOf(name);
      return index === -1 ? phase1Scrapers.length : index;
    };
    failures.sort((a, b) => order(a.scraper) - order(b.scraper));
    throw new ScrapeDateError(dataDate, failures);
  }
  return phase1Scrapers.flatMap((name) => {
    const message = completions.get(name);
    return message === undefined ? [] : [message];
  });
}
