import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalObjectStore } from './local-objects.js';
import { checkObjectPath, ObjectPathError, type ObjectStore } from './port.js';

let dir: string;
let objects: ObjectStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipewell-objects-'));
  objects = await openLocalObjectStore({ dir: join(dir, 'objects') });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openLocalObjectStore', () => {
  it('reads back what was put, as bytes and as text', async () => {
    await objects.put('raw/espn/roster/2026-01-24/BOS.json', '{"team":"Boston – Celtics"}', {
      contentType: 'application/json',
    });
    await objects.put('raw/bin/a.bin', new Uint8Array([0, 1, 255]));
    expect(await objects.getText('raw/espn/roster/2026-01-24/BOS.json')).toBe(
      '{"team":"Boston – Celtics"}',
    );
    expect(await objects.get('raw/bin/a.bin')).toEqual(new Uint8Array([0, 1, 255]));
    expect(await objects.exists('raw/bin/a.bin')).toBe(true);
  });

  it('answers undefined and false for an object that is not there', async () => {
    await objects.put('raw/a/b.json', '1');
    expect(await objects.get('raw/a/missing.json')).toBeUndefined();
    expect(await objects.getText('raw/a/b.json/deeper')).toBeUndefined();
    expect(await objects.get('raw/a')).toBeUndefined();
    expect(await objects.exists('raw/a')).toBe(false);
    expect(await objects.exists('nothing/here')).toBe(false);
  });

  it('replaces an object on a second put', async () => {
    await objects.put('x/y.json', 'old');
    await objects.put('x/y.json', 'new');
    expect(await objects.getText('x/y.json')).toBe('new');
    expect(await objects.list('x/')).toEqual(['x/y.json']);
  });

  it('lists the paths under a prefix, sorted, prefix being a plain string prefix', async () => {
    for (const path of [
      'raw/b/2.json',
      'raw/a/1.json',
      'raw/a/10.json',
      'raw/ab/x.json',
      'z.json',
    ]) {
      await objects.put(path, path);
    }
    expect(await objects.list('raw/a/')).toEqual(['raw/a/1.json', 'raw/a/10.json']);
    expect(await objects.list('raw/a')).toEqual(['raw/a/1.json', 'raw/a/10.json', 'raw/ab/x.json']);
    expect(await objects.list('')).toEqual([
      'raw/a/1.json',
      'raw/a/10.json',
      'raw/ab/x.json',
      'raw/b/2.json',
      'z.json',
    ]);
    expect(await objects.list('none/')).toEqual([]);
  });

  it('lists in code-unit order whatever order the directories hold them in', async () => {
    const paths = Array.from({ length: 40 }, (_, i) => `raw/${(i * 7919) % 97}/${i % 3}.json`);
    paths.push('raw/a.json', 'raw/a/x.json');
    for (const path of [...paths].reverse()) await objects.put(path, path);
    const sorted = [...paths].sort();
    expect(await objects.list('raw/')).toEqual(sorted);
    expect(sorted.indexOf('raw/a.json')).toBeLessThan(sorted.indexOf('raw/a/x.json'));
  });

  it('never lists a temporary file of a put in flight', async () => {
    await objects.put('raw/a/1.json', '1');
    await writeFile(join(dir, 'objects', 'raw', 'a', '.2.json.abc.put-tmp'), 'half');
    expect(await objects.list('raw/')).toEqual(['raw/a/1.json']);
  });

  it('leaves no temporary file behind after a put', async () => {
    await objects.put('raw/a/1.json', 'x'.repeat(10_000));
    expect(await readdir(join(dir, 'objects', 'raw', 'a'))).toEqual(['1.json']);
  });

  it('never lets a reader see half an object while a put replaces it', async () => {
    const size = 8 << 20;
    const old = 'a'.repeat(size);
    const next = 'b'.repeat(size);
    await objects.put('big.txt', old);
    let done = false;
    const writing = objects.put('big.txt', next).finally(() => {
      done = true;
    });
    const seen = new Set<string>();
    while (!done) {
      const text = (await objects.getText('big.txt')) ?? '';
      seen.add(text.length === size && (text === old || text === next) ? 'whole' : 'torn');
    }
    await writing;
    expect(seen).toEqual(new Set(['whole']));
    expect(await objects.getText('big.txt')).toBe(next);
  });

  it.each([
    ['../etc/passwd', '".." segment'],
    ['raw/../../outside.json', '".." segment'],
    ['/etc/passwd', 'absolute'],
    ['raw//a.json', 'empty segment'],
    ['raw/a/', 'empty segment'],
    ['./a.json', '"." segment'],
    ['', 'empty'],
    ['raw\\..\\a', 'backslash'],
  ])('refuses the path %j (%s), naming it', async (path, problem) => {
    const error = await objects.put(path, 'x').catch((e: unknown) => e);
    expect(ObjectPathError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(JSON.stringify(path));
    expect((error as Error).message).toContain(problem);
    await expect(objects.get(path)).rejects.toThrow(ObjectPathError);
    await expect(objects.exists(path)).rejects.toThrow(ObjectPathError);
  });

  it('refuses a traversal: nothing is written outside the directory', async () => {
    await expect(objects.put('a/../../escaped.txt', 'x')).rejects.toThrow(/a\/\.\.\/\.\.\/escaped/);
    expect(await readdir(dir)).toEqual(['objects']);
  });

  it('refuses a traversal or absolute prefix in list', async () => {
    await expect(objects.list('../')).rejects.toThrow(ObjectPathError);
    await expect(objects.list('/etc/')).rejects.toThrow(ObjectPathError);
  });

  it('keeps the temporary-file name out of reach of callers', () => {
    expect(checkObjectPath('raw/a.json')).toBe('raw/a.json');
    return expect(objects.put('raw/.a.x.put-tmp', '1')).rejects.toThrow(/temporary/);
  });
});
