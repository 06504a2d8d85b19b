import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Flush a directory's entries (a rename or a new file in it) to disk. Some platforms cannot open
 * a directory for this (Windows); there the rename is as durable as the platform makes it.
 */
export async function syncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Not supported here: nothing more to do.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** The temporary file {@link writeFileAtomic} writes beside `path` (one writer per file). */
export function temporaryPathOf(path: string): string {
  return `${path}.tmp`;
}

/**
 * Replace the file at `path` with `chunks` so that a crash leaves the old file or the new one,
 * never half of one: write a temporary file beside it, flush it, rename it over `path`, flush the
 * directory. One writer per file at a time: the temporary file's name is fixed, so a crash's
 * leftover can be found and removed.
 *
 * @example
 * ```ts
 * await writeFileAtomic('/data/pipewell.json', [JSON.stringify({ format: 1 })]);
 * ```
 */
export async function writeFileAtomic(path: string, chunks: Iterable<string>): Promise<number> {
  const temporary = temporaryPathOf(path);
  const handle = await open(temporary, 'w');
  let bytes = 0;
  try {
    let pending: string[] = [];
    let pendingBytes = 0;
    for (const chunk of chunks) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      // Write in pieces of about 1 MiB: a snapshot of a large journal need not be one string.
      if (pendingBytes >= 1 << 20) {
        const text = pending.join('');
        bytes += Buffer.byteLength(text);
        await handle.writeFile(text);
        pending = [];
        pendingBytes = 0;
      }
    }
    const text = pending.join('');
    bytes += Buffer.byteLength(text);
    await handle.writeFile(text);
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
  await syncDirectory(dirname(path));
  return bytes;
}
