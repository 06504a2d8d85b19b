import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { checkObjectPath, ObjectPathError, type ObjectStore } from './port.js';

/** Options of {@link openLocalObjectStore}. */
export interface LocalObjectStoreOptions {
  /** The directory objects live under; created when missing. */
  readonly dir: string;
}

/** A temporary file of a put in flight, beside its target: `.<name>.<random>.put-tmp`. */
const TEMPORARY = /^\..*\.put-tmp$/;

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Open an {@link ObjectStore} on a directory: each object is a file at its path under `dir`. A
 * put writes a temporary file beside the target and renames it over the target, so a reader sees
 * the old object or the new one, never half of one. It does not fsync: raw payloads can be fetched
 * again, and a season writes thousands of them.
 *
 * @example
 * ```ts
 * const objects = await openLocalObjectStore({ dir: './.pipewell/objects' });
 * await objects.put('raw/espn/roster/2026-01-24/BOS.json', text, { contentType: 'application/json' });
 * ```
 */
export async function openLocalObjectStore(options: LocalObjectStoreOptions): Promise<ObjectStore> {
  const root = resolve(options.dir);
  await mkdir(root, { recursive: true });

  const fileOf = (path: string): string => {
    checkObjectPath(path);
    const last = path.slice(path.lastIndexOf('/') + 1);
    if (TEMPORARY.test(last)) {
      throw new ObjectPathError(path, 'its name is kept for temporary files (.*.put-tmp)');
    }
    return join(root, ...path.split('/'));
  };

  const get = async (path: string): Promise<Uint8Array | undefined> => {
    const file = fileOf(path);
    try {
      return new Uint8Array(await readFile(file));
    } catch (error) {
      if (isMissing(error) || (error as { code?: unknown }).code === 'EISDIR') return undefined;
      throw error;
    }
  };

  const walk = async (dir: string, relative: string, into: string[]): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), path, into);
      else if (entry.isFile() && !TEMPORARY.test(entry.name)) into.push(path);
    }
  };

  return {
    async put(path, body) {
      const file = fileOf(path);
      const dir = dirname(file);
      await mkdir(dir, { recursive: true });
      const name = file.slice(dir.length + 1);
      const temporary = join(dir, `.${name}.${randomBytes(6).toString('hex')}.put-tmp`);
      try {
        await writeFile(temporary, body);
        await rename(temporary, file);
      } catch (error) {
        await unlink(temporary).catch(() => {});
        throw error;
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
        return (await stat(file)).isFile();
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    async list(prefix) {
      const cut = prefix.lastIndexOf('/');
      const base = cut < 0 ? '' : prefix.slice(0, cut);
      if (prefix.startsWith('/')) throw new ObjectPathError(prefix, 'it is absolute');
      if (base !== '') checkObjectPath(base);
      const found: string[] = [];
      await walk(base === '' ? root : join(root, ...base.split('/')), base, found);
      return found.filter((path) => path.startsWith(prefix)).sort();
    },
  };
}
