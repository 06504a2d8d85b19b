import { type Bucket, IdempotencyStrategy, Storage } from '@google-cloud/storage';
import {
  type Logger,
  PipewellError,
  type PipewellErrorOptions,
  PipewellOptionsError,
  silentLogger,
} from '@pipewell/core';
import { checkObjectPath, ObjectPathError, type ObjectStore } from './port.js';

/** Options of {@link openGcsObjectStore}. */
export interface GcsObjectStoreOptions {
  /** The bucket objects live in, such as `'my-project-pipewell-raw'`. */
  readonly bucket: string;
  /**
   * A folder inside the bucket every path lives under, ending in `/` (`'pipewell/'`); paths and
   * list results never show it.
   * @default ''
   */
  readonly prefix?: string;
  /**
   * The client to use. Its own settings rule (endpoint, credentials, retries).
   * @default a `new Storage({ apiEndpoint })`, which honours `STORAGE_EMULATOR_HOST`, and retries
   * uploads as well as reads (a put is idempotent: the same path gets the same bytes)
   */
  readonly storage?: Storage;
  /**
   * The JSON API endpoint of the default client, such as a loopback server's URL; ignored when
   * `storage` is given.
   * @default `STORAGE_EMULATOR_HOST` when set, else Google's endpoint
   */
  readonly apiEndpoint?: string;
  /**
   * Where failed calls are logged (at `warn`, with bucket, path and status).
   * @default silentLogger
   */
  readonly logger?: Logger;
}

/** What a {@link GcsObjectStoreError} was doing. */
export type GcsObjectOperation = 'put' | 'get' | 'exists' | 'list';

/** A Cloud Storage call of the GCS object store that failed (after the client's own retries). */
export class GcsObjectStoreError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.GcsObjectStoreError';
  override readonly name: string = 'GcsObjectStoreError';
  /** The call that failed. */
  readonly operation: GcsObjectOperation;
  /** The bucket. */
  readonly bucket: string;
  /** The object path (or list prefix) as the caller gave it, without the store's prefix. */
  readonly path: string;
  /** The HTTP status Cloud Storage answered, or undefined when there was no answer. */
  readonly status: number | undefined;
  /** True for a status that will not change on a retry (400, 401, 403, 404, 412...). */
  readonly permanent: boolean;

  /** Create an error for `operation` on `path` in `bucket`; `cause` is the client's error. */
  constructor(
    operation: GcsObjectOperation,
    bucket: string,
    path: string,
    status: number | undefined,
    options?: PipewellErrorOptions,
  ) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      `Cloud Storage ${operation} of ${JSON.stringify(path)} in bucket ${JSON.stringify(bucket)} failed${status === undefined ? '' : ` with status ${status}`}${cause}`,
      options,
    );
    this.operation = operation;
    this.bucket = bucket;
    this.path = path;
    this.status = status;
    this.permanent =
      status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
  }
}

// Bucket names: 3-63 characters (up to 222 with dots), lowercase letters, digits, -, _ and dots.
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  let problem = prefix.endsWith('/') ? undefined : 'it must end with "/"';
  if (problem === undefined) {
    try {
      checkObjectPath(prefix.slice(0, -1));
    } catch (error) {
      problem = (error as Error).message;
    }
  }
  if (problem !== undefined) {
    throw new PipewellOptionsError(
      'prefix',
      `prefix ${JSON.stringify(prefix)} is refused: ${problem}`,
    );
  }
  return prefix;
}

/** As the local store: a list prefix is any string whose folder part (up to its last `/`) is a path. */
function checkListPrefix(prefix: string): void {
  if (prefix.startsWith('/')) throw new ObjectPathError(prefix, 'it is absolute');
  const cut = prefix.lastIndexOf('/');
  if (cut > 0) checkObjectPath(prefix.slice(0, cut));
}

function defaultStorage(apiEndpoint: string | undefined): Storage {
  return new Storage({
    ...(apiEndpoint === undefined ? {} : { apiEndpoint }),
    retryOptions: { idempotencyStrategy: IdempotencyStrategy.RetryAlways },
  });
}

/**
 * Open an {@link ObjectStore} on a Cloud Storage bucket: each path is an object named
 * `prefix + path`. A put is one single-request (multipart) upload, never a resumable one, so it is
 * all or nothing: Cloud Storage keeps the object only once the whole body has arrived, and a reader
 * sees the old object or the new one. List pages through the bucket and returns the paths sorted in
 * code-unit order, as the local store does. Paths are checked as {@link checkObjectPath} does,
 * before any request.
 *
 * @example
 * ```ts
 * const objects = await openGcsObjectStore({ bucket: 'my-project-pipewell-raw', prefix: 'pipewell/' });
 * await objects.put('raw/espn/roster/2026-01-24/BOS.json', text, { contentType: 'application/json' });
 * ```
 */
export async function openGcsObjectStore(options: GcsObjectStoreOptions): Promise<ObjectStore> {
  const bucketName = options.bucket;
  if (!BUCKET_NAME.test(bucketName)) {
    throw new PipewellOptionsError(
      'bucket',
      `bucket ${JSON.stringify(bucketName)} is not a Cloud Storage bucket name (3 to 222 of a-z 0-9 . - _, starting and ending with a letter or digit)`,
    );
  }
  const prefix = checkPrefix(options.prefix ?? '');
  const logger = options.logger ?? silentLogger;
  const storage = options.storage ?? defaultStorage(options.apiEndpoint);
  const bucket: Bucket = storage.bucket(bucketName);

  const failed = (operation: GcsObjectOperation, path: string, error: unknown): never => {
    const status = statusOf(error);
    logger.warn(
      { bucket: bucketName, path, operation, status, error: (error as Error).message },
      'Cloud Storage call failed',
    );
    throw new GcsObjectStoreError(operation, bucketName, path, status, { cause: error });
  };

  const fileOf = (path: string) => bucket.file(prefix + checkObjectPath(path));

  const get = async (path: string): Promise<Uint8Array | undefined> => {
    const file = fileOf(path);
    try {
      const [bytes] = await file.download();
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      return failed('get', path, error);
    }
  };

  return {
    async put(path, body, putOptions) {
      const file = fileOf(path);
      try {
        await file.save(typeof body === 'string' ? body : Buffer.from(body), {
          resumable: false,
          ...(putOptions?.contentType === undefined ? {} : { contentType: putOptions.contentType }),
        });
      } catch (error) {
        failed('put', path, error);
      }
    },
    get,
    async getText(path) {
      const bytes = await get(path);
      return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
    },
    async exists(path) {
      const file = fileOf(path);
      try {
        const [found] = await file.exists();
        return found;
      } catch (error) {
        return failed('exists', path, error);
      }
    },
    async list(listPrefix) {
      checkListPrefix(listPrefix);
      const found: string[] = [];
      let pageToken: string | undefined;
      try {
        do {
          const [files, next] = await bucket.getFiles({
            prefix: prefix + listPrefix,
            autoPaginate: false,
            fields: 'items(name),nextPageToken',
            ...(pageToken === undefined ? {} : { pageToken }),
          });
          for (const file of files) found.push(file.name.slice(prefix.length));
          pageToken = (next as { pageToken?: string } | null)?.pageToken;
        } while (pageToken !== undefined);
      } catch (error) {
        return failed('list', listPrefix, error);
      }
      return found.sort();
    },
  };
}
