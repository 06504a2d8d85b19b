import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '@pipewell/core';
import { pushHandler } from './push-handler.js';
import type { EntryRuntime } from './runtime.js';

/** Options for {@link startPushServer}. */
export interface PushServerOptions {
  /** @default 8080, or `PORT` as Cloud Run sets it */
  readonly port?: number;
  /** @default '0.0.0.0' */
  readonly host?: string;
  /** @default silentLogger */
  readonly logger?: Logger;
}

/** A running push server. */
export interface PushServer extends AsyncDisposable {
  /** `http://host:port`, with the port bound. */
  readonly url: string;
  readonly server: Server;
  /** Stop taking requests and wait for those running. */
  close(): Promise<void>;
}

/**
 * Serve every handler of `runtime` for Pub/Sub push on `POST /pubsub/<subscription>` (see
 * {@link pushHandler}), and `GET /healthz` for Cloud Run: the server `gcloud run deploy --source`
 * starts.
 *
 * @example
 * ```ts
 * await using server = await startPushServer(runtime, { port: Number(process.env.PORT) });
 * ```
 */
export async function startPushServer(
  runtime: EntryRuntime,
  options: PushServerOptions = {},
): Promise<PushServer> {
  const logger = options.logger ?? runtime.logger ?? silentLogger;
  const handle = pushHandler(runtime.handlers, runtime);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.statusCode = 200;
      res.end('ok');
      return;
    }
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'push server: a request failed');
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url: `http://${host}:${port}`, server, close, [Symbol.asyncDispose]: close };
}
