import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type Clock, isCalendarDate, systemClock } from '@pipewell/core';
import { type Context, Hono } from 'hono';
import type { Game } from '../league/game.js';
import { generateLeague, type League } from '../league/generate.js';
import {
  BDL_DEFAULT_PER_PAGE,
  BDL_MAX_PER_PAGE,
  bdlBoxScore,
  bdlGame,
  bdlStatsRows,
  gameSequenceOfStatsRow,
  statsRowId,
} from './balldontlie.js';
import { espnRoster, espnTeam } from './espn.js';
import {
  createFaultBoard,
  type FaultSettings,
  type ProviderFaults,
  ProviderOptionsError,
  type RouteGroup,
} from './faults.js';
import { scheduleLeagueV2 } from './nba-cdn.js';
import { eventOdds, oddsEvent, SPORT_KEY } from './odds-api.js';
import { isFinal, isUpcoming } from './visibility.js';

/** The routes the provider serves, as counted in {@link ProviderRequests}. */
export type RouteName =
  | 'nbaCdn.schedule'
  | 'balldontlie.games'
  | 'balldontlie.stats'
  | 'balldontlie.boxScores'
  | 'espn.roster'
  | 'oddsApi.events'
  | 'oddsApi.eventOdds';

const ROUTE_NAMES: readonly RouteName[] = [
  'nbaCdn.schedule',
  'balldontlie.games',
  'balldontlie.stats',
  'balldontlie.boxScores',
  'espn.roster',
  'oddsApi.events',
  'oddsApi.eventOdds',
];

/** Options for {@link startProvider}. */
export interface StartProviderOptions {
  /** The league to serve. @default generateLeague({ seed }) */
  readonly league?: League;
  /** Seed of the league generated when `league` is not given. @default 42 */
  readonly seed?: number | string;
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /**
   * The provider's "today", a US Eastern `YYYY-MM-DD`: games before it are final (box scores and
   * stats served), games on or after it are upcoming (events and props served). Unset serves
   * everything as both. Change it later with {@link ProviderHandle.setToday}.
   */
  readonly today?: string;
  /** When set, `/v1/*` needs the header `Authorization: <key>`. */
  readonly balldontlieKey?: string;
  /** When set, The Odds API routes need `?apiKey=<key>`. */
  readonly oddsApiKey?: string;
  /** The Odds API quota reported in `x-requests-remaining`. @default 20000 */
  readonly oddsApiQuota?: number;
  /** Faults in force from the start, per route group. */
  readonly faults?: Partial<Record<RouteGroup, FaultSettings>>;
  /** Where `delayMs` waits; tests pass a virtual clock. @default systemClock */
  readonly clock?: Clock;
}

/** Base URLs of each API on the provider; append the real API's path. */
export interface ProviderUrls {
  /** Stands for `https://cdn.nba.com`. */
  readonly nbaCdn: string;
  /** Stands for `https://api.balldontlie.io`. */
  readonly balldontlie: string;
  /** Stands for `https://site.api.espn.com`. */
  readonly espn: string;
  /** Stands for `https://api.the-odds-api.com`. */
  readonly oddsApi: string;
}

/** Requests the provider received, per route, faulted ones included. */
export interface ProviderRequests {
  /** Requests to `route`, or to every route when none is given. */
  count(route?: RouteName): number;
  /** Forget the counts. */
  reset(): void;
}

/** A running provider. */
export interface ProviderHandle {
  readonly urls: ProviderUrls;
  readonly faults: ProviderFaults;
  readonly requests: ProviderRequests;
  readonly league: League;
  /** The provider's "today", or undefined when it serves everything. */
  readonly today: string | undefined;
  /** Move "today" (a US Eastern `YYYY-MM-DD`), or unset it with undefined. */
  setToday(date: string | undefined): void;
  /** Stop listening and end every open connection; a delayed response in flight is dropped. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Reply {
  readonly status?: number;
  /** A value to serialise, or JSON text already made. */
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

const json = (body: unknown, status = 200, headers?: Record<string, string>): Reply =>
  headers === undefined ? { status, body } : { status, body, headers };

class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('bad request');
  }
}

function checkToday(today: string | undefined): string | undefined {
  if (today !== undefined && !isCalendarDate(today)) {
    throw new ProviderOptionsError(
      'today',
      `option "today" must be a calendar date as YYYY-MM-DD (got ${JSON.stringify(today)})`,
    );
  }
  return today;
}

function bdlError(message: string): BadRequest {
  return new BadRequest(400, { error: message });
}

function dateList(c: Context, name: string): Set<string> | undefined {
  const values = c.req.queries(name);
  if (values === undefined || values.length === 0) return undefined;
  for (const value of values) {
    if (!isCalendarDate(value))
      throw bdlError(`${name} must hold YYYY-MM-DD dates (got "${value}")`);
  }
  return new Set(values);
}

function numberList(c: Context, name: string): Set<number> | undefined {
  const values = c.req.queries(name);
  if (values === undefined || values.length === 0) return undefined;
  return new Set(
    values.map((value) => {
      const n = Number(value);
      if (!Number.isInteger(n)) throw bdlError(`${name} must hold whole numbers (got "${value}")`);
      return n;
    }),
  );
}

function singleDate(c: Context, name: string): string | undefined {
  const value = c.req.query(name);
  if (value !== undefined && !isCalendarDate(value)) {
    throw bdlError(`${name} must be a YYYY-MM-DD date (got "${value}")`);
  }
  return value;
}

function paging(c: Context): { perPage: number; cursor: number } {
  const perPageText = c.req.query('per_page');
  const cursorText = c.req.query('cursor');
  const perPage = perPageText === undefined ? BDL_DEFAULT_PER_PAGE : Number(perPageText);
  const cursor = cursorText === undefined ? 0 : Number(cursorText);
  if (!Number.isInteger(perPage) || perPage < 1)
    throw bdlError(`per_page must be a whole number >= 1 (got "${perPageText}")`);
  if (!Number.isInteger(cursor) || cursor < 0)
    throw bdlError(`cursor must be a whole number >= 0 (got "${cursorText}")`);
  return { perPage: Math.min(perPage, BDL_MAX_PER_PAGE), cursor };
}

/** A page of rows in id order after `cursor`; `next_cursor` only when more rows follow. */
function page(rows: Iterable<{ id: number; row: unknown }>, perPage: number): Reply {
  const data: unknown[] = [];
  let lastId = 0;
  let more = false;
  for (const { id, row } of rows) {
    if (data.length === perPage) {
      more = true;
      break;
    }
    data.push(row);
    lastId = id;
  }
  return json({
    data,
    meta: more ? { next_cursor: lastId, per_page: perPage } : { per_page: perPage },
  });
}

const ODDS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function oddsTime(c: Context, name: string): number | undefined {
  const value = c.req.query(name);
  if (value === undefined) return undefined;
  if (!ODDS_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw new BadRequest(422, {
      message: `Invalid ${name} parameter. The format must be YYYY-MM-DDTHH:MM:SSZ`,
      error_code: `INVALID_${name.replace(/[A-Z]/g, (ch) => `_${ch}`).toUpperCase()}`,
      details_url: 'https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html',
    });
  }
  return Date.parse(value);
}

const PREFIX: Record<RouteGroup, string> = {
  nbaCdn: '/nba-cdn',
  balldontlie: '/balldontlie',
  espn: '/espn',
  oddsApi: '/odds-api',
};

/**
 * Start the loopback provider: a generated league served on 127.0.0.1 over HTTP in the shapes
 * of NBA.com's CDN schedule, balldontlie v1, ESPN's team roster and The Odds API v4, with
 * auth, fault knobs per API and request counts for tests.
 *
 * @example
 * ```ts
 * await using provider = await startProvider({ seed: 42, today: '2026-01-25' });
 * const res = await fetch(`${provider.urls.balldontlie}/v1/box_scores?date=2026-01-24`);
 * ```
 */
export async function startProvider(options: StartProviderOptions = {}): Promise<ProviderHandle> {
  const league = options.league ?? generateLeague({ seed: options.seed ?? 42 });
  const clock = options.clock ?? systemClock;
  const quota = options.oddsApiQuota ?? 20_000;
  let today = checkToday(options.today);
  const faults = createFaultBoard(options.faults);
  const counts = new Map<RouteName, number>(ROUTE_NAMES.map((r) => [r, 0]));
  const closing = new AbortController();
  let oddsUsed = 0;
  let scheduleCache: { today: string | undefined; text: string } | undefined;

  const missing = () => new Set(faults.get('balldontlie').missingGames);
  const finalGames = (filter: (game: Game) => boolean) => {
    const skip = missing();
    return league.games.filter((g) => isFinal(g, today) && !skip.has(g.gameId) && filter(g));
  };

  const routes: Record<RouteName, (c: Context) => Reply> = {
    'nbaCdn.schedule': () => {
      if (scheduleCache?.today !== today || scheduleCache === undefined) {
        const full = scheduleLeagueV2(league, today, clock.now()) as { leagueSchedule: unknown };
        scheduleCache = { today, text: JSON.stringify(full.leagueSchedule) };
      }
      const meta = {
        version: 1,
        request: `http://nba.cloud/league/00/${league.season}/scheduleleaguev2?Format=json`,
        time: new Date(clock.now()).toISOString(),
      };
      return json(`{"meta":${JSON.stringify(meta)},"leagueSchedule":${scheduleCache.text}}`);
    },
    'balldontlie.games': (c) => {
      const dates = dateList(c, 'dates[]');
      const teamIds = numberList(c, 'team_ids[]');
      const seasons = numberList(c, 'seasons[]');
      const start = singleDate(c, 'start_date');
      const end = singleDate(c, 'end_date');
      const { perPage, cursor } = paging(c);
      const season = Number(league.season.slice(0, 4));
      const games = league.games.filter(
        (g) =>
          g.bdlId > cursor &&
          (dates === undefined || dates.has(g.date)) &&
          (seasons === undefined || seasons.has(season)) &&
          (start === undefined || g.date >= start) &&
          (end === undefined || g.date <= end) &&
          (teamIds === undefined ||
            teamIds.has(league.team(g.home).bdlId) ||
            teamIds.has(league.team(g.away).bdlId)),
      );
      return page(
        (function* () {
          for (const g of games) yield { id: g.bdlId, row: bdlGame(league, g, today) };
        })(),
        perPage,
      );
    },
    'balldontlie.stats': (c) => {
      const dates = dateList(c, 'dates[]');
      const gameIds = numberList(c, 'game_ids[]');
      const playerIds = numberList(c, 'player_ids[]');
      const start = singleDate(c, 'start_date');
      const end = singleDate(c, 'end_date');
      const { perPage, cursor } = paging(c);
      const fromSequence = gameSequenceOfStatsRow(cursor);
      const games = finalGames(
        (g) =>
          g.sequence >= fromSequence &&
          (dates === undefined || dates.has(g.date)) &&
          (gameIds === undefined || gameIds.has(g.bdlId)) &&
          (start === undefined || g.date >= start) &&
          (end === undefined || g.date <= end),
      );
      return page(
        (function* () {
          for (const g of games) {
            if (statsRowId(g, 39) <= cursor) continue;
            for (const r of bdlStatsRows(league, g)) {
              if (r.id <= cursor) continue;
              const playerId = (r.row.player as { id: number }).id;
              if (playerIds !== undefined && !playerIds.has(playerId)) continue;
              yield r;
            }
          }
        })(),
        perPage,
      );
    },
    'balldontlie.boxScores': (c) => {
      const date = singleDate(c, 'date');
      if (date === undefined) throw bdlError('date is required (YYYY-MM-DD)');
      return json({ data: finalGames((g) => g.date === date).map((g) => bdlBoxScore(league, g)) });
    },
    'espn.roster': (c) => {
      const team = espnTeam(league, c.req.param('team') ?? '');
      if (team === undefined) {
        return json({ code: 404, message: `No team found for "${c.req.param('team')}"` }, 404);
      }
      return json(espnRoster(league, team, today, clock.now()));
    },
    'oddsApi.events': (c) => {
      const from = oddsTime(c, 'commenceTimeFrom');
      const to = oddsTime(c, 'commenceTimeTo');
      const events = league.games
        .filter(
          (g) =>
            isUpcoming(g, today) &&
            (from === undefined || g.startMs >= from) &&
            (to === undefined || g.startMs <= to),
        )
        .map((g) => oddsEvent(league, g));
      return json(events, 200, oddsHeaders(0));
    },
    'oddsApi.eventOdds': (c) => {
      const eventId = c.req.param('eventId');
      const game = league.games.find((g) => g.oddsEventId === eventId);
      if (game === undefined || !isUpcoming(game, today)) {
        return json(
          {
            message: 'Event not found. The event may have expired or the event id is invalid.',
            error_code: 'EVENT_NOT_FOUND',
            details_url:
              'https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#event-not-found',
          },
          404,
        );
      }
      const list = (name: string) =>
        c.req
          .query(name)
          ?.split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
      const regions = list('regions');
      const bookmakers = list('bookmakers');
      if (regions === undefined && bookmakers === undefined) {
        throw new BadRequest(422, {
          message: 'Missing regions or bookmakers parameter',
          error_code: 'MISSING_REGION',
          details_url:
            'https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#missing-region',
        });
      }
      const markets = new Set(list('markets') ?? ['h2h']);
      const format = c.req.query('oddsFormat') ?? 'american';
      if (format !== 'american' && format !== 'decimal') {
        throw new BadRequest(422, {
          message: 'Invalid oddsFormat',
          error_code: 'INVALID_ODDS_FORMAT',
        });
      }
      const cost = markets.size * Math.max(1, regions?.length ?? 1);
      oddsUsed += cost;
      return json(
        eventOdds(league, game, {
          markets,
          bookmakers: bookmakers === undefined ? undefined : new Set(bookmakers),
          oddsFormat: format,
        }),
        200,
        oddsHeaders(cost),
      );
    },
  };

  function oddsHeaders(cost: number): Record<string, string> {
    return {
      'x-requests-remaining': String(Math.max(0, quota - oddsUsed)),
      'x-requests-used': String(oddsUsed),
      'x-requests-last': String(cost),
    };
  }

  function authProblem(group: RouteGroup, c: Context): Reply | undefined {
    if (group === 'balldontlie' && options.balldontlieKey !== undefined) {
      if (c.req.header('authorization') !== options.balldontlieKey) {
        return json({ error: 'Unauthorized' }, 401);
      }
    }
    if (group === 'oddsApi' && options.oddsApiKey !== undefined) {
      const key = c.req.query('apiKey');
      if (key !== options.oddsApiKey) {
        const missingKey = key === undefined || key === '';
        return json(
          {
            message: missingKey
              ? 'API key is missing. Add the apiKey query parameter.'
              : 'API key is not valid or is not authorized for this request.',
            error_code: missingKey ? 'MISSING_KEY' : 'INVALID_KEY',
            details_url: 'https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html',
          },
          401,
        );
      }
    }
    return undefined;
  }

  function respond(reply: Reply, cut: boolean): Response {
    let text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    if (cut) text = text.slice(0, Math.floor(text.length / 2));
    return new Response(text, {
      status: reply.status ?? 200,
      headers: { 'content-type': 'application/json; charset=utf-8', ...reply.headers },
    });
  }

  const handler = (group: RouteGroup, route: RouteName) => async (c: Context) => {
    counts.set(route, (counts.get(route) ?? 0) + 1);
    const { delayMs } = faults.get(group);
    if (delayMs > 0) {
      try {
        await clock.sleep(delayMs, closing.signal);
      } catch {
        return new Response(null, { status: 503 });
      }
    }
    const fault = faults.takeError(group);
    if (fault?.kind === 'rateLimit') {
      return new Response(JSON.stringify({ message: 'Too Many Requests' }), {
        status: 429,
        headers: {
          'content-type': 'application/json',
          'retry-after': String(fault.retryAfterSeconds),
        },
      });
    }
    if (fault?.kind === 'serverError') {
      return new Response(`<html><body><h1>${fault.status} Server Error</h1></body></html>`, {
        status: fault.status,
        headers: { 'content-type': 'text/html' },
      });
    }
    const denied = authProblem(group, c);
    if (denied !== undefined) return respond(denied, false);
    let reply: Reply;
    try {
      reply = routes[route](c);
    } catch (error) {
      if (error instanceof BadRequest) return respond(json(error.body, error.status), false);
      throw error;
    }
    const ok = (reply.status ?? 200) < 300;
    return respond(reply, ok && faults.takeMalformed(group));
  };

  const app = new Hono();
  const cdn = `${PREFIX.nbaCdn}/static/json/staticData`;
  app.get(`${cdn}/scheduleLeagueV2.json`, handler('nbaCdn', 'nbaCdn.schedule'));
  app.get(`${cdn}/scheduleLeagueV2_1.json`, handler('nbaCdn', 'nbaCdn.schedule'));
  app.get(`${PREFIX.balldontlie}/v1/games`, handler('balldontlie', 'balldontlie.games'));
  app.get(`${PREFIX.balldontlie}/v1/stats`, handler('balldontlie', 'balldontlie.stats'));
  app.get(`${PREFIX.balldontlie}/v1/box_scores`, handler('balldontlie', 'balldontlie.boxScores'));
  app.get(
    `${PREFIX.espn}/apis/site/v2/sports/basketball/nba/teams/:team/roster`,
    handler('espn', 'espn.roster'),
  );
  const sport = `${PREFIX.oddsApi}/v4/sports/${SPORT_KEY}`;
  app.get(`${sport}/events`, handler('oddsApi', 'oddsApi.events'));
  app.get(`${sport}/events/:eventId/odds`, handler('oddsApi', 'oddsApi.eventOdds'));
  app.notFound((c) => c.json({ message: `No route for ${c.req.method} ${c.req.path}` }, 404));

  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      closing.abort(new Error('provider closed'));
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };

  return {
    urls: {
      nbaCdn: origin + PREFIX.nbaCdn,
      balldontlie: origin + PREFIX.balldontlie,
      espn: origin + PREFIX.espn,
      oddsApi: origin + PREFIX.oddsApi,
    },
    faults: { set: faults.set, get: faults.get, clear: faults.clear },
    requests: {
      count: (route) =>
        route === undefined
          ? [...counts.values()].reduce((a, b) => a + b, 0)
          : (counts.get(route) ?? 0),
      reset: () => {
        for (const route of ROUTE_NAMES) counts.set(route, 0);
      },
    },
    league,
    get today() {
      return today;
    },
    setToday(date) {
      today = checkToday(date);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
