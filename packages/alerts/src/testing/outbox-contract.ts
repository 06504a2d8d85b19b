import type { Alert } from '../alert.js';
import type { AlertOutbox, OutboxEntry, OutboxLimitsOptions } from '../outbox.js';
import { type ContractTestFunctions, checkFactory, checkTestFunctions } from './test-functions.js';

let counter = 0;

/**
 * An outbox entry for a test: unique (no other call returns the same id), with the characters a
 * store must escape in its id and sink name, and every optional alert field set. `overrides`
 * replace fields of the entry.
 *
 * @example
 * ```ts
 * const entry = createOutboxEntry({ nextAttemptAt: 5_000 });
 * await outbox.add(entry);
 * expect(await outbox.list()).toEqual([entry]);
 * ```
 */
export function createOutboxEntry(overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  counter++;
  const alertId = `contract-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const alert: Alert = {
    id: alertId,
    severity: 'error',
    title: `Stale run ${counter}: ünïcode`,
    body: 'No heartbeat for 16 minutes.',
    fields: { dataDate: '2026-01-24', 'run.id': 'r/7', '': 'empty name' },
    key: `stale:${counter}`,
    links: [{ text: 'Dashboard', url: 'https://example.test/runs/r-7' }],
    at: 1_000,
    suppressed: { repeats: 2, rateLimited: 1 },
  };
  return {
    id: `${alertId}:slack/ops.alerts`,
    sink: 'slack/ops.alerts',
    alert,
    attempts: 1,
    firstFailedAt: 1_000,
    nextAttemptAt: 1_000,
    lastError: 'slack answered 503: service_unavailable',
    ...overrides,
  };
}

/** Options for {@link outboxContract}: your test runner's functions and your outbox. */
export interface OutboxContractOptions extends ContractTestFunctions {
  /**
   * Returns an EMPTY outbox on each call (a fresh file, collection or instance), configured with
   * the given limits, as your factory takes them (`maxAttempts`, `maxAgeMs`).
   */
  readonly makeOutbox: (limits?: OutboxLimitsOptions) => AlertOutbox | Promise<AlertOutbox>;
  /** How many adders and claimers race in the concurrency tests. @default 8 */
  readonly concurrency?: number;
  /** The timeout of each test; raise it for a slow backend (an emulator). @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * The behaviour every {@link AlertOutbox} must have, as tests: round-trips, limits, claims and
 * leases, releases, replacement by id, input validation, and concurrent adds and claims. Call it
 * inside a `describe` of your test file; it registers its tests with the `it` and `expect` you
 * pass.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest';
 * import { outboxContract } from '@pipewell/alerts/testing';
 *
 * describe('createRedisOutbox', () => {
 *   outboxContract({ it, expect, makeOutbox: (limits) => createRedisOutbox({ redis, key: freshKey(), ...limits }) });
 * });
 * ```
 */
export function outboxContract(options: OutboxContractOptions): void {
  checkTestFunctions('outboxContract', options, ['it', 'expect']);
  checkFactory('outboxContract', options, 'makeOutbox');
  const { it, expect, makeOutbox, concurrency = 8, timeoutMs = 5_000 } = options;
  it(
    'round-trips an entry exactly, undefined body and key included',
    async () => {
      const outbox = await makeOutbox();
      const full = createOutboxEntry();
      const bare = createOutboxEntry({
        alert: {
          ...createOutboxEntry().alert,
          body: undefined,
          key: undefined,
          fields: {},
          links: [],
        },
        firstFailedAt: 2_000,
        nextAttemptAt: 2_000,
      });
      await outbox.add(full);
      await outbox.add({ ...bare, id: `${bare.alert.id}:slack/ops.alerts` });
      expect(await outbox.list()).toEqual([
        full,
        { ...bare, id: `${bare.alert.id}:slack/ops.alerts` },
      ]);
    },
    timeoutMs,
  );

  it(
    'reports its limits, with defaults of 100 attempts and 24 hours',
    async () => {
      expect((await makeOutbox()).limits).toEqual({ maxAttempts: 100, maxAgeMs: 86_400_000 });
      expect((await makeOutbox({ maxAttempts: 3, maxAgeMs: 60_000 })).limits).toEqual({
        maxAttempts: 3,
        maxAgeMs: 60_000,
      });
    },
    timeoutMs,
  );

  it(
    'rejects bad limits naming the option',
    async () => {
      // Whether the factory throws or its promise rejects.
      const made = (limits: OutboxLimitsOptions) =>
        Promise.resolve().then(() => makeOutbox(limits));
      await expect(made({ maxAttempts: 0 })).rejects.toThrow('"maxAttempts"');
      await expect(made({ maxAgeMs: -1 })).rejects.toThrow('"maxAgeMs"');
    },
    timeoutMs,
  );

  it(
    'claims due entries earliest first, up to the limit, and not those due later',
    async () => {
      const outbox = await makeOutbox();
      const later = createOutboxEntry({ nextAttemptAt: 9_000 });
      const second = createOutboxEntry({ nextAttemptAt: 2_000 });
      const first = createOutboxEntry({ nextAttemptAt: 1_500 });
      const third = createOutboxEntry({ nextAttemptAt: 3_000 });
      for (const entry of [later, second, first, third]) await outbox.add(entry);
      const claims = await outbox.claim({ now: 5_000, leaseMs: 60_000, limit: 2 });
      expect(claims.map((claim) => claim.entry)).toEqual([first, second]);
      expect(claims[0]?.leaseExpiresAt).toBe(65_000);
      const rest = await outbox.claim({ now: 5_000, leaseMs: 60_000, limit: 10 });
      expect(rest.map((claim) => claim.entry.id)).toEqual([third.id]);
    },
    timeoutMs,
  );

  it(
    'hides a leased entry from other claimers until the lease ends',
    async () => {
      const outbox = await makeOutbox();
      const entry = createOutboxEntry();
      await outbox.add(entry);
      const [claim] = await outbox.claim({ now: 1_000, leaseMs: 60_000, limit: 5 });
      expect(claim?.entry).toEqual(entry);
      expect(await outbox.claim({ now: 60_999, leaseMs: 60_000, limit: 5 })).toEqual([]);
      const [again] = await outbox.claim({ now: 61_000, leaseMs: 60_000, limit: 5 });
      expect(again?.entry.id).toBe(entry.id);
      expect(again?.token).not.toBe(claim?.token);
      // The first claimer lost its lease: it can neither remove nor release the entry.
      if (claim === undefined || again === undefined) throw new Error('no claim');
      expect(await outbox.remove(claim)).toBe(false);
      expect(await outbox.release(claim, { attempts: 9, lastError: 'x', nextAttemptAt: 0 })).toBe(
        false,
      );
      expect((await outbox.list()).map((e) => e.attempts)).toEqual([1]);
      expect(await outbox.remove(again)).toBe(true);
      expect(await outbox.list()).toEqual([]);
      expect(await outbox.remove(again)).toBe(false);
    },
    timeoutMs,
  );

  it(
    'releases an entry with its new attempts, error and due time, and ends the lease',
    async () => {
      const outbox = await makeOutbox();
      const entry = createOutboxEntry();
      await outbox.add(entry);
      const [claim] = await outbox.claim({ now: 1_000, leaseMs: 60_000, limit: 5 });
      if (claim === undefined) throw new Error('no claim');
      expect(
        await outbox.release(claim, {
          attempts: 2,
          lastError: 'slack answered 500: rollup_error',
          nextAttemptAt: 5_000,
        }),
      ).toBe(true);
      expect(await outbox.list()).toEqual([
        {
          ...entry,
          attempts: 2,
          lastError: 'slack answered 500: rollup_error',
          nextAttemptAt: 5_000,
        },
      ]);
      expect(await outbox.claim({ now: 4_999, leaseMs: 60_000, limit: 5 })).toEqual([]);
      // Due again at 5 000, well before the old lease would have ended.
      expect(await outbox.claim({ now: 5_000, leaseMs: 60_000, limit: 5 })).toHaveLength(1);
    },
    timeoutMs,
  );

  it(
    'replaces an entry added twice with the same id',
    async () => {
      const outbox = await makeOutbox();
      const entry = createOutboxEntry();
      await outbox.add(entry);
      await outbox.add({ ...entry, lastError: 'newer' });
      expect((await outbox.list()).map((e) => e.lastError)).toEqual(['newer']);
    },
    timeoutMs,
  );

  it(
    'rejects a malformed entry and bad claim requests naming the field',
    async () => {
      const outbox = await makeOutbox();
      await expect(
        outbox.add({ ...createOutboxEntry(), attempts: 'one' } as never),
      ).rejects.toThrow('bad attempts');
      await expect(outbox.claim({ now: 1, leaseMs: 0, limit: 1 })).rejects.toThrow('"leaseMs"');
      await expect(outbox.claim({ now: 1, leaseMs: 1, limit: 0 })).rejects.toThrow('"limit"');
    },
    timeoutMs,
  );

  it(
    'keeps every entry when many are added at once',
    async () => {
      const outbox = await makeOutbox();
      const entries = Array.from({ length: concurrency * 2 }, () => createOutboxEntry());
      await Promise.all(entries.map((entry) => outbox.add(entry)));
      expect((await outbox.list()).map((e) => e.id).sort()).toEqual(
        entries.map((e) => e.id).sort(),
      );
    },
    timeoutMs,
  );

  it(
    'gives each entry to exactly one of several concurrent claimers',
    async () => {
      const outbox = await makeOutbox();
      const entries = Array.from({ length: concurrency }, (_, i) =>
        createOutboxEntry({ nextAttemptAt: 1_000 + i }),
      );
      for (const entry of entries) await outbox.add(entry);
      const claimed = await Promise.all(
        Array.from({ length: concurrency }, () =>
          outbox.claim({ now: 10_000, leaseMs: 60_000, limit: 2 }),
        ),
      );
      const ids = claimed.flat().map((claim) => claim.entry.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(entries.map((e) => e.id).sort());
    },
    timeoutMs * 4,
  );
}
