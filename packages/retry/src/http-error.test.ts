import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RetryError, RetryOptionsError } from './errors.js';
import { HttpError, throwIfNotOk } from './http-error.js';
import { isPermanentError } from './permanent.js';
import { retry } from './retry.js';
import { isTransientError } from './transient.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server whose answer per path the test sets; counts requests per path. */
function providerServer() {
  const routes = new Map<string, Handler[]>();
  const served = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const count = served.get(path) ?? 0;
    served.set(path, count + 1);
    const plan = routes.get(path) ?? [];
    const handler = plan[Math.min(count, plan.length - 1)];
    if (handler === undefined) {
      res.writeHead(500).end('no route');
      return;
    }
    handler(req, res);
  });
  return {
    server,
    /** Answer `path` with the handlers in turn; the last one repeats. */
    route(path: string, ...handlers: Handler[]) {
      routes.set(path, handlers);
    },
    served: (path: string) => served.get(path) ?? 0,
  };
}

const answer =
  (status: number, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
  };

describe('throwIfNotOk and HttpError against a loopback HTTP server', () => {
  let provider: ReturnType<typeof providerServer>;
  let base = '';

  beforeEach(async () => {
    provider = providerServer();
    await new Promise<void>((resolve) => provider.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(provider.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    provider.server.closeAllConnections();
    await new Promise<void>((resolve) => provider.server.close(() => resolve()));
  });

  async function failure(path: string, options?: Parameters<typeof throwIfNotOk>[1]) {
    const error = await fetch(base + path)
      .then((res) => throwIfNotOk(res, options))
      .catch((e: unknown) => e);
    expect(HttpError.isInstance(error)).toBe(true);
    return error as HttpError;
  }

  it('turns a 503 with Retry-After into a transient HttpError with the body', async () => {
    provider.route(
      '/scores',
      answer(503, 'maintenance until 12:00', { 'retry-after': '7', 'set-cookie': 'sid=secret' }),
    );
    const error = await failure('/scores');
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('HttpError');
    expect(error.status).toBe(503);
    expect(error.statusText).toBe('Service Unavailable');
    expect(error.message).toBe('HTTP 503 Service Unavailable');
    expect(error.retryAfter).toBe('7');
    expect(error.retryAfterMs).toBe(7_000);
    expect(error.body).toBe('maintenance until 12:00');
    expect(error.bodyTruncated).toBe(false);
    expect(isTransientError(error)).toBe(true);
    expect(isPermanentError(error)).toBe(false);
    // Neither the request URL nor other headers (cookies) ride along into logs.
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('secret');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('127.0.0.1');
  });

  it('reads a 429 as transient and its HTTP-date Retry-After on the given clock', async () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    provider.route(
      '/odds',
      answer(429, '{"message":"quota"}', { 'retry-after': 'Wed, 25 Nov 2026 12:00:30 GMT' }),
    );
    const error = await failure('/odds', { clock: createVirtualClock({ now }) });
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(30_000);
    expect(isTransientError(error)).toBe(true);
    expect(isPermanentError(error)).toBe(false);
  });

  it('reads a 404 as permanent, and retry does not call again', async () => {
    provider.route('/games/0022500647', answer(404, 'no such game'));
    const error = await failure('/games/0022500647');
    expect(error.message).toBe('HTTP 404 Not Found');
    expect(error.body).toBe('no such game');
    expect(error.retryAfterMs).toBeUndefined();
    expect(isTransientError(error)).toBe(false);
    expect(isPermanentError(error)).toBe(true);

    const clock = createVirtualClock();
    const result = retry(
      ({ signal }) => fetch(`${base}/games/0022500647`, { signal }).then(throwIfNotOk),
      {
        clock,
      },
    );
    await expect(result).rejects.toSatisfy(
      (e: unknown) => HttpError.isInstance(e) && e.status === 404,
    );
    expect(provider.served('/games/0022500647')).toBe(2);
  });

  it('keeps only the start of a large body and cancels the rest without downloading it', async () => {
    let written = 0;
    const closed = new Promise<void>((resolve) => {
      provider.route('/dump', (_req, res) => {
        res.on('close', () => resolve());
        res.writeHead(503, { 'content-type': 'text/plain' });
        // An endless body: reading it all would never finish.
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk)) written += chunk.length;
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      });
    });
    const error = await failure('/dump');
    expect(error.body).toBe('x'.repeat(2048));
    expect(error.bodyTruncated).toBe(true);
    await closed;
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('honours maxBodyBytes without splitting a character', async () => {
    provider.route('/accents', answer(500, 'ééé'));
    const cut = await failure('/accents', { maxBodyBytes: 5 });
    // 5 bytes hold two 2-byte characters and half of the third, which is dropped.
    expect(cut.body).toBe('éé');
    expect(cut.bodyTruncated).toBe(true);
    const whole = await failure('/accents', { maxBodyBytes: 6 });
    expect(whole.body).toBe('ééé');
    expect(whole.bodyTruncated).toBe(false);
  });

  it('stops reading a body that stalls after bodyTimeoutMs, and closes the connection', async () => {
    const closed = new Promise<void>((resolve) => {
      provider.route('/stall', (_req, res) => {
        res.on('close', () => resolve());
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.write('partial');
      });
    });
    const clock = createVirtualClock();
    const response = await fetch(`${base}/stall`);
    const pending = throwIfNotOk(response, { clock, bodyTimeoutMs: 2_000 }).catch(
      (e: unknown) => e,
    );
    await clock.runAll(pending);
    const error = (await pending) as HttpError;
    expect(HttpError.isInstance(error)).toBe(true);
    expect(error.status).toBe(502);
    expect(error.bodyTruncated).toBe(true);
    expect('partial'.startsWith(error.body)).toBe(true);
    expect(clock.now()).toBe(2_000);
    expect(clock.pendingTimers).toBe(0);
    await closed;
  });

  it('keeps what arrived when the connection breaks mid-body', async () => {
    provider.route('/broken', (req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('half a body', () => req.socket.destroy());
    });
    const error = await failure('/broken');
    expect(error.status).toBe(503);
    expect(error.bodyTruncated).toBe(true);
    expect('half a body'.startsWith(error.body)).toBe(true);
  });

  it('passes an OK response through untouched', async () => {
    provider.route('/ok', answer(200, '{"served":1}'));
    const response = await fetch(`${base}/ok`);
    await expect(throwIfNotOk(response)).resolves.toBe(response);
    await expect(response.json()).resolves.toEqual({ served: 1 });
  });

  it('retry(() => fetch(url).then(throwIfNotOk)) waits out the Retry-After', async () => {
    provider.route(
      '/box-scores',
      answer(503, 'warming up', { 'retry-after': '7' }),
      answer(200, '{"games":3}'),
    );
    const clock = createVirtualClock();
    const onRetry = vi.fn();
    const calledAt: number[] = [];
    const result = retry(
      ({ signal }) => {
        calledAt.push(clock.now());
        return fetch(`${base}/box-scores`, { signal })
          .then((res) => throwIfNotOk(res, { clock }))
          .then((res) => res.json());
      },
      { clock, baseDelayMs: 100, onRetry },
    );
    await clock.runAll(result);
    await expect(result).resolves.toEqual({ games: 3 });
    expect(provider.served('/box-scores')).toBe(2);
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(onRetry.mock.calls[0]?.[0]).toMatchObject({ attempt: 1, delayMs: 7_000 });
    expect(calledAt).toEqual([0, 7_000]);
  });

  it('gives up at once when the Retry-After is longer than maxRetryAfterMs', async () => {
    provider.route('/throttled', answer(429, 'slow down', { 'retry-after': '3600' }));
    const clock = createVirtualClock();
    const error = await retry(
      ({ signal }) => fetch(`${base}/throttled`, { signal }).then(throwIfNotOk),
      { clock, maxAttempts: 5 },
    ).catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    expect((error as RetryError).reason).toBe('maxRetryAfter');
    expect((error as RetryError).nextDelayMs).toBe(3_600_000);
    expect(provider.served('/throttled')).toBe(1);
    expect(clock.now()).toBe(0);
  });
});

describe('HttpError', () => {
  it('can be made directly, with defaults', () => {
    const error = new HttpError({ status: 500 });
    expect(error.message).toBe('HTTP 500');
    expect(error).toMatchObject({
      status: 500,
      statusText: '',
      body: '',
      bodyTruncated: false,
      retryAfter: undefined,
      retryAfterMs: undefined,
    });
  });

  it('is recognised across package copies by its marker, not its prototype', () => {
    const foreign = Object.assign(new Error('HTTP 503'), {
      [Symbol.for('@pipewell/retry.HttpError')]: true,
    });
    expect(HttpError.isInstance(foreign)).toBe(true);
    expect(HttpError.isInstance(Object.assign(new Error('HTTP 503'), { status: 503 }))).toBe(false);
    expect(HttpError.isInstance(null)).toBe(false);
  });

  it('reads a body-less response', async () => {
    const error = await HttpError.fromResponse(new Response(null, { status: 504 }));
    expect(error).toMatchObject({ status: 504, body: '', bodyTruncated: false });
  });

  it.each([
    [undefined, 'response', '"response" must be a fetch Response (got undefined)'],
    [null, 'response', '"response" must be a fetch Response (got null)'],
    [{ status: 500 }, 'response', '"response" must be a fetch Response (got object)'],
    [{ status: 500, headers: new Headers() }, 'response', '(got object)'],
    [{ ok: false, status: '500', headers: new Headers() }, 'response', '(got object)'],
    [{ ok: false, status: 500 }, 'response', '(got object)'],
  ])('refuses %o as a response', async (response, option, message) => {
    const error = await throwIfNotOk(response as never).catch((e: unknown) => e);
    expect(RetryOptionsError.isInstance(error)).toBe(true);
    expect((error as RetryOptionsError).option).toBe(option);
    expect((error as Error).message).toContain(message);
  });

  it.each([
    [{ maxBodyBytes: -1 }, 'maxBodyBytes', 'must be a whole number of bytes >= 0 (got -1)'],
    [{ maxBodyBytes: 1.5 }, 'maxBodyBytes', '(got 1.5)'],
    [{ bodyTimeoutMs: 0 }, 'bodyTimeoutMs', 'must be a finite number of milliseconds > 0 (got 0)'],
    [{ bodyTimeoutMs: '5s' }, 'bodyTimeoutMs', '(got "5s")'],
    [{ bodyTimeoutMs: Number.NaN }, 'bodyTimeoutMs', '(got NaN)'],
    [{ bodyTimeoutMs: Number.POSITIVE_INFINITY }, 'bodyTimeoutMs', '(got Infinity)'],
  ])('refuses %o naming %s', async (options, option, message) => {
    const response = new Response('nope', { status: 400 });
    const error = await throwIfNotOk(response, options as never).catch((e: unknown) => e);
    expect(RetryOptionsError.isInstance(error)).toBe(true);
    expect((error as RetryOptionsError).option).toBe(option);
    expect((error as Error).message).toContain(message);
  });

  it('keeps no body with maxBodyBytes 0, and still tells whether there was one', async () => {
    const error = await HttpError.fromResponse(new Response('busy', { status: 503 }), {
      maxBodyBytes: 0,
    });
    expect(error).toMatchObject({ body: '', bodyTruncated: true });
  });

  it('accepts a fractional bodyTimeoutMs', async () => {
    const error = await HttpError.fromResponse(new Response('busy', { status: 503 }), {
      bodyTimeoutMs: 2.5,
    });
    expect(error.body).toBe('busy');
  });

  it('counts the limit across chunks', async () => {
    const error = await HttpError.fromResponse(chunked(503, ['abc', 'def']), { maxBodyBytes: 4 });
    expect(error).toMatchObject({ body: 'abcd', bodyTruncated: true });
  });

  it('reads once more at exactly the limit to tell whether more follows', async () => {
    const more = await HttpError.fromResponse(chunked(503, ['abcd', 'ef']), { maxBodyBytes: 4 });
    expect(more).toMatchObject({ body: 'abcd', bodyTruncated: true });
    const exact = await HttpError.fromResponse(chunked(503, ['abcd']), { maxBodyBytes: 4 });
    expect(exact).toMatchObject({ body: 'abcd', bodyTruncated: false });
  });

  it('shows a complete body that ends mid-character with U+FFFD', async () => {
    const response = new Response(new Uint8Array([0x6f, 0x6b, 0xe2, 0x82]), { status: 500 });
    const error = await HttpError.fromResponse(response);
    expect(error).toMatchObject({ body: 'ok\uFFFD', bodyTruncated: false });
  });

  it('leaves alone a body that was already read', async () => {
    const pulled = vi.fn();
    const response = {
      ok: false,
      status: 500,
      statusText: 'Internal Server Error',
      headers: new Headers(),
      body: new ReadableStream<Uint8Array>({ pull: pulled }, { highWaterMark: 0 }),
      bodyUsed: true,
    };
    const error = await HttpError.fromResponse(response);
    expect(error).toMatchObject({ status: 500, body: '', bodyTruncated: false });
    expect(pulled).not.toHaveBeenCalled();
  });

  it('leaves a locked body to whoever holds its reader', async () => {
    const response = new Response('mine', { status: 502 });
    const reader = response.body?.getReader();
    const error = await HttpError.fromResponse(response);
    expect(error).toMatchObject({ status: 502, body: '', bodyTruncated: false });
    await expect(reader?.read()).resolves.toMatchObject({ done: false });
  });
});

/** A response whose body arrives in the given chunks, one read each. */
function chunked(status: number, chunks: string[]): Response {
  const encoder = new TextEncoder();
  const queue = chunks.map((chunk) => encoder.encode(chunk));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
  return new Response(body, { status });
}
