import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientConfigError } from '../project.js';

/** A request the fake BigQuery received. */
export interface FakeBigQueryRequest {
  /** `GET`, `POST`, ... */
  readonly method: string;
  /** The path as sent, `/bigquery/v2` prefix included when the client sent one. */
  readonly path: string;
  /** The query string's parameters (`maxResults`, `pageToken`, ...). */
  readonly query: Readonly<Record<string, string>>;
  /** The JSON body, or undefined for a request without one (or one that was not JSON). */
  readonly body: Record<string, unknown> | undefined;
}

/**
 * What the fake answers next for a kind of request: a status and JSON body, or `'reset'`, which
 * drops the connection without an answer (as a network failure would).
 */
export type FakeBigQueryAnswer = { readonly status: number; readonly body: unknown } | 'reset';

/** The rows {@link FakeBigQuery.setResult} makes the next successful queries return. */
export interface FakeBigQueryResult {
  /** The result's schema: each column's name and BigQuery type (`'INT64'`, `'STRING'`, ...). */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  /** The rows, each an array of values in `fields` order (sent as BigQuery sends them: strings). */
  readonly rows: ReadonlyArray<readonly unknown[]>;
}

/**
 * A local HTTP server speaking the BigQuery REST v2 endpoints `@pipewell/clients/bigquery` uses
 * (jobs.insert, jobs.getQueryResults, tabledata.insertAll), with scripted failures. Made by
 * {@link startFakeBigQuery}.
 */
export interface FakeBigQuery extends AsyncDisposable {
  /** The server's base URL (`http://127.0.0.1:PORT`): a `BIGQUERY_EMULATOR_HOST` or `apiEndpoint`. */
  readonly url: string;
  /** Every request received, oldest first. Clear it between tests with `requests.length = 0`. */
  readonly requests: FakeBigQueryRequest[];
  /**
   * Queue answers for the next requests of a kind: `'jobs'` (jobs.insert, where a query starts),
   * `'results'` (jobs.getQueryResults), `'getJob'` (jobs.get, where a finished job's
   * `statistics` are read, such as a MERGE's `dmlStats`) or `'insertAll'`. A kind with nothing
   * queued succeeds (jobs.get: the job as inserted, `DONE`, with empty `statistics.query`).
   */
  script(kind: 'jobs' | 'results' | 'getJob' | 'insertAll', ...answers: FakeBigQueryAnswer[]): void;
  /**
   * The rows successful queries return from now on, with their schema.
   * @default no columns and no rows
   */
  setResult(result: FakeBigQueryResult): void;
  /** Stop the server and drop its connections. Idempotent. */
  close(): Promise<void>;
}

/** Options for {@link bigQueryErrorAnswer}. */
export interface BigQueryErrorAnswerOptions {
  /** The HTTP status (`503`, `400`, `403`, ...). */
  readonly status: number;
  /** BigQuery's reason, which decides retries: `'backendError'`, `'invalidQuery'`, `'rateLimitExceeded'`, ... */
  readonly reason: string;
  /** The error's message, as BigQuery would word it. */
  readonly message: string;
}

/**
 * An error answer shaped as BigQuery's own (`{ error: { code, message, errors: [{ reason }] } }`),
 * for {@link FakeBigQuery.script}. Its `reason` is what retry classification reads.
 *
 * @example
 * ```ts
 * fake.script('jobs', bigQueryErrorAnswer({ status: 503, reason: 'backendError', message: 'Backend error' }));
 * ```
 */
export function bigQueryErrorAnswer(options: BigQueryErrorAnswerOptions): FakeBigQueryAnswer {
  const { status, reason, message } = options;
  return { status, body: errorBody(status, reason, message) };
}

function errorBody(status: number, reason: string, message: string): unknown {
  return {
    error: {
      code: status,
      message,
      errors: [{ reason, message, domain: 'global' }],
      status: reason,
    },
  };
}

class NotJson extends Error {}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new NotJson();
  }
}

/**
 * Start a fake BigQuery on a free loopback port, for testing code that uses
 * `@pipewell/clients/bigquery` over the real wire without a BigQuery emulator (there is none to
 * be had). It answers as BigQuery does: query results are paged (`maxResults` rows per page, then
 * a `pageToken`), and paths are served with or without the `/bigquery/v2` prefix, as a host named
 * by `BIGQUERY_EMULATOR_HOST` is. Failures are scripted per kind of request. Only `node:http`
 * behind it: it loads no Google SDK and no test runner.
 *
 * @example
 * ```ts
 * await using fake = await startFakeBigQuery();
 * fake.setResult({ fields: [{ name: 'n', type: 'INT64' }], rows: [[1]] });
 * const bigquery = getBigQuery({ env: { BIGQUERY_EMULATOR_HOST: fake.url, GCP_PROJECT_ID: 'demo-test' } });
 * await query(sql`SELECT 1 AS n`, { bigquery }); // [{ n: 1 }]
 * ```
 */
export async function startFakeBigQuery(): Promise<FakeBigQuery> {
  const requests: FakeBigQueryRequest[] = [];
  const scripts: Partial<Record<string, FakeBigQueryAnswer[]>> = {
    jobs: [],
    results: [],
    getJob: [],
    insertAll: [],
  };
  const configurations = new Map<string, unknown>();
  let result: FakeBigQueryResult = { fields: [], rows: [] };
  let jobs = 0;

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const send = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    let body: Record<string, unknown> | undefined;
    try {
      body = await readBody(req);
    } catch (error) {
      // Thrown out of this handler, it would be an unhandled rejection in the user's test run.
      requests.push({ method: req.method ?? '', path, query, body: undefined });
      if (error instanceof NotJson) {
        send(400, errorBody(400, 'parseError', 'fake BigQuery: the request body is not JSON'));
      } else {
        req.socket.destroy();
      }
      return;
    }
    requests.push({ method: req.method ?? '', path, query, body });
    const route = path.replace(/^\/bigquery\/v2(?=\/)/, '');
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
      configurations.set(jobId, body?.configuration);
      send(200, {
        kind: 'bigquery#job',
        id: `${match[1]}:US.${jobId}`,
        jobReference: { projectId: match[1], jobId, location: 'US' },
        configuration: body?.configuration,
        status: { state: 'DONE' },
      });
      return;
    }
    match = /^\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(route);
    if (req.method === 'GET' && match) {
      if (scripted('getJob')) return;
      send(200, {
        kind: 'bigquery#job',
        id: `${match[1]}:US.${match[2]}`,
        jobReference: { projectId: match[1], jobId: match[2], location: 'US' },
        configuration: configurations.get(match[2] as string),
        status: { state: 'DONE' },
        statistics: { query: {} },
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
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closing;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(kind, ...answers) {
      const queue = scripts[kind];
      if (queue === undefined) {
        throw new ClientConfigError(
          'kind',
          `fake BigQuery scripts 'jobs', 'results', 'getJob' or 'insertAll' (got ${JSON.stringify(kind)})`,
        );
      }
      queue.push(...answers);
    },
    setResult(next) {
      if (!Array.isArray(next?.fields) || !Array.isArray(next.rows)) {
        throw new ClientConfigError(
          Array.isArray(next?.fields) ? 'rows' : 'fields',
          'setResult takes { fields, rows }: the columns and an array of rows',
        );
      }
      result = { fields: [...next.fields], rows: [...next.rows] };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
