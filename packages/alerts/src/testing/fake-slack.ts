import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers: a status (with Slack's text body and headers), a dropped socket, or silence. */
export type SlackAnswer =
  | {
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | 'reset'
  | 'hang';

export interface ReceivedMessage {
  /** When it arrived, on the test's clock. */
  readonly at: number;
  readonly body: Record<string, unknown>;
  /** What the fake answered. */
  readonly answered: number | 'reset' | 'hang';
}

/**
 * A local server that behaves like Slack's incoming-webhook endpoint: `ok` with 200, or the
 * failures Slack gives (500 `rollup_error`, 429 with Retry-After, 404 `no_service`, slow
 * responses, connection resets), scripted per request or by a function of the time.
 */
export interface FakeSlack {
  /** The webhook URL, with a secret-looking path. */
  readonly webhookUrl: string;
  readonly received: ReceivedMessage[];
  /** The `text` of every message answered 200, in arrival order: what reached the channel. */
  delivered(): string[];
  script(...answers: SlackAnswer[]): void;
  /** Answer every request without a scripted answer with this (default 200 ok). */
  setDefault(answer: (at: number) => SlackAnswer): void;
  close(): Promise<void>;
}

export const SECRET_PATH = '/services/T0PIPEWELL/B0ALERTS/xOxSeCrEtWeBhOoKtOkEn';

export async function startFakeSlack(now: () => number): Promise<FakeSlack> {
  const received: ReceivedMessage[] = [];
  const scripted: SlackAnswer[] = [];
  let fallback: (at: number) => SlackAnswer = () => ({ status: 200, body: 'ok' });
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const at = now();
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
  return {
    webhookUrl: `http://127.0.0.1:${port}${SECRET_PATH}`,
    received,
    delivered: () =>
      received.filter((r) => r.answered === 200).map((r) => String(r.body.text ?? '')),
    script: (...answers) => scripted.push(...answers),
    setDefault: (answer) => {
      fallback = answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
