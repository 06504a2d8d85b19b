import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '@pipewell/core';
import { AlertInputError } from '../alert.js';

/**
 * What the fake answers one request with: a status (with Slack's text body, such as `no_service`,
 * and headers, such as `retry-after`), a dropped connection (`'reset'`), or no answer (`'hang'`).
 */
export type FakeSlackAnswer =
  | {
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | 'reset'
  | 'hang';

/** One request the fake received on its webhook path. */
export interface FakeSlackRequest {
  /** When it arrived, on the fake's clock. */
  readonly at: number;
  /** The JSON body: Slack's message (`text`, `attachments`). */
  readonly body: Record<string, unknown>;
  /** What the fake answered: the status, `'reset'` or `'hang'`. */
  readonly answered: number | 'reset' | 'hang';
}

/** Options for {@link startFakeSlack}. */
export interface FakeSlackOptions {
  /** Stamps each request's `at` and is passed to `setDefault` answers. @default systemClock */
  readonly clock?: Clock;
}

/**
 * A local server that behaves like a Slack incoming webhook. Create one with
 * {@link startFakeSlack}.
 */
export interface FakeSlack extends AsyncDisposable {
  /** The webhook URL to give the sink; its path looks like a real webhook's secret path. */
  readonly webhookUrl: string;
  /** Every request to the webhook path, in arrival order. */
  readonly received: FakeSlackRequest[];
  /** The `text` of every message answered 200, in arrival order: what reached the channel. */
  delivered(): string[];
  /** Answer the next requests with these, in order, before falling back to the default. */
  script(...answers: FakeSlackAnswer[]): void;
  /** Answer every request without a scripted answer with this, given the time (default 200 `ok`). */
  setDefault(answer: (at: number) => FakeSlackAnswer): void;
  /** Stop the server and drop open connections; also `await using`. */
  close(): Promise<void>;
}

/** @internal The secret-looking path of the webhook, for checks that it never reaches a log. */
export const SECRET_PATH = '/services/T0PIPEWELL/B0ALERTS/xOxSeCrEtWeBhOoKtOkEn';

/**
 * Start a fake Slack incoming webhook on 127.0.0.1 (a free port): it answers `ok` with 200, or
 * the failures Slack gives (500 `rollup_error`, 429 with `Retry-After`, 404 `no_service`, 410
 * `channel_is_archived`, a hung response, a reset connection), scripted per request or as a
 * function of the time. Requests to any other path get 404 `no_service`, as Slack answers a
 * deleted webhook.
 *
 * @example
 * ```ts
 * await using slack = await startFakeSlack();
 * slack.script({ status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } });
 * const alerter = createAlerter({ sinks: [createSlackSink({ webhookUrl: slack.webhookUrl })] });
 * await alerter.alert({ severity: 'error', title: 'Stale run' });
 * expect(slack.delivered()).toEqual([':x: [error] Stale run']);
 * ```
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const clock = options?.clock ?? systemClock;
  if (typeof clock?.now !== 'function') {
    throw new AlertInputError('clock', 'option "clock" must be a Clock from @pipewell/core');
  }
  const received: FakeSlackRequest[] = [];
  const scripted: FakeSlackAnswer[] = [];
  let fallback: (at: number) => FakeSlackAnswer = () => ({ status: 200, body: 'ok' });
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const at = clock.now();
    if (req.url !== SECRET_PATH || req.method !== 'POST') {
      res.writeHead(404).end('no_service');
      return;
    }
    const answer = scripted.shift() ?? fallback(at);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    received.push({ at, body, answered: typeof answer === 'string' ? answer : answer.status });
    if (answer === 'reset') {
      req.socket.destroy();
      return;
    }
    if (answer === 'hang') return;
    res
      .writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers })
      .end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closed;
  };
  return {
    webhookUrl: `http://127.0.0.1:${port}${SECRET_PATH}`,
    received,
    delivered: () =>
      received.filter((r) => r.answered === 200).map((r) => String(r.body.text ?? '')),
    script: (...answers) => scripted.push(...answers),
    setDefault: (answer) => {
      fallback = answer;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
