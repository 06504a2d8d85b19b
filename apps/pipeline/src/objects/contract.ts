import { beforeEach, describe, expect, it } from 'vitest';
import { ObjectPathError, type ObjectStore } from './port.js';

/**
 * The behaviour every {@link ObjectStore} adapter must have, as a vitest suite: `open` makes a
 * fresh, empty store for each test (the caller cleans up what it made, in its own `afterEach`).
 *
 * @example
 * ```ts
 * objectStoreContract('local directory', async () => openLocalObjectStore({ dir: await freshDir() }));
 * ```
 */
export function objectStoreContract(name: string, open: () => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let objects: ObjectStore;

    beforeEach(async () => {
      objects = await open();
    });

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

    it('reads back an empty object', async () => {
      await objects.put('raw/empty.json', '');
      expect(await objects.getText('raw/empty.json')).toBe('');
      expect(await objects.exists('raw/empty.json')).toBe(true);
    });

    it('keeps paths with spaces, URL characters and non-ASCII letters apart', async () => {
      const paths = [
        'raw/a b/x+y.json',
        'raw/a%20b/x y.json',
        'raw/q?#/é ü.json',
        'raw/日本/1.json',
      ];
      for (const path of paths) await objects.put(path, path);
      for (const path of paths) expect(await objects.getText(path)).toBe(path);
      expect(await objects.list('raw/')).toEqual([...paths].sort());
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
      expect(await objects.list('raw/a')).toEqual([
        'raw/a/1.json',
        'raw/a/10.json',
        'raw/ab/x.json',
      ]);
      expect(await objects.list('')).toEqual([
        'raw/a/1.json',
        'raw/a/10.json',
        'raw/ab/x.json',
        'raw/b/2.json',
        'z.json',
      ]);
      expect(await objects.list('none/')).toEqual([]);
    });

    it('lists in code-unit order whatever order the store holds them in', async () => {
      const paths = Array.from({ length: 40 }, (_, i) => `raw/${(i * 7919) % 97}/${i % 3}.json`);
      paths.push('raw/a.json', 'raw/a/x.json', 'raw/\u{1F600}.json', 'raw/\uFF5E.json');
      for (const path of [...paths].reverse()) await objects.put(path, path);
      const sorted = [...paths].sort();
      expect(await objects.list('raw/')).toEqual(sorted);
      expect(sorted.indexOf('raw/a.json')).toBeLessThan(sorted.indexOf('raw/a/x.json'));
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
      await expect(objects.getText(path)).rejects.toThrow(ObjectPathError);
      await expect(objects.exists(path)).rejects.toThrow(ObjectPathError);
      expect(await objects.list('')).toEqual([]);
    });

    it('refuses a traversal or absolute prefix in list', async () => {
      await expect(objects.list('../')).rejects.toThrow(ObjectPathError);
      await expect(objects.list('/etc/')).rejects.toThrow(ObjectPathError);
      await expect(objects.list('raw/../')).rejects.toThrow(ObjectPathError);
    });
  });
}
