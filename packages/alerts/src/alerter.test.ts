import { createVirtualClock, type Logger, type VirtualClock } from '@pipewell/retry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertInputError } from './alert.js';
import { createAlerter } from './alerter.js';
import { createMemoryOutbox } from './outbox.js';
import { createMemorySink, createSlackSink, createWebhookSink } from './sinks.js';
import { type FakeSlack, SECRET_PATH, startFakeSlack } from './testing/fake-slack.js';

function recordingLogger() {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      lines.push(JSON.stringify({ level, fields, message }));
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

describe('alerts to a Slack-like webhook on loopback', () => {
  let clock: VirtualClock;
  let slack: FakeSlack;
  let logs: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    clock = createVirtualClock({ now: Date.parse('2026-01-24T12:00:00Z') });
    slack = await startFakeSlack(() => clock.now());
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
    expect(receipt).toMatchObject({ status: 'sent', deliveries: { slack: 'delivered' } });
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

  it('does not retry a 404 no_service, keeps the alert in the outbox, and records why', async () => {
    slack.script({ status: 404, body: 'no_service' });
    const outbox = createMemoryOutbox();
    const alerter = make({ outbox });
    const receipt = await settle(
      alerter.alert({ severity: 'critical', title: 'Predictions not generated' }),
    );
    expect(receipt.deliveries.slack).toBe('queued');
    expect(slack.received).toHaveLength(1);
    const [entry] = await outbox.list();
    expect(entry?.lastError).toBe('slack answered 404: no_service');
    expect(alerter.history()[0]?.deliveries.slack).toMatchObject({
      status: 'queued',
      error: 'slack answered 404: no_service',
    });
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
      'sent',
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
    expect(receipts.map((r) => r.deliveries.slack)).toEqual([
      'delivered',
      'delivered',
      'rateLimited',
      'rateLimited',
      'rateLimited',
    ]);
    await clock.advance(60_000);
    await settle(alerter.alert({ severity: 'error', title: 'game 5 missing' }));
    expect(slack.received).toHaveLength(3);
    expect(JSON.stringify(slack.received[2]?.body)).toContain(
      '3 other alert(s) were held back by the rate limit.',
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
      expect(receipt.deliveries.slack).toBe('queued');
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
    expect(receipt.deliveries).toEqual({ 'ops-webhook': 'queued', memory: 'delivered' });
    expect(memory.alerts.map((a) => a.title)).toEqual(['Grading done']);
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
    expect(() => createAlerter({ sinks: [createMemorySink('a'), createMemorySink('a')] })).toThrow(
      'two sinks are named "a"',
    );
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
