import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectStoreContract } from './contract.js';
import { openLocalObjectStore } from './local-objects.js';
import { checkObjectPath, type ObjectStore } from './port.js';

let dir: string;
let objects: ObjectStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipewell-objects-'));
  objects = await openLocalObjectStore({ dir: join(dir, 'objects') });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

objectStoreContract('local directory', async () => objects);

describe('openLocalObjectStore', () => {
  it('never lists a temporary file of a put in flight', async () => {
    await objects.put('raw/a/1.json', '1');
    await writeFile(join(dir, 'objects', 'raw', 'a', '.2.json.abc.put-tmp'), 'half');
    expect(await objects.list('raw/')).toEqual(['raw/a/1.json']);
  });

  it('leaves no temporary file behind after a put', async () => {
    await objects.put('raw/a/1.json', 'x'.repeat(10_000));
    expect(await readdir(join(dir, 'objects', 'raw', 'a'))).toEqual(['1.json']);
  });

  it('refuses a traversal: nothing is written outside the directory', async () => {
    await expect(objects.put('a/../../escaped.txt', 'x')).rejects.toThrow(/a\/\.\.\/\.\.\/escaped/);
    expect(await readdir(dir)).toEqual(['objects']);
  });

  it('keeps the temporary-file name out of reach of callers', () => {
    expect(checkObjectPath('raw/a.json')).toBe('raw/a.json');
    return expect(objects.put('raw/.a.x.put-tmp', '1')).rejects.toThrow(/temporary/);
  });
});
