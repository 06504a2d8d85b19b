import {
  createRecordingLogger,
  createVirtualClock,
  type LogEntry,
  type RecordingLogger,
  type VirtualClock,
} from '@pipewell/core/testing';
import { type AlerterOptions, createAlerter } from '../alerter.js';
import type { AlertOutbox, OutboxLimitsOptions } from '../outbox.js';
import { createSlackSink } from '../sinks.js';
import { type FakeSlack, SECRET_PATH, startFakeSlack } from './fake-slack.js';
import { type ContractTestFunctions, checkFactory, checkTestFunctions } from './test-functions.js';

let counter = 0;

/** Options for {@link durableOutboxContract}: your test runner's functions and your outbox. */
export interface DurableOutboxContractOptions extends ContractTestFunctions {
  /** Registers a hook run before each test: `beforeEach` from vitest or Jest. */
  readonly beforeEach: (hook: () => Promise<void>, timeoutMs?: number) => void;
  /** Registers a hook run after each test: `afterEach` from vitest or Jest. */
  readonly afterEach: (hook: () => Promise<void>, timeoutMs?: number) => void;
  /**
   * Returns an outbox on durable storage named `name`, with the given limits. Called twice with
   * the same name, it must give two handles on the same storage, as two processes would have; each
   * test uses a name no other test used.
   */
  readonly openOutbox: (
    name: string,
    limits?: OutboxLimitsOptions,
  ) => AlertOutbox | Promise<AlertOutbox>;
  /** The timeout of each test; raise it for a slow backend (an emulator). @default 20000 */
  readonly timeoutMs?: number;
}

const line = (entry: LogEntry): string => JSON.stringify(entry);

/**
 * What an alerter must get from a durable outbox, as tests against a fake Slack on loopback:
 * each queued alert delivered exactly once across a restart, when two instances flush at once,
 * and after an instance vanished holding a claim; an alert marked dead after `maxAttempts` rounds
 * or `maxAgeMs`; and no webhook secret in any log line. Call it inside a `describe`; it
 * registers its tests and hooks with the functions you pass.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * import { durableOutboxContract } from '@pipewell/alerts/testing';
 *
 * describe('createRedisOutbox with an alerter', () => {
 *   durableOutboxContract({
 *     it, expect, beforeEach, afterEach,
 *     openOutbox: (name, limits) => createRedisOutbox({ redis, key: name, ...limits }),
 *   });
 * });
 * ```
 */
export function durableOutboxContract(options: DurableOutboxContractOptions): void {
  checkTestFunctions('durableOutboxContract', options, ['it', 'expect', 'beforeEach', 'afterEach']);
  checkFactory('durableOutboxContract', options, 'openOutbox');
  const { it, expect, beforeEach, afterEach, openOutbox: open, timeoutMs = 20_000 } = options;
  let clock: VirtualClock;
  let slack: FakeSlack;
  let logs: RecordingLogger;
  let name: string;

  beforeEach(async () => {
    counter++;
    name = `durable-${counter}-${Math.random().toString(36).slice(2, 8)}`;
    clock = createVirtualClock({ now: Date.parse('2026-01-24T12:00:00Z') });
    slack = await startFakeSlack({ clock });
    logs = createRecordingLogger();
  });
  afterEach(async () => {
    await slack.close();
    const everything = logs.entries.map(line).join('\n');
    expect(everything).not.toContain(SECRET_PATH);
    expect(everything).not.toContain('xOxSeCrEtWeBhOoKtOkEn');
  });

  // One attempt per round, and a flush timer that never fires within a test (a timer flush during
  // clock.advance would race the test's own): each test moves time and flushes itself. Retries of
  // an entry back off by one minute.
  const instance = (outbox: AlertOutbox, extra: Partial<AlerterOptions> = {}) =>
    createAlerter({
      sinks: [createSlackSink({ webhookUrl: slack.webhookUrl, clock, retry: { maxAttempts: 1 } })],
      outbox,
      clock,
      logger: logs,
      outboxIntervalMs: 10 * 24 * 3_600_000,
      outboxMaxBackoffMs: 60_000,
      ...extra,
    });
  const down = () => slack.setDefault(() => ({ status: 503, body: 'service_unavailable' }));
  const up = () => slack.setDefault(() => ({ status: 200, body: 'ok' }));
  const titles = ['box scores late', 'odds feed stale', 'grading blocked'];
  const texts = titles.map((title) => `:x: [error] ${title}`);

  async function queueAll(outbox: AlertOutbox): Promise<void> {
    down();
    const alerter = instance(outbox);
    for (const title of titles) {
      const receipt = await alerter.alert({ severity: 'error', title });
      expect(receipt).toMatchObject({ status: 'queued', deliveries: { slack: 'queued' } });
      await clock.advance(1_000);
    }
    await alerter.close();
    expect((await outbox.list()).map((entry) => entry.alert.title)).toEqual(titles);
  }

  it(
    'delivers each queued alert exactly once across an alerter restart',
    async () => {
      await queueAll(await open(name));
      up();
      const restarted = instance(await open(name));
      expect(await restarted.flushOutbox()).toEqual({
        delivered: 3,
        requeued: 0,
        failed: 0,
        dead: 0,
      });
      expect(restarted.history().map((h) => h.deliveries.slack?.status)).toEqual([
        'delivered',
        'delivered',
        'delivered',
      ]);
      await restarted.close();
      const again = instance(await open(name));
      expect((await again.flushOutbox()).delivered).toBe(0);
      await again.close();
      expect(slack.delivered()).toEqual(texts);
      expect(await (await open(name)).list()).toEqual([]);
    },
    timeoutMs,
  );

  it(
    'delivers each alert once when two instances flush at the same moment',
    async () => {
      await queueAll(await open(name));
      up();
      const a = instance(await open(name));
      const b = instance(await open(name));
      const [fromA, fromB] = await Promise.all([a.flushOutbox(), b.flushOutbox()]);
      expect(fromA.delivered + fromB.delivered).toBe(3);
      expect(slack.delivered().sort()).toEqual([...texts].sort());
      expect(await (await open(name)).list()).toEqual([]);
      await Promise.all([a.close(), b.close()]);
    },
    timeoutMs,
  );

  it(
    'leaves an entry claimed by a vanished instance alone until its lease ends, then delivers it once',
    async () => {
      await queueAll(await open(name));
      up();
      // An instance claimed everything and vanished before delivering any of it.
      const vanished = await (await open(name)).claim({
        now: clock.now(),
        leaseMs: 300_000,
        limit: 10,
      });
      expect(vanished).toHaveLength(3);
      const survivor = instance(await open(name), { outboxLeaseMs: 300_000 });
      expect((await survivor.flushOutbox()).delivered).toBe(0);
      expect(slack.received).toHaveLength(3);
      await clock.advance(300_000);
      expect((await survivor.flushOutbox()).delivered).toBe(3);
      // Entries whose leases ended together are equally due: their order is the store's.
      expect(slack.delivered().sort()).toEqual([...texts].sort());
      await survivor.close();
    },
    timeoutMs,
  );

  it(
    'marks an alert dead in the history after maxAttempts rounds, and stops sending it',
    async () => {
      down();
      const alerter = instance(await open(name, { maxAttempts: 3 }));
      expect((await alerter.alert({ severity: 'critical', title: 'never arrives' })).status).toBe(
        'queued',
      );
      expect(await alerter.flushOutbox()).toMatchObject({ requeued: 1, dead: 0 });
      // Not due again before its backoff (one minute).
      expect(await alerter.flushOutbox()).toMatchObject({ requeued: 0, dead: 0 });
      await clock.advance(60_000);
      expect(await alerter.flushOutbox()).toMatchObject({ requeued: 0, dead: 1 });
      expect(slack.received).toHaveLength(3);
      const [entry] = alerter.history();
      expect(entry?.deliveries.slack).toMatchObject({ status: 'dead' });
      expect(entry?.deliveries.slack?.error).toContain('gave up after 3 attempt(s)');
      expect(entry?.deliveries.slack?.error).toContain('503: service_unavailable');
      expect(alerter.stats.dead).toBe(1);
      expect(
        logs.messages().filter((message) => message.includes('gave up on an outbox entry')),
      ).toHaveLength(1);
      await clock.advance(3_600_000);
      expect(await alerter.flushOutbox()).toMatchObject({ requeued: 0, dead: 0 });
      expect(slack.received).toHaveLength(3);
      expect(await (await open(name)).list()).toEqual([]);
      await alerter.close();
    },
    timeoutMs,
  );

  it(
    'marks an alert dead once it is older than maxAgeMs, without sending it again',
    async () => {
      down();
      const first = instance(await open(name, { maxAgeMs: 600_000 }));
      await first.alert({ severity: 'warning', title: 'too old to matter' });
      await first.close();
      await clock.advance(600_000);
      up();
      const restarted = instance(await open(name, { maxAgeMs: 600_000 }));
      expect(await restarted.flushOutbox()).toMatchObject({ delivered: 0, dead: 1 });
      expect(slack.received).toHaveLength(1);
      expect(restarted.history()[0]).toMatchObject({
        alert: { title: 'too old to matter' },
        deliveries: { slack: { status: 'dead' } },
      });
      expect(restarted.history()[0]?.deliveries.slack?.error).toContain('older than maxAgeMs');
      await restarted.close();
    },
    timeoutMs,
  );
}
