import { PipewellError, type PipewellErrorOptions } from '@pipewell/core';

/** Options of {@link ObjectStore.put}. */
export interface PutOptions {
  /** The object's media type, such as `'application/json'`; backends that keep metadata store it. */
  readonly contentType?: string;
}

/**
 * Where raw payloads live: a directory on the embedded backend, a bucket on Google Cloud. Paths
 * are relative and `/`-separated, as `raw/balldontlie/stats/2026-01-24/page-1.json`.
 */
export interface ObjectStore {
  /** Write `body` at `path`, replacing any object there. Atomic: a reader sees the old object or the new one. */
  put(path: string, body: string | Uint8Array, options?: PutOptions): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(path: string): Promise<Uint8Array | undefined>;
  /** The object as UTF-8 text, or undefined when there is none. */
  getText(path: string): Promise<string | undefined>;
  /** Whether an object exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** Every object path that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

/** An object path that is empty, absolute, has an empty segment or a `.`/`..` segment. */
export class ObjectPathError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.ObjectPathError';
  override readonly name: string = 'ObjectPathError';
  /** Always true: the same path fails every time. */
  readonly permanent = true as const;
  /** The path as given. */
  readonly path: string;

  /** Create an error saying why `path` is refused. */
  constructor(path: string, problem: string, options?: PipewellErrorOptions) {
    super(`object path ${JSON.stringify(path)} is refused: ${problem}`, options);
    this.path = path;
  }
}

/**
 * Check an object path and return it: relative, `/`-separated, no empty, `.` or `..` segment,
 * no backslash or NUL. Throws {@link ObjectPathError} naming the path otherwise.
 */
export function checkObjectPath(path: string): string {
  if (path === '') throw new ObjectPathError(path, 'it is empty');
  if (path.startsWith('/')) throw new ObjectPathError(path, 'it is absolute');
  if (path.includes('\\')) throw new ObjectPathError(path, 'it holds a backslash');
  if (path.includes('\0')) throw new ObjectPathError(path, 'it holds a NUL character');
  for (const segment of path.split('/')) {
    if (segment === '') throw new ObjectPathError(path, 'it has an empty segment');
    if (segment === '.' || segment === '..') {
      throw new ObjectPathError(path, `it has a "${segment}" segment`);
    }
  }
  return path;
}
