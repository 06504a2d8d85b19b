import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake BigQuery received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  /** The query string's parameters (`maxResults`, `pageToken`, ...). */
  readonly query: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown> | undefined;
}

/** What the fake answers next for a kind of request: a status and body, or 'reset' (drop the socket). */
export type ScriptedAnswer = { readonly status: number; readonly body: unknown } | 'reset';

/**
 * A local HTTP server speaking the few BigQuery REST v2 endpoints the client uses (jobs.insert,
 * jobs.getQueryResults, tabledata.insertAll), with scripted failures, for exercising the SDK's
 * wire path without a BigQuery emulator. Results are paged as BigQuery pages them (`maxResults`
 * rows per page, then a `pageToken`), and paths are served with or without the `/bigquery/v2`
 * prefix, as an emulator named by `BIGQUERY_EMULATOR_HOST` is.
 */
export interface FakeBigQuery {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Queue answers for the next requests of a kind ('jobs' | 'results' | 'insertAll'). */
  script(kind: 'jobs' | 'results' | 'insertAll', ...answers: ScriptedAnswer[]): void;
  /** Rows the next successful query returns, with its schema. */
  setResult(
    fields: ReadonlyArray<{ name: string; type: string }>,
    rows: ReadonlyArray<readonly unknown[]>,
  ): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

export function apiError(status: number, reason: string, message: string): ScriptedAnswer {
  return {
    status,
    body: {
      error: {
        code: status,
        message,
        errors: [{ reason, message, domain: 'global' }],
        status: reason,
      },
    },
  };
}

export async function startFakeBigQuery(): Promise<FakeBigQuery> {
  const requests: ReceivedRequest[] = [];
  const scripts: Record<string, ScriptedAnswer[]> = { jobs: [], results: [], insertAll: [] };
  let result = {
    fields: [] as ReadonlyArray<{ name: string; type: string }>,
    rows: [] as ReadonlyArray<readonly unknown[]>,
  };
  let jobs = 0;

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: req.method ?? '', path, query, body });
    const route = path.replace(/^\/bigquery\/v2(?=\/)/, '');
    const send = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const scripted = (kind: string): boolean => {
      const answer = scripts[kind]?.shift();
      if (answer === undefined) return false;
      if (answer === 'reset') req.socket.destroy();
      else send(answer.status, answer.body);
      return true;
    };

    let match = /^\/projects\/([^/]+)\/jobs$/.exec(route);
    if (req.method === 'POST' && match) {
      if (scripted('jobs')) return;
      const reference = (body?.jobReference as Record<string, unknown> | undefined) ?? {};
      const jobId = (reference.jobId as string | undefined) ?? `job-${++jobs}`;
      send(200, {
        kind: 'bigquery#job',
        id: `${match[1]}:US.${jobId}`,
        jobReference: { projectId: match[1], jobId, location: 'US' },
        configuration: body?.configuration,
        status: { state: 'DONE' },
      });
      return;
    }
    match = /^\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(route);
    if (req.method === 'GET' && match) {
      if (scripted('results')) return;
      const start = Number(query.pageToken ?? query.startIndex ?? 0);
      const end =
        query.maxResults === undefined ? result.rows.length : start + Number(query.maxResults);
      send(200, {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: { projectId: match[1], jobId: match[2], location: 'US' },
        jobComplete: true,
        schema: { fields: result.fields.map((f) => ({ ...f, mode: 'NULLABLE' })) },
        rows: result.rows.slice(start, end).map((row) => ({
          f: row.map((v) => ({ v: v === null ? null : String(v) })),
        })),
        totalRows: String(result.rows.length),
        ...(end < result.rows.length ? { pageToken: String(end) } : {}),
      });
      return;
    }
    match = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)\/insertAll$/.exec(route);
    if (req.method === 'POST' && match) {
      if (scripted('insertAll')) return;
      send(200, { kind: 'bigquery#tableDataInsertAllResponse' });
      return;
    }
    send(404, { error: { code: 404, message: `fake BigQuery has no ${req.method} ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(kind, ...answers) {
      scripts[kind]?.push(...answers);
    },
    setResult(fields, rows) {
      result = { fields, rows };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
