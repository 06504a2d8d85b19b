import { connect } from 'node:net';
import { catchError, createVirtualClock } from '@pipewell/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { generateLeague } from '../league/generate.js';
import { ProviderOptionsError } from './faults.js';
import { type ProviderHandle, startProvider } from './server.js';

const league = generateLeague({ seed: 7 });
const day = '2026-01-24';
const open: ProviderHandle[] = [];

async function start(options: Parameters<typeof startProvider>[0] = {}): Promise<ProviderHandle> {
  const provider = await startProvider({ league, today: '2026-01-25', ...options });
  open.push(provider);
  return provider;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

const paths = (p: ProviderHandle) => ({
  nbaCdn: `${p.urls.nbaCdn}/static/json/staticData/scheduleLeagueV2.json`,
  balldontlie: `${p.urls.balldontlie}/v1/box_scores?date=${day}`,
  espn: `${p.urls.espn}/apis/site/v2/sports/basketball/nba/teams/2/roster`,
  oddsApi: `${p.urls.oddsApi}/v4/sports/basketball_nba/events`,
});

/** Wait for real I/O: the request has reached the provider. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('rate limit fault', () => {
  it('answers 429 with Retry-After for the set number of responses, then recovers', async () => {
    const p = await start({
      faults: { balldontlie: { rateLimit: { count: 2, retryAfterSeconds: 7 } } },
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(paths(p).balldontlie);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      await res.body?.cancel();
    }
    const ok = await fetch(paths(p).balldontlie);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    expect(p.requests.count('balldontlie.boxScores')).toBe(3);
    expect(p.faults.get('balldontlie').rateLimit.count).toBe(0);
  });
});

describe('server error fault', () => {
  it('answers a burst of the configured 5xx, then recovers', async () => {
    const p = await start();
    p.faults.set('espn', { serverErrors: { count: 3, status: 502 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(paths(p).espn);
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toEqual([502, 502, 502, 200]);
  });

  it('defaults to 503 and puts 429s before 5xx when both are set', async () => {
    const p = await start({
      faults: { nbaCdn: { serverErrors: { count: 1 }, rateLimit: { count: 1 } } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(paths(p).nbaCdn);
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toEqual([429, 503, 200]);
  });
});

describe('malformed JSON fault', () => {
  it('sends a 200 whose body is cut off for the set number of responses, then valid JSON again', async () => {
    const p = await start({ faults: { oddsApi: { malformedJson: { count: 1 } } } });
    const bad = await fetch(paths(p).oddsApi);
    expect(bad.status).toBe(200);
    expect(bad.headers.get('content-type')).toContain('application/json');
    const text = await bad.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    const good = await fetch(paths(p).oddsApi);
    expect(Array.isArray(await good.json())).toBe(true);
  });
});

describe('slow response fault', () => {
  it('holds each response for delayMs on the injected clock', async () => {
    const clock = createVirtualClock({ now: Date.parse('2026-01-25T12:00:00Z') });
    const p = await start({ clock, faults: { espn: { delayMs: 5_000 } } });
    let settled = false;
    const response = fetch(paths(p).espn).then((res) => {
      settled = true;
      return res;
    });
    await until(() => p.requests.count('espn.roster') === 1 && clock.pendingTimers === 1);
    await clock.advance(4_999);
    expect(clock.pendingTimers).toBe(1);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(clock.pendingTimers).toBe(0);
    expect((await response).status).toBe(200);
  });

  it('does not slow the other groups', async () => {
    const clock = createVirtualClock();
    const p = await start({ clock, faults: { espn: { delayMs: 5_000 } } });
    expect((await fetch(paths(p).balldontlie)).status).toBe(200);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('missing game fault', () => {
  it('leaves a game out of /v1/box_scores and /v1/stats until it is removed', async () => {
    const p = await start();
    const [gone, ...rest] = league.gamesOn(day);
    const ids = async () => {
      const boxes = (await (await fetch(paths(p).balldontlie)).json()) as {
        data: { id: number }[];
      };
      const stats = (await (
        await fetch(`${p.urls.balldontlie}/v1/stats?dates[]=${day}&per_page=100`)
      ).json()) as {
        data: { game: { id: number } }[];
        meta: { next_cursor?: number };
      };
      return {
        boxes: boxes.data.map((b) => b.id),
        statGames: new Set(stats.data.map((s) => s.game.id)),
      };
    };
    p.faults.set('balldontlie', { missingGames: [gone?.gameId as string] });
    const without = await ids();
    expect(without.boxes).toEqual(rest.map((g) => g.bdlId));
    expect(without.statGames.has(gone?.bdlId as number)).toBe(false);
    const games = (await (await fetch(`${p.urls.balldontlie}/v1/games?dates[]=${day}`)).json()) as {
      data: { id: number }[];
    };
    expect(games.data.map((g) => g.id)).toContain(gone?.bdlId);

    p.faults.set('balldontlie', { missingGames: [] });
    const back = await ids();
    expect(back.boxes).toEqual(league.gamesOn(day).map((g) => g.bdlId));
    expect(back.statGames.has(gone?.bdlId as number)).toBe(true);
  });
});

describe('fault settings', () => {
  it('keep settings not named in a later set, and clear() removes them all', async () => {
    const p = await start();
    p.faults.set('balldontlie', { rateLimit: { count: 2 }, delayMs: 10 });
    p.faults.set('balldontlie', { serverErrors: { count: 1, status: 500 } });
    expect(p.faults.get('balldontlie')).toMatchObject({
      rateLimit: { count: 2, retryAfterSeconds: 1 },
      serverErrors: { count: 1, status: 500 },
      delayMs: 10,
    });
    expect(p.faults.get('espn').rateLimit.count).toBe(0);
    p.faults.clear();
    expect(p.faults.get('balldontlie')).toMatchObject({
      rateLimit: { count: 0 },
      serverErrors: { count: 0 },
      delayMs: 0,
    });
  });

  it('refuse a bad count, status, delay, group or a missing game outside balldontlie', async () => {
    const p = await start();
    const cases: [() => void, string][] = [
      [() => p.faults.set('espn', { rateLimit: { count: -1 } }), 'faults.espn.rateLimit.count'],
      [
        () => p.faults.set('espn', { serverErrors: { count: 1, status: 404 } }),
        'faults.espn.serverErrors.status',
      ],
      [() => p.faults.set('espn', { delayMs: Number.NaN }), 'faults.espn.delayMs'],
      [() => p.faults.set('espn', { missingGames: ['0022500001'] }), 'faults.espn.missingGames'],
      [() => p.faults.set('nba' as 'espn', {}), 'group'],
    ];
    for (const [act, option] of cases) {
      const error = await catchError(act, ProviderOptionsError);
      expect(error.option).toBe(option);
    }
    const today = await catchError(() => p.setToday('2026-02-30'), ProviderOptionsError);
    expect(today.option).toBe('today');
  });
});

describe('close()', () => {
  it('ends open connections and a response held by a delay, so nothing keeps the process alive', async () => {
    const clock = createVirtualClock();
    const p = await startProvider({ league, clock });
    // A keep-alive connection that has served a request, and one request waiting on the clock.
    expect((await fetch(paths(p).balldontlie)).status).toBe(200);
    p.faults.set('espn', { delayMs: 60_000 });
    const held = fetch(paths(p).espn).then(
      (res) => res.status,
      () => 'failed',
    );
    await until(() => p.requests.count('espn.roster') === 1);
    // And a client that sent half a request: only closing every connection ends it.
    const half = connect(Number(new URL(p.urls.espn).port), '127.0.0.1');
    const halfClosed = new Promise<void>((resolve) => half.once('close', () => resolve()));
    half.on('error', () => {});
    await new Promise<void>((resolve) => half.once('connect', () => resolve()));
    half.write('GET /espn/apis HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await p.close();
    await halfClosed;
    expect(['failed', 503]).toContain(await held);
    expect(clock.pendingTimers).toBe(0);
    await expect(fetch(paths(p).balldontlie)).rejects.toThrow();
    await p.close();
  });
});
