import { describe, expect, it } from 'vitest';
import { createModelCache, type DateModels } from './index.js';

const noModels: DateModels = new Map();

describe('createModelCache', () => {
  it('fits a date once for concurrent first uses, and again for another date', async () => {
    const cache = createModelCache();
    let fits = 0;
    const fit = async () => {
      fits++;
      return noModels;
    };
    const all = await Promise.all(
      Array.from({ length: 10 }, () => cache.models('2026-01-24', fit)),
    );
    expect(new Set(all).size).toBe(1);
    await cache.models('2026-01-25', fit);
    expect(fits).toBe(2);
    expect(cache.stats.fits).toBe(2);
  });

  it('forgets a failed fit, so the next use fits again', async () => {
    const cache = createModelCache();
    await expect(
      cache.models('2026-01-24', async () => {
        throw new Error('warehouse down');
      }),
    ).rejects.toThrow('warehouse down');
    expect(await cache.models('2026-01-24', async () => noModels)).toBe(noModels);
  });

  it('keeps only the last maxEntries dates', async () => {
    const cache = createModelCache({ maxEntries: 2 });
    const fit = async () => new Map() as DateModels;
    for (const date of ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-01']) {
      await cache.models(date, fit);
    }
    expect(cache.stats.fits).toBe(4);
  });
});
