import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeIssues } from '@pipewell/clients/dead-letter';
import { pushRouteOf } from '../deploy/index.js';
import type { EngineHandler } from '../orchestration/index.js';
import { deliver, type EntryOptions, timeoutOf, withDeadline } from './deliver.js';
import { pushEnvelopeSchema, shortSubscriptionName } from './envelope.js';
import { EntryError } from './errors.js';

/** A request as Node's `http` server or Express (the Functions Framework) gives it. */
export type PushRequest = IncomingMessage & {
  /** Set by a body parser (Express, the Functions Framework); otherwise the stream is read. */
  body?: unknown;
};

/** A `(req, res)` handler for Node's `http` server, Express and `functions.http`. */
export type PushRequestHandler = (req: PushRequest, res: ServerResponse) => Promise<void>;

/** The largest push body read from the stream: Pub/Sub's 10 MB message, base64, plus room. */
const maxBodyBytes = 16 * 1024 * 1024;

async function readBody(req: PushRequest): Promise<unknown> {
  if (req.body !== undefined && !Buffer.isBuffer(req.body) && typeof req.body !== 'string') {
    return req.body;
  }
  let text: string;
  if (Buffer.isBuffer(req.body) || typeof req.body === 'string') {
    text = req.body.toString();
  } else {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBodyBytes) throw new EntryError(`the body is over ${maxBodyBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EntryError(`the body is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

function reply(res: ServerResponse, status: number, body?: object): void {
  if (res.headersSent) return;
  res.statusCode = status;
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

/** Index `handlers` by subscription, refusing a subscription served twice. */
export function indexHandlers(
  handlers: ReadonlyArray<EngineHandler>,
  what: string,
): Map<string, EngineHandler> {
  const bySubscription = new Map<string, EngineHandler>();
  for (const handler of handlers) {
    if (bySubscription.has(handler.subscription)) {
      throw new EntryError(`${what}: subscription ${handler.subscription} has two handlers`);
    }
    bySubscription.set(handler.subscription, handler);
  }
  if (bySubscription.size === 0) throw new EntryError(`${what}: no handlers were given`);
  return bySubscription;
}

/**
 * An HTTP handler for Pub/Sub push to the engine's handlers, routed by the path
 * `/pubsub/<subscription>` (the deploy plan's push route), else by the envelope's subscription.
 * Each message is validated with its handler's schema and handled: 204 acks it; a transient
 * error answers 500 and Pub/Sub delivers it again; a permanent error or a schema failure
 * publishes it to the subscription's dead-letter topic with the reason attributes, then acks
 * (500 when that publish fails: never lost). A malformed envelope answers 400, an unknown
 * subscription 404.
 *
 * @example
 * ```ts
 * const handle = pushHandler(engine.handlers(), { deadLetters: queue });
 * createServer((req, res) => void handle(req, res)).listen(Number(process.env.PORT));
 * ```
 */
export function pushHandler(
  handlers: ReadonlyArray<EngineHandler>,
  options: EntryOptions,
): PushRequestHandler {
  const bySubscription = indexHandlers(handlers, 'pushHandler');
  const byPath = new Map<string, EngineHandler>();
  for (const handler of bySubscription.values()) {
    byPath.set(`/${pushRouteOf(handler.subscription)}`, handler);
  }

  return async (req, res) => {
    if (req.method !== 'POST') {
      reply(res, 405, { error: `push endpoints take POST, not ${req.method}` });
      return;
    }
    let body: unknown;
    try {
      body = await readBody(req);
    } catch (error) {
      reply(res, 400, { error: (error as Error).message });
      return;
    }
    const parsed = pushEnvelopeSchema.safeParse(body);
    if (!parsed.success) {
      reply(res, 400, { error: `not a Pub/Sub push envelope: ${describeIssues(parsed.error)}` });
      return;
    }
    const envelope = parsed.data;
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '') ?? '';
    const name = shortSubscriptionName(envelope.subscription);
    const handler = byPath.get(path) ?? bySubscription.get(name);
    if (handler === undefined) {
      reply(res, 404, { error: `no handler for path ${path} or subscription ${name}` });
      return;
    }
    const closed = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) closed.abort(new Error('the push request was closed'));
    };
    res.once('close', onClose);
    try {
      const result = await withDeadline(timeoutOf(handler, options), closed.signal, (signal) =>
        deliver(handler, envelope, options, signal),
      );
      if (result.outcome === 'retry') {
        // The error stays in the log: its message may hold what a response must not.
        reply(res, 500, { error: 'not handled; deliver it again' });
      } else if (result.outcome === 'dead-lettered') {
        reply(res, 200, { outcome: result.outcome, deadLetterTopic: result.topic });
      } else {
        reply(res, 204);
      }
    } finally {
      res.off('close', onClose);
    }
  };
}
