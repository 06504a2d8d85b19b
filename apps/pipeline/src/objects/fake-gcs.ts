import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

/** An object the fake holds: its bytes and the metadata it was uploaded with. */
export interface FakeGcsObject {
  /** The object's bytes. */
  readonly body: Buffer;
  /** The media type it was uploaded with. */
  readonly contentType: string;
  /** Increases with every write of any object, as GCS generations do. */
  readonly generation: number;
}

/** A request the fake received. */
export interface FakeGcsRequest {
  /** `GET` or `POST`. */
  readonly method: string;
  /** What the request was: an upload, a download, a metadata read, a list, or `'other'`. */
  readonly kind: FakeGcsKind | 'other';
  /** The path as sent, with any `/storage/v1` prefix. */
  readonly path: string;
  /** The query string's parameters (`uploadType`, `prefix`, `pageToken`, `alt`, ...). */
  readonly query: Readonly<Record<string, string>>;
}

/** The kinds of JSON API call the fake answers. */
export type FakeGcsKind = 'upload' | 'download' | 'metadata' | 'list';

/**
 * What the fake answers next for a kind of request instead of serving it: a status with a GCS
 * error body, or `'reset'`, which drops the connection once the first bytes of the request
 * arrive (for an upload: with its body half sent).
 */
export type FakeGcsAnswer = { readonly status: number; readonly message?: string } | 'reset';

/** Options of {@link startFakeGcs}. */
export interface FakeGcsOptions {
  /**
   * The buckets that exist; any other answers 404 as GCS does.
   * @default ['pipewell-test']
   */
  readonly buckets?: readonly string[];
  /**
   * The most items one list page holds, whatever `maxResults` asks for (GCS caps pages at 1,000).
   * @default 1000
   */
  readonly pageSize?: number;
}

/**
 * A loopback HTTP server speaking the Cloud Storage JSON API calls the GCS object store makes,
 * with an in-memory store and scripted failures. Made by {@link startFakeGcs}.
 */
export interface FakeGcs extends AsyncDisposable {
  /** The base URL (`http://127.0.0.1:PORT`): a Storage `apiEndpoint` or `STORAGE_EMULATOR_HOST`. */
  readonly url: string;
  /** Every request received, oldest first; clear it with `requests.length = 0`. */
  readonly requests: FakeGcsRequest[];
  /** The objects of `bucket` by name (live: tests may read or seed it). */
  objects(bucket: string): Map<string, FakeGcsObject>;
  /** Queue answers for the next requests of a kind; a kind with nothing queued is served. */
  script(kind: FakeGcsKind, ...answers: FakeGcsAnswer[]): void;
  /** Stop the server and drop its connections. Idempotent. */
  close(): Promise<void>;
}

function crc32cOf(body: Buffer): string {
  const crc = new CRC32C();
  crc.update(body);
  return crc.toString();
}

function md5Of(body: Buffer): string {
  return createHash('md5').update(body).digest('base64');
}

function resource(bucket: string, name: string, object: FakeGcsObject): Record<string, unknown> {
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${object.generation}`,
    name,
    bucket,
    generation: String(object.generation),
    metageneration: '1',
    contentType: object.contentType,
    size: String(object.body.length),
    md5Hash: md5Of(object.body),
    crc32c: crc32cOf(object.body),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, message: string): void {
  const reason = status === 404 ? 'notFound' : status >= 500 ? 'backendError' : 'invalid';
  sendJson(response, status, {
    error: { code: status, message, errors: [{ domain: 'global', reason, message }] },
  });
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Split a `multipart/related` body into its metadata JSON and its media part. */
function parseMultipart(
  body: Buffer,
  contentType: string,
): { metadata: Record<string, unknown>; media: Buffer; mediaType: string } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (boundary === undefined)
    throw new Error(`multipart upload without a boundary: ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    parts.push(body.subarray(start + delimiter.length, next));
    start = next;
  }
  if (parts.length !== 2) throw new Error(`multipart upload with ${parts.length} parts, not 2`);
  const split = (part: Buffer): { headers: string; content: Buffer } => {
    const end = part.indexOf('\r\n\r\n');
    // A part is `\r\n<headers>\r\n\r\n<content>\r\n`.
    return {
      headers: part.subarray(0, end).toString('utf8'),
      content: part.subarray(end + 4, part.length - 2),
    };
  };
  const [first, second] = parts.map(split) as [
    { headers: string; content: Buffer },
    { headers: string; content: Buffer },
  ];
  const mediaType = /content-type:\s*([^\r\n]+)/i.exec(second.headers)?.[1]?.trim();
  return {
    metadata: JSON.parse(first.content.toString('utf8')) as Record<string, unknown>,
    media: second.content,
    mediaType: mediaType ?? 'application/octet-stream',
  };
}

interface Route {
  readonly kind: FakeGcsKind;
  readonly bucket: string;
  readonly name?: string;
}

function route(method: string, pathname: string, query: Record<string, string>): Route | undefined {
  // With STORAGE_EMULATOR_HOST the library drops `/storage/v1` from non-upload calls.
  const path = pathname.replace(/^\/storage\/v1(?=\/)/, '');
  const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
  if (upload !== null && method === 'POST') {
    return { kind: 'upload', bucket: decodeURIComponent(upload[1] as string) };
  }
  const list = /^\/b\/([^/]+)\/o$/.exec(path);
  if (list !== null && method === 'GET') {
    return { kind: 'list', bucket: decodeURIComponent(list[1] as string) };
  }
  const object = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path);
  if (object !== null && method === 'GET') {
    return {
      kind: query.alt === 'media' ? 'download' : 'metadata',
      bucket: decodeURIComponent(object[1] as string),
      name: decodeURIComponent(object[2] as string),
    };
  }
  return undefined;
}

/**
 * Start a {@link FakeGcs} on a free loopback port: the JSON API calls of objects insert
 * (`uploadType=media` or `multipart`; resumable uploads are refused), objects get (`alt=media`
 * and metadata) and objects list (`prefix`, `pageToken`, pages of at most `pageSize`). An upload
 * is stored only once its whole body has arrived, so a failed upload leaves nothing.
 *
 * @example
 * ```ts
 * const fake = await startFakeGcs({ pageSize: 2 });
 * const storage = new Storage({ apiEndpoint: fake.url, projectId: 'demo' });
 * ```
 */
export async function startFakeGcs(options: FakeGcsOptions = {}): Promise<FakeGcs> {
  const pageSize = options.pageSize ?? 1000;
  const buckets = new Map<string, Map<string, FakeGcsObject>>();
  for (const name of options.buckets ?? ['pipewell-test']) buckets.set(name, new Map());
  const scripts = new Map<FakeGcsKind, FakeGcsAnswer[]>();
  const requests: FakeGcsRequest[] = [];
  let generation = 0;

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const method = request.method ?? 'GET';
    const found = route(method, url.pathname, query);
    requests.push({ method, kind: found?.kind ?? 'other', path: url.pathname, query });
    if (found === undefined) {
      sendError(response, 501, `the fake does not serve ${method} ${url.pathname}`);
      return;
    }
    const scripted = scripts.get(found.kind)?.shift();
    if (scripted === 'reset') {
      request.once('data', () => request.socket.destroy());
      if (method === 'GET') request.socket.destroy();
      return;
    }
    if (scripted !== undefined) {
      await readBody(request);
      sendError(response, scripted.status, scripted.message ?? `scripted ${scripted.status}`);
      return;
    }
    const objects = buckets.get(found.bucket);
    if (objects === undefined) {
      await readBody(request);
      sendError(response, 404, 'The specified bucket does not exist.');
      return;
    }
    switch (found.kind) {
      case 'upload': {
        const body = await readBody(request);
        const type = query.uploadType;
        let name = query.name;
        let media: Buffer;
        let contentType: string;
        if (type === 'multipart') {
          const parsed = parseMultipart(body, request.headers['content-type'] ?? '');
          name = typeof parsed.metadata.name === 'string' ? parsed.metadata.name : name;
          media = parsed.media;
          contentType =
            typeof parsed.metadata.contentType === 'string'
              ? parsed.metadata.contentType
              : parsed.mediaType;
        } else if (type === 'media') {
          media = body;
          contentType = request.headers['content-type'] ?? 'application/octet-stream';
        } else {
          sendError(response, 400, `the fake serves uploadType media or multipart, not ${type}`);
          return;
        }
        if (name === undefined || name === '') {
          sendError(response, 400, 'Required parameter: name');
          return;
        }
        generation += 1;
        const object: FakeGcsObject = { body: media, contentType, generation };
        objects.set(name, object);
        sendJson(response, 200, resource(found.bucket, name, object));
        return;
      }
      case 'download':
      case 'metadata': {
        const name = found.name as string;
        const object = objects.get(name);
        if (object === undefined) {
          sendError(response, 404, `No such object: ${found.bucket}/${name}`);
          return;
        }
        if (found.kind === 'metadata') {
          sendJson(response, 200, resource(found.bucket, name, object));
          return;
        }
        response.writeHead(200, {
          'content-type': object.contentType,
          'content-length': object.body.length,
          'x-goog-hash': `crc32c=${crc32cOf(object.body)},md5=${md5Of(object.body)}`,
          'x-goog-generation': String(object.generation),
        });
        response.end(object.body);
        return;
      }
      case 'list': {
        const prefix = query.prefix ?? '';
        const asked = Number(query.maxResults ?? pageSize);
        const size = Math.min(pageSize, asked > 0 ? asked : pageSize);
        const after =
          query.pageToken === undefined
            ? undefined
            : Buffer.from(query.pageToken, 'base64url').toString('utf8');
        const byBytes = (a: string, b: string): number =>
          Buffer.compare(Buffer.from(a), Buffer.from(b));
        const names = [...objects.keys()]
          .filter(
            (name) => name.startsWith(prefix) && (after === undefined || byBytes(name, after) > 0),
          )
          .sort(byBytes);
        const page = names.slice(0, size);
        const last = page[page.length - 1];
        sendJson(response, 200, {
          kind: 'storage#objects',
          items: page.map((name) =>
            resource(found.bucket, name, objects.get(name) as FakeGcsObject),
          ),
          ...(names.length > size && last !== undefined
            ? { nextPageToken: Buffer.from(last).toString('base64url') }
            : {}),
        });
        return;
      }
    }
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 400, (error as Error).message);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    objects(bucket) {
      let objects = buckets.get(bucket);
      if (objects === undefined) {
        objects = new Map();
        buckets.set(bucket, objects);
      }
      return objects;
    },
    script(kind, ...answers) {
      const queue = scripts.get(kind) ?? [];
      queue.push(...answers);
      scripts.set(kind, queue);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
