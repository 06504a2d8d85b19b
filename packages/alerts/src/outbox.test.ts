import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVirtualClock } from '@pipewell/core/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileOutbox } from './file-outbox.js';
import { createMemoryOutbox } from './outbox.js';
import { AlertOutboxError } from './outbox-error.js';
import { recordingLogger } from './test-support.js';
import { createOutboxEntry, durableOutboxContract, outboxContract } from './testing.js';

const root = mkdtempSync(join(tmpdir(), 'pipewell-alerts-outbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(root, `run-${++files}`, 'outbox.json');

describe('createMemoryOutbox', () => {
  outboxContract({ it, expect, makeOutbox: (limits) => createMemoryOutbox(limits) });

  it('reports its size', async () => {
    const outbox = createMemoryOutbox();
    await outbox.add(createOutboxEntry());
    expect(outbox.size).toBe(1);
  });
});

describe('createFileOutbox', () => {
  describe('the outbox contract', () => {
    outboxContract({
      it,
      expect,
      makeOutbox: (limits) => createFileOutbox({ path: freshPath(), ...limits }),
    });
  });

  describe('with an alerter, across restarts', () => {
    durableOutboxContract({
      it,
      expect,
      beforeEach,
      afterEach,
      openOutbox: (name, limits) =>
        createFileOutbox({ path: join(root, name, 'outbox.json'), ...limits }),
    });
  });

  it('rejects a missing path naming the option', () => {
    expect(() => createFileOutbox({} as never)).toThrow('createFileOutbox needs { path }');
    expect(() => createFileOutbox({ path: freshPath(), lockTimeoutMs: -1 })).toThrow(
      '"lockTimeoutMs"',
    );
  });

  it('writes atomically: a reader never sees a partial file, and no temporary file is left', async () => {
    const path = freshPath();
    const outbox = createFileOutbox({ path });
    await outbox.add(createOutboxEntry());
    let writing = true;
    const writer = (async () => {
      // Large entries make each write take long enough for a reader to land inside it.
      const body = 'x'.repeat(200_000);
      for (let i = 0; i < 20; i++) await outbox.add(createOutboxEntry({ lastError: body }));
      writing = false;
    })();
    let reads = 0;
    const torn: string[] = [];
    while (writing) {
      const text = await readFile(path, 'utf8');
      reads++;
      try {
        JSON.parse(text);
      } catch {
        torn.push(`${text.length} bytes`);
      }
    }
    await writer;
    expect(reads).toBeGreaterThan(10);
    expect(torn).toEqual([]);
    expect(await outbox.list()).toHaveLength(21);
    expect(readdirSync(join(path, '..')).filter((name) => name !== 'outbox.json')).toEqual([]);
  });

  it('quarantines a torn file with a clear error, and keeps working', async () => {
    const path = freshPath();
    const outbox = createFileOutbox({ path });
    await outbox.add(createOutboxEntry());
    const torn = readFileSync(path, 'utf8').slice(0, 120);
    writeFileSync(path, torn);
    const logs = recordingLogger();
    const reopened = createFileOutbox({ path, logger: logs.logger });
    expect(await reopened.list()).toEqual([]);
    const aside = readdirSync(join(path, '..')).filter((name) => name.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(path, '..', aside[0] as string), 'utf8')).toBe(torn);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toContain('the outbox file could not be read');
    expect(logs.lines[0]).toContain('not JSON');
    expect(logs.lines[0]).toContain(path);
    const entry = createOutboxEntry();
    await reopened.add(entry);
    expect(await reopened.list()).toEqual([entry]);
  });

  it('keeps the readable entries of a damaged file and quarantines the original', async () => {
    const path = freshPath();
    const outbox = createFileOutbox({ path });
    const good = createOutboxEntry();
    await outbox.add(good);
    const data = JSON.parse(readFileSync(path, 'utf8')) as { entries: unknown[] };
    data.entries.push({ id: 'broken', sink: 'slack', attempts: 'many' });
    writeFileSync(path, JSON.stringify(data));
    const logs = recordingLogger();
    const reopened = createFileOutbox({ path, logger: logs.logger });
    expect(await reopened.list()).toEqual([good]);
    expect(logs.lines[0]).toContain('entry 1: bad lastError');
    // Rewritten without the bad entry: the next reader sees a clean file and logs nothing.
    const again = recordingLogger();
    expect(await createFileOutbox({ path, logger: again.logger }).list()).toEqual([good]);
    expect(again.lines).toEqual([]);
  });

  it('quarantines JSON that is not an outbox file', async () => {
    const path = freshPath();
    await createFileOutbox({ path }).list();
    writeFileSync(path, JSON.stringify({ hello: 'world' }));
    const logs = recordingLogger();
    expect(await createFileOutbox({ path, logger: logs.logger }).list()).toEqual([]);
    expect(logs.lines[0]).toContain('not an alert outbox file');
  });

  it('breaks a lock left by a process that is gone', async () => {
    const path = freshPath();
    await createFileOutbox({ path }).list();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${path}.lock`, `${dead}\n`);
    const entry = createOutboxEntry();
    await createFileOutbox({ path }).add(entry);
    expect(await createFileOutbox({ path }).list()).toEqual([entry]);
  });

  it('waits for a live lock, then fails naming the lock file', async () => {
    const path = freshPath();
    await createFileOutbox({ path }).list();
    // A live process (this one, as far as the check can tell) holds the lock.
    writeFileSync(`${path}.lock`, `${process.pid}\n`);
    const clock = createVirtualClock();
    const waiting = createFileOutbox({ path, clock, lockTimeoutMs: 500 }).list();
    const failure = waiting.catch((error: unknown) => error);
    await clock.runAll(waiting);
    const error = await failure;
    expect(AlertOutboxError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`${path}.lock`);
    expect(clock.now()).toBeGreaterThanOrEqual(500);
    rmSync(`${path}.lock`);
  });

  it('loses nothing when two outboxes on one file add and claim at once', async () => {
    const path = freshPath();
    const a = createFileOutbox({ path });
    const b = createFileOutbox({ path });
    const entries = Array.from({ length: 20 }, (_, i) => createOutboxEntry({ nextAttemptAt: i }));
    await Promise.all(entries.map((entry, i) => (i % 2 === 0 ? a : b).add(entry)));
    expect(await a.list()).toHaveLength(20);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a : b).claim({ now: 100, leaseMs: 1_000, limit: 3 }),
      ),
    );
    const ids = claims.flat().map((claim) => claim.entry.id);
    expect(ids.sort()).toEqual(entries.map((entry) => entry.id).sort());
  });

  // Real processes racing freely pass with the old lock too, nearly always: the interleavings
  // that lost writes are forced step by step in file-outbox-lock.test.ts.
  it('loses nothing when two processes add to one file at once', async () => {
    const path = freshPath();
    const source = fileURLToPath(new URL('./file-outbox.ts', import.meta.url));
    const script = join(root, `writer-${files}.mts`);
    writeFileSync(
      script,
      `import { createFileOutbox } from ${JSON.stringify(source)};
const [path, prefix, count] = process.argv.slice(2);
const outbox = createFileOutbox({ path });
const alert = { id: prefix, severity: 'error', title: 't', fields: {}, links: [], at: 0, suppressed: { repeats: 0, rateLimited: 0 } };
await Promise.all(Array.from({ length: Number(count) }, (_, i) =>
  outbox.add({ id: prefix + '-' + i + ':slack', sink: 'slack', alert, attempts: 1, firstFailedAt: 0, nextAttemptAt: 0, lastError: '' })));
`,
    );
    const run = (prefix: string) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--conditions=@pipewell/source', script, path, prefix, '25'],
          { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: 'inherit' },
        );
        child.on('error', reject);
        child.on('exit', resolve);
      });
    expect(await Promise.all([run('a'), run('b')])).toEqual([0, 0]);
    expect(await createFileOutbox({ path }).list()).toHaveLength(50);
    expect(readdirSync(join(path, '..')).sort()).toEqual(['outbox.json']);
  }, 60_000);
});
