import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptTimeoutError } from './errors.js';
import { isPermanentError } from './permanent.js';
import { isTransientError } from './transient.js';

const shaped = (fields: Record<string, unknown>): Error =>
  Object.assign(new Error('failed'), fields);

/** `error` wrapped in `levels` errors, each the `cause` of the next. */
const wrapped = (error: unknown, levels: number): unknown =>
  Array.from({ length: levels }).reduce<unknown>(
    (cause, _, i) => new Error(`wrapper ${i}`, { cause }),
    error,
  );

describe('isTransientError', () => {
  it.each([
    ['ECONNRESET', shaped({ code: 'ECONNRESET' })],
    ['ETIMEDOUT', shaped({ code: 'ETIMEDOUT' })],
    ['EAI_AGAIN', shaped({ code: 'EAI_AGAIN' })],
    ['ECONNREFUSED', shaped({ code: 'ECONNREFUSED' })],
    ['socket hang up', new Error('socket hang up')],
    ['HTTP 408 status', shaped({ status: 408 })],
    ['HTTP 429 statusCode', shaped({ statusCode: 429 })],
    ['HTTP 500 code', shaped({ code: 500 })],
    ['HTTP 502 response.status', shaped({ response: { status: 502 } })],
    ['HTTP 503 string code', shaped({ code: '503' })],
    ['HTTP 504 response.statusCode', shaped({ response: { statusCode: 504 } })],
    ['gRPC UNAVAILABLE (14)', shaped({ code: 14 })],
    ['gRPC DEADLINE_EXCEEDED (4)', shaped({ code: 4 })],
    ['gRPC RESOURCE_EXHAUSTED (8)', shaped({ code: 8 })],
    ['gRPC ABORTED (10)', shaped({ code: 10 })],
    ['gRPC INTERNAL (13)', shaped({ code: 13 })],
    ['gRPC name UNAVAILABLE', shaped({ code: 'UNAVAILABLE' })],
    ['gRPC name DEADLINE_EXCEEDED', shaped({ code: 'DEADLINE_EXCEEDED' })],
    ['Google reason backendError', shaped({ errors: [{ reason: 'backendError', message: 'x' }] })],
    [
      'Google reason backendError after another reason',
      shaped({ errors: [{ reason: 'notFound' }, { reason: 'backendError' }] }),
    ],
    ['Google reason rateLimitExceeded', shaped({ reason: 'rateLimitExceeded' })],
    [
      'Google reason userRateLimitExceeded in response.data',
      shaped({
        response: { data: { error: { code: 403, errors: [{ reason: 'userRateLimitExceeded' }] } } },
      }),
    ],
    ['attempt timeout', new AttemptTimeoutError(1, 100)],
    ['an error that says transient: true', shaped({ transient: true })],
    ['AbortSignal.timeout reason', new DOMException('timed out', 'TimeoutError')],
    [
      'fetch failed caused by ECONNRESET',
      new TypeError('fetch failed', { cause: shaped({ code: 'ECONNRESET' }) }),
    ],
  ])('retries %s', (_name, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError('x is undefined')],
    ['HTTP 400', shaped({ status: 400 })],
    ['HTTP 404', shaped({ statusCode: 404 })],
    ['HTTP 403 without a rate reason', shaped({ code: 403, errors: [{ reason: 'accessDenied' }] })],
    ['gRPC INVALID_ARGUMENT (3)', shaped({ code: 3 })],
    ['gRPC NOT_FOUND name', shaped({ code: 'NOT_FOUND' })],
    ['an abort by the caller', new DOMException('aborted', 'AbortError')],
    [
      'an abort wrapping a transient cause',
      Object.assign(new Error('aborted'), { name: 'AbortError', cause: shaped({ code: 14 }) }),
    ],
    ['an error that says transient: false', shaped({ transient: false })],
    ['a status string that is not three digits', shaped({ status: '0503' })],
    ['a status that is neither a number nor a string', shaped({ status: ['503'] })],
    ['a plain object without a message', { status: 400 }],
    ['a string', 'ECONNRESET'],
    ['null', null],
    ['undefined', undefined],
  ])('does not retry %s', (_name, error) => {
    expect(isTransientError(error)).toBe(false);
  });

  it.each([
    'ECONNRESET',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ECONNREFUSED',
    'EPIPE',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'ECONNABORTED',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
  ])('retries network error code %s', (code) => {
    expect(isTransientError(shaped({ code }))).toBe(true);
    expect(isPermanentError(shaped({ code }))).toBe(false);
  });

  it.each([
    ['DEADLINE_EXCEEDED', 4],
    ['RESOURCE_EXHAUSTED', 8],
    ['ABORTED', 10],
    ['INTERNAL', 13],
    ['UNAVAILABLE', 14],
  ] as const)('retries gRPC %s (%i) by name and by number', (name, code) => {
    expect(isTransientError(shaped({ code: name }))).toBe(true);
    expect(isTransientError(shaped({ code }))).toBe(true);
  });

  it.each([408, 429, 500, 502, 503, 504])(
    'retries HTTP %i from status, statusCode, code and response',
    (status) => {
      expect(isTransientError(shaped({ status }))).toBe(true);
      expect(isTransientError(shaped({ statusCode: status }))).toBe(true);
      expect(isTransientError(shaped({ code: String(status) }))).toBe(true);
      expect(isTransientError(shaped({ response: { status } }))).toBe(true);
      expect(isTransientError(shaped({ response: { data: { error: { code: status } } } }))).toBe(
        true,
      );
    },
  );

  it.each(['backendError', 'rateLimitExceeded', 'userRateLimitExceeded'])(
    'retries Google API reason %s, alone or in an errors list',
    (reason) => {
      expect(isTransientError(shaped({ reason }))).toBe(true);
      expect(isTransientError(shaped({ errors: [{ reason }] }))).toBe(true);
    },
  );

  it('follows cause 5 levels deep and no further', () => {
    expect(isTransientError(wrapped(shaped({ code: 'ECONNRESET' }), 5))).toBe(true);
    expect(isTransientError(wrapped(shaped({ code: 'ECONNRESET' }), 6))).toBe(false);
  });

  it('stops following a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isTransientError(a)).toBe(false);
  });
});

describe('isTransientError on real network failures', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    // A server that accepts the connection and then drops it without answering.
    server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('knows a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await fetch(`http://127.0.0.1:${closedPort}/`).catch((e: unknown) => e);
    expect(isTransientError(error)).toBe(true);
  });

  it('knows a dropped connection through node:http (socket hang up)', async () => {
    const error = await new Promise<unknown>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/' }, () =>
        resolve(new Error('answered')),
      );
      req.on('error', resolve);
      req.end();
    });
    expect((error as Error).message).toMatch(/socket hang up|ECONNRESET/);
    expect(isTransientError(error)).toBe(true);
  });

  it('knows a dropped connection through fetch', async () => {
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect((error as Error).message).toBe('fetch failed');
    expect(isTransientError(error)).toBe(true);
  });
});
