import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryBreakerStore } from '@pipewell/circuit-breaker';
import {
  createRecordingLogger,
  createVirtualClock,
  type RecordingLogger,
  type VirtualClock,
} from '@pipewell/core/testing';
import type { League } from '../league/generate.js';
import { openLocalObjectStore } from '../objects/local-objects.js';
import type { ObjectStore } from '../objects/port.js';
import { type ProviderHandle, startProvider } from '../provider/server.js';
import { createSourceHttp, type SourceHttp, type SourceHttpOptions } from './http.js';
import type { SourceConfig } from './source-config.js';

// Test-only wiring shared by the scraper tests: a loopback provider, a virtual clock, an object
// store in a temporary directory and the HTTP client over them.

/** The keys the test provider demands. */
export const KEYS = { balldontlie: 'bdl-test-key', oddsApi: 'odds-test-key' } as const;

/** The source config pointing at `provider`. */
export function configOf(provider: ProviderHandle): SourceConfig {
  return {
    nbaCdn: { baseUrl: provider.urls.nbaCdn },
    balldontlie: { baseUrl: provider.urls.balldontlie, apiKey: KEYS.balldontlie },
    espn: { baseUrl: provider.urls.espn },
    oddsApi: { baseUrl: provider.urls.oddsApi, apiKey: KEYS.oddsApi },
  };
}

/** Everything a scraper test works with. */
export interface Harness {
  readonly provider: ProviderHandle;
  readonly clock: VirtualClock;
  readonly logger: RecordingLogger;
  readonly objects: ObjectStore;
  readonly http: SourceHttp;
  /** Await `promise`, advancing the virtual clock by each retry wait as it is logged; the waits taken. */
  drive<T>(promise: Promise<T>): Promise<{ result: T; waits: number[] }>;
  close(): Promise<void>;
}

/** Start a provider on `league` and wire a client to it. */
export async function openHarness(
  league: League,
  http: Partial<SourceHttpOptions> = {},
): Promise<Harness> {
  const clock = createVirtualClock({ now: Date.parse('2026-01-25T15:00:00Z') });
  const logger = createRecordingLogger();
  const provider = await startProvider({
    league,
    balldontlieKey: KEYS.balldontlie,
    oddsApiKey: KEYS.oddsApi,
  });
  const dir = await mkdtemp(join(tmpdir(), 'pipewell-scrapers-'));
  const objects = await openLocalObjectStore({ dir });
  const client = createSourceHttp({
    config: configOf(provider),
    clock,
    logger,
    breakerStore: createMemoryBreakerStore(),
    random: () => 0.5,
    env: {},
    ...http,
  });

  const drive = async <T>(promise: Promise<T>) => {
    const waits: number[] = [];
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    let seen = 0;
    while (!settled) {
      // Real I/O on loopback: give it a real moment, then take any retry wait that was logged.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const retries = logger.entries.filter((e) => e.msg === 'source request retried');
      for (const entry of retries.slice(seen)) {
        const delayMs = entry.fields.delayMs as number;
        waits.push(delayMs);
        await clock.advance(delayMs);
      }
      seen = retries.length;
    }
    return { result: await watched, waits };
  };

  return {
    provider,
    clock,
    logger,
    objects,
    http: client,
    drive,
    async close() {
      await client.close();
      await provider.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
