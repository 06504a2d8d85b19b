import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRetryBudget } from './budget.js';
import type { RetryError } from './errors.js';
import { createRetryPolicy } from './policy.js';

/** Answers each request with the next planned response: a status, a dropped socket, or 200. */
function flakyServer(plan: Array<number | 'drop' | { status: number; retryAfter: string }>) {
  let served = 0;
  const server = createServer((req, res) => {
    const step = plan[served++] ?? 200;
    if (step === 'drop') {
      req.socket.destroy();
      return;
    }
    if (typeof step === 'object') {
      res.writeHead(step.status, { 'retry-after': step.retryAfter }).end('slow down');
      return;
    }
    res.writeHead(step, { 'content-type': 'application/json' }).end(JSON.stringify({ served }));
  });
  return { server, served: () => served };
}

class HttpError extends Error {
  readonly status: number;
  readonly headers: Headers;
  constructor(response: Response) {
    super(`HTTP ${response.status}`);
    this.status = response.status;
    this.headers = response.headers;
  }
}

async function getJson(url: string, signal: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { signal });
  if (!response.ok) {
    await response.arrayBuffer();
    throw new HttpError(response);
  }
  return response.json();
}

describe('retry against a flaky HTTP server on loopback', () => {
  let server: Server | undefined;
  let url = '';

  async function start(plan: Parameters<typeof flakyServer>[0]) {
    const flaky = flakyServer(plan);
    server = flaky.server;
    await new Promise<void>((resolve) => flaky.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(flaky.server.address() as AddressInfo).port}/scores`;
    return flaky;
  }

  beforeEach(() => {
    server = undefined;
  });
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('gets through 503, a dropped connection and a 429 with Retry-After', async () => {
    const flaky = await start([503, 'drop', { status: 429, retryAfter: '30' }]);
    const clock = createVirtualClock();
    const delays: number[] = [];
    const policy = createRetryPolicy({
      clock,
      maxAttempts: 4,
      baseDelayMs: 100,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });
    const result = policy.execute(({ signal }) => getJson(url, signal));
    await clock.runAll(result);
    await expect(result).resolves.toEqual({ served: 4 });
    expect(flaky.served()).toBe(4);
    expect(delays[2]).toBe(30_000);
  });

  it('does not retry a 404', async () => {
    const flaky = await start([404]);
    const policy = createRetryPolicy({ clock: createVirtualClock() });
    await expect(policy.execute(({ signal }) => getJson(url, signal))).rejects.toThrow('HTTP 404');
    expect(flaky.served()).toBe(1);
  });

  it('stops a whole fleet of callers once the shared budget is spent', async () => {
    const flaky = await start(Array.from({ length: 100 }, () => 503));
    const clock = createVirtualClock();
    const budget = createRetryBudget({ maxTokens: 4 });
    const policy = createRetryPolicy({ clock, budget, maxAttempts: 5, baseDelayMs: 10 });
    const callers = Array.from({ length: 10 }, () =>
      policy.execute(({ signal }) => getJson(url, signal)),
    );
    const all = Promise.allSettled(callers);
    await clock.runAll(all);
    const outcomes = await all;
    const reasons = outcomes.map((o) =>
      o.status === 'rejected' ? (o.reason as RetryError).reason : 'ok',
    );
    expect(reasons.filter((r) => r === 'budgetExhausted').length).toBeGreaterThan(0);
    // Without the budget 10 callers would make 50 calls; with it, 10 first calls plus 4 retries.
    expect(flaky.served()).toBe(14);
  });
});
