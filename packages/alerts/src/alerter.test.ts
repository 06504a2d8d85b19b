import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, ClockTimer } from '@pipewell/core';
import {
  createRecordingLogger,
  createVirtualClock,
  type VirtualClock,
} from '@pipewell/core/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlertInputError } from './alert.js';
import { createAlerter } from './alerter.js';
import { createFileOutbox } from './file-outbox.js';
import { createMemoryOutbox } from './outbox.js';
import { createLoggerSink, createMemorySink, createSlackSink, createWebhookSink } from './sinks.js';
import { recordingLogger } from './test-support.js';
import { type FakeSlack, SECRET_PATH, startFakeSlack } from './testing/fake-slack.js';

const root = mkdtempSync(join(tmpdir(), 'pipewell-alerter-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Fail at once (in real time) if `promise` has not settled within `ms`, instead of hanging. */
function within<T>(promise: Promise<T>, ms = 3_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The clock, with a record of every timer scheduled on it: was it unref'd, and is it pending? */
function spyingClock(clock: VirtualClock) {
  const timers: Array<{ ms: number; unrefd: boolean }> = [];
  const spy: Clock = {
    now: () => clock.now(),
    sleep: (ms, signal) => clock.sleep(ms, signal),
    setTimeout(callback, ms) {
      const record = { ms, unrefd: false };
      timers.push(record);
      const inner = clock.setTimeout(callback, ms);
      const timer: ClockTimer = {
        clear: () => inner.clear(),
        unref: () => {
          record.unrefd = true;
          return timer;
        },
      };
      return timer;
    },
  };
  return { clock: spy, timers };
}

describe('alerts to a Slack-like webhook on loopback', () => {
  let clock: VirtualClock;
  let slack: FakeSlack;
  let logs: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    clock = createVirtualClock({ now: Date.parse('2026-01-24T12:00:00Z') });
    slack = await startFakeSlack({ clock });
    logs = recordingLogger();
  });
  afterEach(async () => {
    await slack.close();
    // Nothing may ever log the webhook URL or its secret path.
    const everything = logs.lines.join('\n');
    expect(everything).not.toContain(SECRET_PATH);
    expect(everything).not.toContain('xOxSeCrEtWeBhOoKtOkEn');
  });

  const make = (extra: Partial<Parameters<typeof createAlerter>[0]> = {}) =>
    createAlerter({
      sinks: [createSlackSink({ webhookUrl: slack.webhookUrl, clock })],
      clock,
      logger: logs.logger,
      ...extra,
    });

  // runAll lets loopback answers land before each jump in virtual time.
  async function settle<T>(promise: Promise<T>): Promise<T> {
    await clock.runAll(promise);
    return promise;
  }

  it('delivers Block Kit with the severity colour, fields and links', async () => {
    const alerter = make();
    const receipt = await settle(
      alerter.alert({
        severity: 'error',
        title: 'Stale run: player_daily_cache',
        body: 'No heartbeat for 16 minutes.',
        fields: { dataDate: '2026-01-24', runId: 'r-7', attempt: 2 },
        links: [{ text: 'Dashboard', url: 'https://example.test/runs/r-7' }],
      }),
    );
    expect(receipt).toMatchObject({ status: 'delivered', deliveries: { slack: 'delivered' } });
    const body = slack.received[0]?.body as {
      text: string;
      attachments: Array<{ color: string; blocks: unknown[] }>;
    };
    expect(body.text).toBe(':x: [error] Stale run: player_daily_cache');
    expect(body.attachments[0]?.color).toBe('#e01e5a');
    expect(JSON.stringify(body.attachments[0]?.blocks)).toContain('*runId*\\nr-7');
    expect(JSON.stringify(body.attachments[0]?.blocks)).toContain('https://example.test/runs/r-7');
    await alerter.close();
  });

  it('re-sends a 429 no sooner than its Retry-After', async () => {
    slack.script({ status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } });
    const alerter = make();
    const receipt = await settle(alerter.alert({ severity: 'warning', title: 'Odds feed late' }));
    expect(receipt.deliveries.slack).toBe('delivered');
    expect(slack.received.map((r) => r.answered)).toEqual([429, 200]);
    const [first, second] = slack.received as unknown as [{ at: number }, { at: number }];
    expect(second.at - first.at).toBeGreaterThanOrEqual(2_000);
    await alerter.close();
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'invalid_token'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
  ])(
    'records a permanent %i %s as failed, once: not retried, not kept in the outbox',
    async (status, text) => {
      slack.script({ status, body: text });
      const outbox = createMemoryOutbox();
      const alerter = make({ outbox, outboxIntervalMs: 60_000 });
      const receipt = await settle(
        alerter.alert({ severity: 'critical', title: 'Predictions not generated' }),
      );
      expect(receipt).toMatchObject({ status: 'failed', deliveries: { slack: 'failed' } });
      expect(outbox.size).toBe(0);
      expect(alerter.history()[0]?.deliveries.slack).toMatchObject({
        status: 'failed',
        error: `slack answered ${status}: ${text}`,
      });
      // The outbox timer runs ten times and finds nothing to send.
      await clock.advance(10 * 60_000);
      expect(await alerter.flushOutbox()).toEqual({
        delivered: 0,
        requeued: 0,
        failed: 0,
        dead: 0,
      });
      expect(slack.received).toHaveLength(1);
      expect(alerter.stats).toMatchObject({ failed: 1, queued: 0, delivered: 0 });
      expect(logs.lines.filter((line) => line.includes(text))).toHaveLength(1);
      await alerter.close();
    },
  );

  it('stops retrying a queued alert once Slack refuses it for good', async () => {
    const outbox = createMemoryOutbox();
    const alerter = createAlerter({
      sinks: [createSlackSink({ webhookUrl: slack.webhookUrl, clock, retry: { maxAttempts: 1 } })],
      outbox,
      clock,
      logger: logs.logger,
    });
    slack.script(
      { status: 503, body: 'service_unavailable' },
      { status: 410, body: 'channel_is_archived' },
    );
    expect((await alerter.alert({ severity: 'error', title: 'x' })).status).toBe('queued');
    expect(await alerter.flushOutbox()).toMatchObject({ failed: 1, requeued: 0 });
    expect(outbox.size).toBe(0);
    expect(alerter.history()[0]?.deliveries.slack).toMatchObject({
      status: 'failed',
      error: 'slack answered 410: channel_is_archived',
    });
    await clock.advance(60 * 60_000);
    expect((await alerter.flushOutbox()).failed).toBe(0);
    expect(slack.received).toHaveLength(2);
    expect(logs.lines.filter((line) => line.includes('channel_is_archived'))).toHaveLength(1);
    await alerter.close();
  });

  it('retries 500s, connection resets and a hung response', async () => {
    slack.script({ status: 500, body: 'rollup_error' }, 'reset');
    const alerter = make();
    expect((await settle(alerter.alert({ severity: 'error', title: 'a' }))).deliveries.slack).toBe(
      'delivered',
    );
    expect(slack.received.map((r) => r.answered)).toEqual([500, 'reset', 200]);

    slack.received.length = 0;
    slack.script('hang');
    expect((await settle(alerter.alert({ severity: 'error', title: 'b' }))).deliveries.slack).toBe(
      'delivered',
    );
    expect(slack.received.map((r) => r.answered)).toEqual(['hang', 200]);
    await alerter.close();
  });

  it('turns five identical alerts in the window into one delivery and a count', async () => {
    const alerter = make({ dedupeWindowMs: 30 * 60_000 });
    const stale = {
      severity: 'warning' as const,
      title: 'Stale: box_scores',
      key: 'stale:box_scores',
    };
    const receipts = [];
    for (let i = 0; i < 5; i++) {
      receipts.push(await settle(alerter.alert(stale)));
      await clock.advance(5 * 60_000);
    }
    expect(receipts.map((r) => r.status)).toEqual([
      'delivered',
      'deduplicated',
      'deduplicated',
      'deduplicated',
      'deduplicated',
    ]);
    expect(slack.received).toHaveLength(1);
    await clock.advance(10 * 60_000);
    await settle(alerter.alert(stale));
    expect(slack.received).toHaveLength(2);
    expect(JSON.stringify(slack.received[1]?.body)).toContain(
      'Repeated 4 more time(s) since the last notice.',
    );
    expect(alerter.stats).toMatchObject({ raised: 6, deduplicated: 4, delivered: 2 });
    await alerter.close();
  });

  it('rate-limits a flood per sink and summarises what it held back', async () => {
    const alerter = make({ rateLimit: { limit: 2, windowMs: 60_000 } });
    const receipts = [];
    for (let i = 0; i < 5; i++)
      receipts.push(await settle(alerter.alert({ severity: 'error', title: `game ${i} missing` })));
    expect(receipts.map((r) => r.status)).toEqual([
      'delivered',
      'delivered',
      'rateLimited',
      'rateLimited',
      'rateLimited',
    ]);
    expect(receipts.map((r) => r.deliveries.slack)).toEqual([
      'delivered',
      'delivered',
      'rateLimited',
      'rateLimited',
      'rateLimited',
    ]);
    // As soon as the window has room, what was held back goes out.
    await clock.advance(60_000);
    await vi.waitFor(() => expect(slack.received).toHaveLength(3));
    expect(JSON.stringify(slack.received[2]?.body)).toContain(
      '3 alert(s) held back by the rate limit',
    );
    await alerter.close();
  });

  it('loses nothing in an outage: every queued alert is delivered exactly once after recovery', async () => {
    const outageEnds = clock.now() + 10 * 60_000;
    slack.setDefault((at) =>
      at < outageEnds ? { status: 503, body: 'service_unavailable' } : { status: 200, body: 'ok' },
    );
    const outbox = createMemoryOutbox();
    const alerter = make({ outbox, outboxIntervalMs: 60_000 });
    const titles = Array.from({ length: 6 }, (_, i) => `alert ${i} during the outage`);
    for (const title of titles) {
      const receipt = await settle(alerter.alert({ severity: 'error', title }));
      expect(receipt).toMatchObject({ status: 'queued', deliveries: { slack: 'queued' } });
      await clock.advance(30_000);
    }
    expect(outbox.size).toBe(6);
    // The outbox timer keeps trying through the outage, and delivers once Slack is back. Time moves
    // in short steps with a real pause between them, so loopback answers arrive before their
    // virtual timeouts would.
    for (let step = 0; step < 600 && outbox.size > 0; step++) {
      await clock.advance(2_000);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(outbox.size).toBe(0);
    const delivered = slack.received
      .filter((r) => r.answered === 200)
      .map((r) => (r.body as { text: string }).text);
    expect(delivered.sort()).toEqual(titles.map((t) => `:x: [error] ${t}`).sort());
    expect(alerter.stats.redelivered).toBe(6);
    expect(alerter.history().every((h) => h.deliveries.slack?.status === 'delivered')).toBe(true);
    await alerter.close();
  });

  it('keeps sinks independent: one failing sink does not stop the others', async () => {
    const memory = createMemorySink();
    const broken = createWebhookSink({
      url: `${slack.webhookUrl}/nowhere`,
      clock,
      name: 'ops-webhook',
    });
    const alerter = createAlerter({ sinks: [broken, memory], clock, logger: logs.logger });
    const receipt = await settle(alerter.alert({ severity: 'info', title: 'Grading done' }));
    // The fake answers 404 no_service off its webhook path: a permanent refusal.
    expect(receipt).toEqual({
      id: receipt.id,
      status: 'failed',
      deliveries: { 'ops-webhook': 'failed', memory: 'delivered' },
    });
    expect(memory.alerts.map((a) => a.title)).toEqual(['Grading done']);
    await alerter.close();
  });

  describe('the receipt tells the truth', () => {
    const twoSinks = () => {
      const memory = createMemorySink();
      const alerter = createAlerter({
        sinks: [
          memory,
          createSlackSink({ webhookUrl: slack.webhookUrl, clock, retry: { maxAttempts: 1 } }),
        ],
        clock,
        logger: logs.logger,
        rateLimit: false,
      });
      return alerter;
    };

    it('says delivered only when every sink delivered it', async () => {
      const alerter = twoSinks();
      expect(await alerter.alert({ severity: 'info', title: 'all good' })).toMatchObject({
        status: 'delivered',
        deliveries: { memory: 'delivered', slack: 'delivered' },
      });
      slack.script({ status: 503, body: 'service_unavailable' });
      expect(await alerter.alert({ severity: 'info', title: 'slack down' })).toMatchObject({
        status: 'queued',
        deliveries: { memory: 'delivered', slack: 'queued' },
      });
      slack.script({ status: 404, body: 'no_service' });
      expect(await alerter.alert({ severity: 'info', title: 'slack gone' })).toMatchObject({
        status: 'failed',
        deliveries: { memory: 'delivered', slack: 'failed' },
      });
      await alerter.close();
    });

    it('never calls an alert that reached no sink delivered', async () => {
      slack.setDefault(() => ({ status: 503, body: 'service_unavailable' }));
      const alerter = createAlerter({
        sinks: [
          createSlackSink({ webhookUrl: slack.webhookUrl, clock, retry: { maxAttempts: 1 } }),
        ],
        clock,
        logger: logs.logger,
        rateLimit: { limit: 1, windowMs: 60_000 },
      });
      const queued = await alerter.alert({ severity: 'error', title: 'first' });
      const held = await alerter.alert({ severity: 'error', title: 'second' });
      expect([queued.status, held.status]).toEqual(['queued', 'rateLimited']);
      expect(slack.delivered()).toEqual([]);
      await alerter.close();
    });
  });

  describe('nothing held back by the rate limit is lost', () => {
    it('sends the summary on its own timer when no later alert comes', async () => {
      const alerter = make({ rateLimit: { limit: 2, windowMs: 60_000 } });
      const severities = ['info', 'info', 'warning', 'critical', 'warning'] as const;
      for (const [i, severity] of severities.entries())
        await settle(alerter.alert({ severity, title: `game ${i} missing` }));
      expect(slack.received).toHaveLength(2);
      await clock.advance(59_999);
      expect(slack.received).toHaveLength(2);
      await clock.advance(1);
      await vi.waitFor(() => expect(slack.received).toHaveLength(3));
      const summary = slack.received[2]?.body as {
        text: string;
        attachments: Array<{ color: string; blocks: unknown[] }>;
      };
      // The worst held-back severity, and what was held back.
      expect(summary.text).toBe(
        ':rotating_light: [critical] 3 alert(s) held back by the rate limit',
      );
      expect(summary.attachments[0]?.color).toBe('#8b0000');
      const blocks = JSON.stringify(summary.attachments[0]?.blocks);
      for (const i of [2, 3, 4]) expect(blocks).toContain(`game ${i} missing`);
      await vi.waitFor(() =>
        expect(alerter.history().at(-1)?.deliveries.slack?.status).toBe('delivered'),
      );
      // Sent once: the timer does not fire again.
      await clock.advance(10 * 60_000);
      expect(slack.received).toHaveLength(3);
      await alerter.close();
    });

    it('unrefs every timer it schedules, sends a pending summary on close(), and leaves no timer behind', async () => {
      const spy = spyingClock(clock);
      const alerter = createAlerter({
        sinks: [createSlackSink({ webhookUrl: slack.webhookUrl, clock: spy.clock })],
        clock: spy.clock,
        logger: logs.logger,
        rateLimit: { limit: 1, windowMs: 60_000 },
      });
      await settle(alerter.alert({ severity: 'error', title: 'first' }));
      await settle(alerter.alert({ severity: 'warning', title: 'held back' }));
      const background = spy.timers.filter((timer) => timer.ms >= 60_000);
      // The outbox timer and the summary timer.
      expect(background.map((timer) => timer.ms).sort()).toEqual([60_000, 60_000]);
      await within(alerter.close({ timeoutMs: 120_000 }));
      // Every background timer (outbox, summary, close deadline); a sink's per-attempt timeouts
      // belong to its calls, which close() waited for.
      expect(spy.timers.filter((timer) => timer.ms >= 60_000)).toHaveLength(3);
      expect(spy.timers.filter((timer) => timer.ms >= 60_000).every((t) => t.unrefd)).toBe(true);
      expect(clock.pendingTimers).toBe(0);
      expect(slack.delivered()).toEqual([
        ':x: [error] first',
        ':warning: [warning] 1 alert(s) held back by the rate limit',
      ]);
    });
  });

  describe('abort and close', () => {
    it('alert() stops waiting when its signal aborts, and keeps the alert in the outbox', async () => {
      slack.script('hang');
      const outbox = createMemoryOutbox();
      const alerter = make({ outbox });
      const startedAt = clock.now();
      const controller = new AbortController();
      const receipt = alerter.alert(
        { severity: 'error', title: 'slow channel' },
        { signal: controller.signal },
      );
      await vi.waitFor(() => expect(slack.received).toHaveLength(1));
      controller.abort(new Error('handler deadline'));
      expect(await within(receipt)).toMatchObject({
        status: 'queued',
        deliveries: { slack: 'queued' },
      });
      // It did not wait out the 10 s attempt timeout.
      expect(clock.now()).toBe(startedAt);
      expect((await outbox.list()).map((entry) => entry.lastError)).toEqual([
        'delivery abandoned: handler deadline',
      ]);
      await expect(
        alerter.alert(
          { severity: 'error', title: 'too late' },
          { signal: AbortSignal.abort(new Error('already gone')) },
        ),
      ).rejects.toThrow('already gone');
      expect(alerter.stats.raised).toBe(1);
      await alerter.close();
    });

    it('flushOutbox({ signal }) stops at once and hands the entry back uncharged', async () => {
      const outbox = createMemoryOutbox();
      const alerter = make({ outbox });
      slack.setDefault(() => ({ status: 503, body: 'service_unavailable' }));
      await settle(alerter.alert({ severity: 'error', title: 'queued' }));
      slack.setDefault(() => 'hang');
      const received = slack.received.length;
      const controller = new AbortController();
      const flushed = alerter.flushOutbox({ signal: controller.signal });
      await vi.waitFor(() => expect(slack.received).toHaveLength(received + 1));
      controller.abort(new Error('deadline'));
      expect(await within(flushed)).toEqual({ delivered: 0, requeued: 0, failed: 0, dead: 0 });
      expect((await outbox.list()).map((entry) => entry.attempts)).toEqual([1]);
      // Claimable again at once: the lease was ended, not left to run out.
      expect(await outbox.claim({ now: clock.now(), leaseMs: 1_000, limit: 5 })).toHaveLength(1);
      await alerter.close({ timeoutMs: 1_000 });
    });

    it('close({ timeoutMs }) abandons deliveries in flight; the next alerter on the durable outbox delivers them once', async () => {
      const path = join(root, `close-${Math.random().toString(36).slice(2)}`, 'outbox.json');
      slack.script('hang');
      const alerter = make({ outbox: createFileOutbox({ path }) });
      const receipt = alerter.alert({ severity: 'critical', title: 'in flight at shutdown' });
      await vi.waitFor(() => expect(slack.received).toHaveLength(1));
      const closed = alerter.close({ timeoutMs: 5_000 });
      await clock.advance(5_000);
      await within(closed);
      expect(await receipt).toMatchObject({ status: 'queued' });
      expect(alerter.history()[0]?.deliveries.slack?.error).toBe(
        'delivery abandoned: close() gave up after 5000 ms',
      );
      const next = make({ outbox: createFileOutbox({ path }) });
      // Real time only: the delivery succeeds at once, and a jump in virtual time while the
      // answer is on its way (a loaded machine) would time the attempt out and send it twice.
      expect(await within(next.flushOutbox())).toMatchObject({ delivered: 1 });
      expect(slack.delivered()).toEqual([':rotating_light: [critical] in flight at shutdown']);
      expect(await createFileOutbox({ path }).list()).toEqual([]);
      await next.close();
    });

    it('close({ signal }) abandons deliveries in flight when the signal aborts', async () => {
      slack.script('hang');
      const outbox = createMemoryOutbox();
      const alerter = make({ outbox });
      const receipt = alerter.alert({ severity: 'error', title: 'x' });
      await vi.waitFor(() => expect(slack.received).toHaveLength(1));
      const controller = new AbortController();
      const closed = alerter.close({ signal: controller.signal });
      controller.abort(new Error('SIGTERM'));
      await within(closed);
      expect(await receipt).toMatchObject({ status: 'queued' });
      expect(outbox.size).toBe(1);
    });
  });

  it('redacts what the logger sink writes, like every other path', async () => {
    const sinkLogs = recordingLogger();
    // The Slack sink registers its webhook URL as a secret; the logger sink must scrub it too.
    const alerter = createAlerter({
      sinks: [
        createSlackSink({ webhookUrl: slack.webhookUrl, clock }),
        createLoggerSink({ logger: sinkLogs.logger }),
      ],
      secrets: ['s3cr3t-token'],
      clock,
      logger: logs.logger,
    });
    await settle(
      alerter.alert({
        severity: 'error',
        title: 'auth failed with s3cr3t-token',
        body: `posting to ${slack.webhookUrl} failed`,
        fields: { token: 'xoxb-123-abc', url: 'https://hooks.slack.com/services/T1/B2/XYZ' },
      }),
    );
    const written = sinkLogs.lines.join('\n');
    expect(sinkLogs.lines).toHaveLength(1);
    expect(written).toContain('auth failed with [redacted]');
    for (const secret of ['s3cr3t-token', SECRET_PATH, 'xoxb-123-abc', 'hooks.slack.com'])
      expect(written).not.toContain(secret);
    await alerter.close();

    // On its own, it still scrubs Slack webhook URLs and tokens.
    const alone = recordingLogger();
    await createLoggerSink({ logger: alone.logger }).send(
      {
        id: 'a-1',
        severity: 'warning',
        title: 'leaked xoxb-999-zzz',
        body: 'https://hooks.slack.com/services/T9/B9/Z',
        fields: {},
        key: undefined,
        links: [],
        at: 0,
        suppressed: { repeats: 0, rateLimited: 0 },
      },
      { signal: new AbortController().signal },
    );
    expect(alone.lines[0]).toContain('leaked [redacted]');
    expect(alone.lines[0]).not.toContain('xoxb-999-zzz');
    expect(alone.lines[0]).not.toContain('hooks.slack.com');
  });
});

describe('dedupe memory stays bounded', () => {
  it('forgets keys after their window whatever their repeat count', async () => {
    const clock = createVirtualClock({ now: 0 });
    const alerter = createAlerter({
      sinks: [createMemorySink()],
      clock,
      dedupeWindowMs: 60_000,
      rateLimit: false,
    });
    let peak = 0;
    for (let i = 0; i < 500; i++) {
      // Every key repeats, so a count-dependent expiry would keep them all.
      await alerter.alert({ severity: 'warning', title: `stale ${i}`, key: `stale:${i}` });
      await alerter.alert({ severity: 'warning', title: `stale ${i}`, key: `stale:${i}` });
      peak = Math.max(peak, alerter.stats.dedupeKeys);
      await clock.advance(10_000);
    }
    expect(alerter.stats.deduplicated).toBe(500);
    // Keys of the last two windows at most: 120 s / 10 s.
    expect(peak).toBeLessThanOrEqual(13);
    await clock.advance(120_000);
    await alerter.alert({ severity: 'info', title: 'later', key: 'later' });
    expect(alerter.stats.dedupeKeys).toBe(1);
    await alerter.close();
  });

  it('forgets a key that never repeated one window after its notice', async () => {
    const clock = createVirtualClock({ now: 0 });
    const alerter = createAlerter({ sinks: [createMemorySink()], clock, dedupeWindowMs: 60_000 });
    await alerter.alert({ severity: 'info', title: 'a', key: 'a' });
    await clock.advance(60_000);
    await alerter.alert({ severity: 'info', title: 'b', key: 'b' });
    expect(alerter.stats.dedupeKeys).toBe(1);
    await alerter.close();
  });
});

describe('createAlerter input', () => {
  it('rejects bad alerts naming the field, and keeps secrets out of errors', async () => {
    const alerter = createAlerter({ sinks: [createMemorySink()] });
    await expect(alerter.alert({ severity: 'fatal' as never, title: 'x' })).rejects.toThrow(
      '"severity" must be one of info, warning, error, critical (got "fatal")',
    );
    await expect(alerter.alert({ severity: 'info', title: ' ' })).rejects.toThrow(AlertInputError);
    await expect(
      alerter.alert({ severity: 'info', title: 'x', fields: { a: {} as never } }),
    ).rejects.toThrow('field "a"');
    expect(() => createSlackSink({ webhookUrl: 'hooks.slack.com/services/SECRET' })).toThrow(
      '"webhookUrl" must be an http(s) URL',
    );
    try {
      createSlackSink({ webhookUrl: 'not a url with SECRET' });
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET');
    }
    expect(() =>
      createAlerter({ sinks: [createMemorySink({ name: 'a' }), createMemorySink({ name: 'a' })] }),
    ).toThrow('two sinks are named "a"');
    // An outbox written for the old put/list/remove interface is refused by name.
    const legacy = { put: async () => {}, list: async () => [], remove: async () => {} };
    expect(() => createAlerter({ sinks: [createMemorySink()], outbox: legacy as never })).toThrow(
      'option "outbox" must be an AlertOutbox',
    );
    expect(() => createAlerter({ sinks: [createMemorySink()], outboxLeaseMs: 0 })).toThrow(
      '"outboxLeaseMs"',
    );
    await expect(alerter.close({ timeoutMs: -1 })).rejects.toThrow('"timeoutMs"');
    await alerter.close();
  });

  it('redacts registered secrets, Slack URLs and tokens wherever they appear', () => {
    const alerter = createAlerter({ sinks: [createMemorySink()], secrets: ['s3cr3t-token'] });
    const redact = alerter.redactor;
    expect(
      redact.text(
        'token s3cr3t-token in https://hooks.slack.com/services/T1/B2/XYZ and xoxb-123-abc',
      ),
    ).toBe('token [redacted] in [redacted] and [redacted]');
    const error = Object.assign(new Error('failed for s3cr3t-token'), {
      config: { headers: { authorization: 's3cr3t-token' } },
    });
    expect(JSON.stringify(redact.value({ err: error }))).not.toContain('s3cr3t-token');
  });
});

describe('outbox flushing', () => {
  const entryFor = (sink: string, title: string, at: number) => ({
    id: `${title}:${sink}`,
    sink,
    alert: {
      id: title,
      severity: 'error' as const,
      title,
      body: undefined,
      fields: {},
      key: undefined,
      links: [],
      at,
      suppressed: { repeats: 0, rateLimited: 0 },
    },
    attempts: 1,
    firstFailedAt: at,
    nextAttemptAt: at,
    lastError: 'down',
  });

  it('hands back what a batch has not reached when its lease grows short, so another instance cannot take it mid-send', async () => {
    const clock = createVirtualClock({ now: 0 });
    const logs = recordingLogger();
    const outbox = createMemoryOutbox();
    for (const title of ['a', 'b', 'c']) await outbox.add(entryFor('slow', title, 0));
    const delivered: string[] = [];
    const slow = {
      name: 'slow',
      async send(alert: { title: string }, { signal }: { signal?: AbortSignal }) {
        await clock.sleep(6_000, signal);
        delivered.push(alert.title);
      },
    };
    const instance = () =>
      createAlerter({
        sinks: [slow],
        outbox,
        clock,
        logger: logs.logger,
        outboxLeaseMs: 10_000,
        outboxIntervalMs: 10 * 24 * 3_600_000,
      });
    const [a, b] = [instance(), instance()];
    // Instance a claims all three (a 10 s lease) and needs 18 s to send them; instance b flushes
    // at 10.5 s, when a's first lease has ended.
    const fromA = a.flushOutbox();
    let fromB: Promise<unknown> | undefined;
    clock.setTimeout(() => {
      fromB = b.flushOutbox();
    }, 10_500);
    await clock.runAll(fromA);
    await clock.runAll(fromB);
    expect(delivered.sort()).toEqual(['a', 'b', 'c']);
    expect(logs.lines.filter((line) => line.includes('lease ran out'))).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('leaves entries for a sink it does not have to another alerter, uncharged', async () => {
    const clock = createVirtualClock({ now: 0 });
    const outbox = createMemoryOutbox();
    await outbox.add(entryFor('pagerduty', 'page me', 0));
    let claims = 0;
    // A flush that kept re-claiming the entry would spin without end: stop it loudly instead.
    const counted = {
      ...outbox,
      limits: outbox.limits,
      claim: (request: Parameters<typeof outbox.claim>[0]) => {
        if (++claims > 5) throw new Error('the flush keeps claiming the same entry');
        return outbox.claim(request);
      },
    };
    const alerter = createAlerter({
      sinks: [createMemorySink()],
      outbox: counted,
      clock,
      outboxIntervalMs: 60_000,
    });
    expect(await alerter.flushOutbox()).toEqual({ delivered: 0, requeued: 0, failed: 0, dead: 0 });
    expect(await outbox.list()).toEqual([
      { ...entryFor('pagerduty', 'page me', 0), nextAttemptAt: 60_000 },
    ]);
    await alerter.close();
  });

  it('logs a background flush that fails, and flushes again an interval later', async () => {
    const clock = createVirtualClock({ now: 0 });
    const logger = createRecordingLogger();
    const outbox = createMemoryOutbox();
    await outbox.add(entryFor('memory', 'queued', 0));
    const failure = new Error('outbox down');
    let claims = 0;
    const flaky = {
      ...outbox,
      limits: outbox.limits,
      claim: (request: Parameters<typeof outbox.claim>[0]) =>
        ++claims === 1 ? Promise.reject(failure) : outbox.claim(request),
    };
    const sink = createMemorySink();
    const alerter = createAlerter({
      sinks: [sink],
      outbox: flaky,
      clock,
      logger,
      outboxIntervalMs: 60_000,
    });
    await clock.advance(60_000);
    // The alerter's logger goes through its redactor, which turns the error into plain fields.
    expect(logger.at('error')).toEqual([
      {
        level: 'error',
        msg: 'alerts: outbox flush failed',
        fields: { err: expect.objectContaining({ message: failure.message }) },
      },
    ]);
    expect(sink.alerts).toEqual([]);
    await clock.advance(60_000);
    expect(sink.alerts.map((alert) => alert.title)).toEqual(['queued']);
    await alerter.close();
  });
});

describe('lifecycle', () => {
  it('close() can be called again, and await using closes the alerter with its timers', async () => {
    const clock = createVirtualClock({ now: 0 });
    {
      await using alerter = createAlerter({ sinks: [createMemorySink()], clock });
      await alerter.alert({ severity: 'info', title: 'inside' });
      expect(clock.pendingTimers).toBeGreaterThan(0);
    }
    expect(clock.pendingTimers).toBe(0);
    const alerter = createAlerter({ sinks: [createMemorySink()], clock });
    await alerter.close();
    await alerter.close();
    await expect(alerter.alert({ severity: 'info', title: 'after' })).rejects.toThrow(
      'this alerter was closed',
    );
    expect(clock.pendingTimers).toBe(0);
  });
});
