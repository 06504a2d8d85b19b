import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalError } from '../data-dir/errors.js';
import { stateStoreContract } from './contract.js';
import { type LocalStateStoreOptions, openLocalStateStore } from './local-state.js';

let dir: string;
const opened: Array<{ close(): Promise<void> }> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipewell-state-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await rm(dir, { recursive: true, force: true });
});

stateStoreContract('local', async ({ clock }) => {
  // Each store in a directory of its own, removed with the test's.
  const own = await mkdtemp(join(dir, 'contract-'));
  return openLocalStateStore({ dir: own, clock });
});

async function open(options: Partial<LocalStateStoreOptions> = {}) {
  const store = await openLocalStateStore({ dir, clock: createVirtualClock(), ...options });
  opened.push(store);
  return store;
}

interface Counter {
  count: number;
  by?: string[];
}

describe('openLocalStateStore', () => {
  it('keeps documents across a reopen: sets, updates and deletes as they were last written', async () => {
    const first = await open();
    await first.set('runs', 'r1', { status: 'running', rows: [1, 2], nested: { ok: true } });
    await first.set('runs', 'r2', { status: 'running' });
    await first.update<{ status: string }>('runs', 'r2', (current) => ({
      ...(current ?? { status: '' }),
      status: 'succeeded',
    }));
    await first.set('runs', 'r3', { status: 'failed' });
    expect(await first.delete('runs', 'r3')).toBe(true);
    await first.close();

    const second = await open();
    expect(await second.get('runs', 'r1')).toEqual({
      status: 'running',
      rows: [1, 2],
      nested: { ok: true },
    });
    expect(await second.get('runs', 'r2')).toEqual({ status: 'succeeded' });
    expect(await second.get('runs', 'r3')).toBeUndefined();
    expect(second.recovery).toMatchObject({ created: false, records: 5, tornTail: undefined });
  });

  it('loses no update when many update one document at once, even with async functions', async () => {
    const store = await open();
    const writers = Array.from({ length: 200 }, (_, i) => `w${i}`);
    await Promise.all(
      writers.map((writer) =>
        store.update<Counter>('counters', 'c', async (current) => {
          // Yield in the middle of the read-modify-write, where a racing update would interleave.
          await new Promise((resolve) => setImmediate(resolve));
          return { count: (current?.count ?? 0) + 1, by: [...(current?.by ?? []), writer] };
        }),
      ),
    );
    const final = await store.get<Counter>('counters', 'c');
    expect(final?.count).toBe(200);
    expect(final?.by).toEqual(writers);
    await store.close();
    await expect((await open()).get<Counter>('counters', 'c')).resolves.toMatchObject({
      count: 200,
    });
  });

  it('leaves the document unchanged and writes nothing when the update function returns undefined', async () => {
    const store = await open();
    await store.set('docs', 'a', { v: 1 });
    await store.close();
    const before = (await stat(join(dir, 'state.jsonl'))).size;
    const reopened = await open();
    const result = await reopened.update<{ v: number }>('docs', 'a', () => undefined);
    expect(result).toEqual({ v: 1 });
    expect(await reopened.update('docs', 'missing', () => undefined)).toBeUndefined();
    await reopened.close();
    expect((await stat(join(dir, 'state.jsonl'))).size).toBe(before);
  });

  it('hides a document from every read once its expireAt passes, and the sweep removes it for good', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    const store = await open({ clock });
    await store.set('leases', 'a', { holder: 'x' }, { expireAt: 2_000 });
    await store.set('leases', 'b', { holder: 'y' });
    expect(await store.get('leases', 'a')).toEqual({ holder: 'x' });
    // An update without expireAt keeps the document's expiry.
    await store.update<{ holder: string }>('leases', 'a', () => ({ holder: 'z' }));

    await clock.advance(1_000);
    expect(await store.get('leases', 'a')).toBeUndefined();
    expect((await store.list('leases')).map((entry) => entry.id)).toEqual(['b']);
    expect(
      await store.update<{ holder: string }>('leases', 'a', (current) => current),
    ).toBeUndefined();
    await store.close();

    // Reopened on a clock from before the expiry: the sweep deleted it, so it stays gone.
    const reopened = await open({ clock: createVirtualClock({ now: 0 }) });
    expect(await reopened.get('leases', 'a')).toBeUndefined();
    expect(await reopened.get('leases', 'b')).toEqual({ holder: 'y' });
  });

  it('drops a last line cut short by a crash, reports it, and writes whole lines after it', async () => {
    const first = await open();
    await first.set('docs', 'a', { v: 1 });
    await first.set('docs', 'b', { v: 2 });
    await first.close();
    // A crash in the middle of writing the next line.
    const torn = '{"t":"set","c":"docs","id":"c","d":{"v"';
    await appendFile(join(dir, 'state.jsonl'), torn);

    const logger = createRecordingLogger();
    const second = await open({ logger });
    expect(second.recovery.tornTail).toEqual({ line: 4, bytes: torn.length });
    expect(logger.at('warn')).toEqual([
      expect.objectContaining({ msg: expect.stringContaining('cut short by a crash') }),
    ]);
    expect(await second.get('docs', 'a')).toEqual({ v: 1 });
    expect(await second.get('docs', 'c')).toBeUndefined();
    await second.set('docs', 'd', { v: 4 });
    await second.close();

    const third = await open();
    expect(third.recovery.tornTail).toBeUndefined();
    expect(await third.get('docs', 'd')).toEqual({ v: 4 });
  });

  it('refuses a journal damaged before its last line, naming the file and the line', async () => {
    const first = await open();
    await first.set('docs', 'a', { v: 1 });
    await first.close();
    await appendFile(join(dir, 'state.jsonl'), 'garbage\n{"t":"del","c":"docs","id":"a"}\n');
    const error = await catchError(open(), JournalError);
    expect(error.message).toContain(join(dir, 'state.jsonl'));
    expect(error.message).toContain('line 3');
  });

  it('refuses a file that is not a state journal', async () => {
    await writeFile(join(dir, 'state.jsonl'), '{"journal":"pipewell-queue","format":1}\n');
    const error = await catchError(open(), JournalError);
    expect(error.message).toContain('is not a pipewell state journal');
  });

  it('compacts the journal to the live documents once it outgrows them', async () => {
    const store = await open({ compactAfterBytes: 4_096 });
    for (let i = 0; i < 400; i++) {
      await store.update<Counter>('counters', 'c', (current) => ({
        count: (current?.count ?? 0) + 1,
      }));
    }
    await store.set('docs', 'gone', { v: 1 });
    await store.delete('docs', 'gone');
    await store.close();
    const journal = await readFile(join(dir, 'state.jsonl'), 'utf8');
    // 400 updates take about 24 KB uncompacted.
    expect(journal.length).toBeLessThan(8_192);
    const reopened = await open();
    expect(await reopened.get('counters', 'c')).toEqual({ count: 400 });
    expect(await reopened.get('docs', 'gone')).toBeUndefined();
  });
});
