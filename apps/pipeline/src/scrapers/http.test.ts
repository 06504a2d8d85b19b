import { CircuitOpenError } from '@pipewell/circuit-breaker';
import { isPermanentError, RetryError } from '@pipewell/retry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateLeague } from '../league/generate.js';
import { SourceParseError } from '../sources/errors.js';
import { type Harness, openHarness } from './test-harness.js';

const league = generateLeague({ seed: 42 });
const schedule = { path: '/static/json/staticData/scheduleLeagueV2.json' };
let h: Harness;

beforeEach(async () => {
  h = await openHarness(league, { maxAttempts: 4, breakerFailureThreshold: 6 });
});
afterEach(async () => {
  await h.close();
});

describe('createSourceHttp', () => {
  it('sends the balldontlie key as Authorization and the Odds API key as apiKey', async () => {
    const stats = await h.http.getJson('balldontlie', {
      path: '/v1/stats',
      query: { 'dates[]': ['2026-01-24'], per_page: 5 },
    });
    expect((stats.json as { data: unknown[] }).data).toHaveLength(5);
    const events = await h.http.getJson('oddsApi', { path: '/v4/sports/basketball_nba/events' });
    expect(Array.isArray(events.json)).toBe(true);
  });

  it('returns the body unchanged beside its JSON', async () => {
    const { text, json } = await h.http.getJson('nbaCdn', schedule);
    expect(JSON.parse(text)).toEqual(json);
    expect(text.startsWith('{"meta":')).toBe(true);
  });

  it('waits out a 429 for exactly its Retry-After on the clock, then succeeds', async () => {
    h.provider.faults.set('nbaCdn', { rateLimit: { count: 1, retryAfterSeconds: 7 } });
    const started = h.clock.now();
    const call = h.http.getJson('nbaCdn', schedule);
    // One virtual millisecond before the hint runs out there is still no second request.
    while (h.logger.entries.length === 0) await new Promise((r) => setTimeout(r, 1));
    const retried = h.logger.entries.find((e) => e.msg === 'source request retried');
    expect(retried?.fields.delayMs).toBe(7_000);
    await h.clock.advance(6_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.provider.requests.count('nbaCdn.schedule')).toBe(1);
    await h.clock.advance(1);
    const result = await call;
    expect(h.clock.now() - started).toBe(7_000);
    expect(h.provider.requests.count('nbaCdn.schedule')).toBe(2);
    expect(result.json).toHaveProperty('leagueSchedule');
  });

  it('absorbs a burst of 5xx responses within its attempts', async () => {
    h.provider.faults.set('espn', { serverErrors: { count: 3, status: 502 } });
    const { result, waits } = await h.drive(
      h.http.getJson('espn', { path: '/apis/site/v2/sports/basketball/nba/teams/2/roster' }),
    );
    expect(waits).toHaveLength(3);
    expect(h.provider.requests.count('espn.roster')).toBe(4);
    expect(result.json).toHaveProperty('athletes');
  });

  it('gives up after its attempts when the 5xx burst outlasts them', async () => {
    h.provider.faults.set('espn', { serverErrors: { count: 10 } });
    const error = await h
      .drive(h.http.getJson('espn', { path: '/apis/site/v2/sports/basketball/nba/teams/2/roster' }))
      .catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    expect(h.provider.requests.count('espn.roster')).toBe(4);
  });

  it('does not retry a 4xx: one request, a permanent error', async () => {
    const error = await h
      .drive(
        h.http.getJson('espn', { path: '/apis/site/v2/sports/basketball/nba/teams/999/roster' }),
      )
      .catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(404);
    expect(isPermanentError(error)).toBe(true);
    expect(h.provider.requests.count('espn.roster')).toBe(1);
  });

  it('treats malformed JSON as a permanent SourceParseError, without a retry', async () => {
    h.provider.faults.set('nbaCdn', { malformedJson: { count: 1 } });
    const error = await h.drive(h.http.getJson('nbaCdn', schedule)).catch((e: unknown) => e);
    expect(SourceParseError.isInstance(error)).toBe(true);
    expect(isPermanentError(error)).toBe(true);
    expect((error as Error).message).toMatch(/nbaCdn .*scheduleLeagueV2\.json.*malformed JSON/);
    expect(h.provider.requests.count('nbaCdn.schedule')).toBe(1);
  });

  it('never puts a key in an error message', async () => {
    h.provider.faults.set('oddsApi', { serverErrors: { count: 10 } });
    const error = await h
      .drive(h.http.getJson('oddsApi', { path: '/v4/sports/basketball_nba/events' }))
      .catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain('odds-test-key');
    expect(JSON.stringify(h.logger.entries.map((e) => e.msg))).not.toContain('odds-test-key');
  });

  it('opens the source breaker on a dead provider, then fails fast without a request', async () => {
    h.provider.faults.set('balldontlie', { serverErrors: { count: 1_000 } });
    const stats = { path: '/v1/stats', query: { 'dates[]': ['2026-01-24'] } };
    await h.drive(h.http.getJson('balldontlie', stats)).catch(() => {});
    const second = await h.drive(h.http.getJson('balldontlie', stats)).catch((e: unknown) => e);
    // 4 + 2 failures in a row trip a threshold of 6; the open breaker then ends the retries.
    expect(h.provider.requests.count('balldontlie.stats')).toBe(6);
    expect(h.http.breaker('balldontlie').state).toBe('open');
    expect(CircuitOpenError.isInstance((second as RetryError).lastError)).toBe(true);
    h.provider.requests.reset();
    const third = await h.drive(h.http.getJson('balldontlie', stats)).catch((e: unknown) => e);
    expect(CircuitOpenError.isInstance((third as RetryError).lastError ?? third)).toBe(true);
    expect(h.provider.requests.count()).toBe(0);
    // Other sources keep their own breaker.
    await expect(h.http.getJson('nbaCdn', schedule)).resolves.toHaveProperty('json');
  });

  it('does not count 4xx or rate limits toward the breaker', async () => {
    h.provider.faults.set('nbaCdn', { rateLimit: { count: 3, retryAfterSeconds: 1 } });
    await h.drive(h.http.getJson('nbaCdn', schedule));
    for (let i = 0; i < 6; i++) {
      await h.http
        .getJson('espn', { path: '/apis/site/v2/sports/basketball/nba/teams/999/roster' })
        .catch(() => {});
    }
    expect(h.http.breaker('nbaCdn').state).toBe('closed');
    expect(h.http.breaker('espn').state).toBe('closed');
  });

  it("ends a call at once on the caller's abort, without counting it toward the breaker", async () => {
    h.provider.faults.set('nbaCdn', { delayMs: 600_000 });
    for (let i = 1; i <= 7; i++) {
      const controller = new AbortController();
      const call = h.http.getJson('nbaCdn', { ...schedule, signal: controller.signal });
      while (h.provider.requests.count('nbaCdn.schedule') < i) {
        await new Promise((r) => setTimeout(r, 1));
      }
      controller.abort();
      await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    }
    expect(h.provider.requests.count('nbaCdn.schedule')).toBe(7);
    expect(h.http.breaker('nbaCdn').state).toBe('closed');
  });

  it('opens the breaker on a provider that hangs: timed-out attempts count', async () => {
    await h.close();
    h = await openHarness(league, {
      attemptTimeoutMs: 5_000,
      maxAttempts: 2,
      breakerFailureThreshold: 2,
    });
    h.provider.faults.set('nbaCdn', { delayMs: 600_000 });
    const call = h.http.getJson('nbaCdn', schedule).catch((e: unknown) => e);
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((r) => setTimeout(r, 1));
    };
    await until(() => h.provider.requests.count('nbaCdn.schedule') === 1);
    await h.clock.advance(5_000);
    await until(() => h.logger.entries.some((e) => e.msg === 'source request retried'));
    const retried = h.logger.entries.find((e) => e.msg === 'source request retried');
    await h.clock.advance(retried?.fields.delayMs as number);
    await until(() => h.provider.requests.count('nbaCdn.schedule') === 2);
    await h.clock.advance(5_000);
    const error = await call;
    expect(RetryError.isInstance(error)).toBe(true);
    expect(h.http.breaker('nbaCdn').state).toBe('open');
  });

  it('ends an attempt that outlives its timeout on the clock, and retries it', async () => {
    await h.close();
    h = await openHarness(league, { attemptTimeoutMs: 5_000, maxAttempts: 2 });
    h.provider.faults.set('nbaCdn', { delayMs: 60_000 });
    const call = h.http.getJson('nbaCdn', schedule).catch((e: unknown) => e);
    while (h.provider.requests.count('nbaCdn.schedule') < 1)
      await new Promise((r) => setTimeout(r, 1));
    await h.clock.advance(5_000);
    while (h.logger.entries.every((e) => e.msg !== 'source request retried')) {
      await new Promise((r) => setTimeout(r, 1));
    }
    const retried = h.logger.entries.find((e) => e.msg === 'source request retried');
    expect(retried?.fields.err).toMatchObject({ name: 'AttemptTimeoutError' });
    h.provider.faults.set('nbaCdn', { delayMs: 0 });
    const { result } = await h.drive(call);
    expect(result).toHaveProperty('json');
  });
});
