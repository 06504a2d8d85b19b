import {
  type Clock,
  type ClockTimer,
  type Logger,
  silentLogger,
  systemClock,
} from '@pipewell/retry';
import { type Alert, type AlertInput, AlertInputError, normaliseAlert } from './alert.js';
import { type AlertOutbox, createMemoryOutbox, type OutboxEntry } from './outbox.js';
import { createRedactor, type Redactor } from './redact.js';
import type { AlertSink } from './sinks.js';

/** What happened to an alert at one sink. */
export type DeliveryStatus = 'delivered' | 'queued' | 'rateLimited' | 'failed';

/** What `alert()` did. */
export interface AlertReceipt {
  readonly id: string;
  /** `deduplicated`: a repeat within the window, counted and not sent. */
  readonly status: 'sent' | 'deduplicated';
  readonly deliveries: Readonly<Record<string, DeliveryStatus>>;
}

/** One alert in the history, with its delivery status at each sink. */
export interface HistoryEntry {
  readonly alert: Alert;
  readonly deliveries: Readonly<
    Record<
      string,
      { readonly status: DeliveryStatus; readonly at: number; readonly error?: string }
    >
  >;
}

/** Options for {@link createAlerter}. */
export interface AlerterOptions {
  /** Where alerts go; each is independent of the others. */
  readonly sinks: readonly AlertSink[];
  /**
   * Alerts with the same `key` within this window go out once; repeats are counted and reported
   * with the next one that goes out.
   * @default 1800000 (30 minutes)
   */
  readonly dedupeWindowMs?: number;
  /**
   * At most `limit` alerts per sink per `windowMs`; the rest are counted and summarised in the
   * next one that goes out. `false` for no limit.
   * @default { limit: 20, windowMs: 60000 }
   */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number } | false;
  /** Where undelivered alerts wait. @default an in-memory outbox */
  readonly outbox?: AlertOutbox;
  /** How often the outbox is retried. @default 60000 */
  readonly outboxIntervalMs?: number;
  /** How many alerts `history()` keeps. @default 100 */
  readonly historySize?: number;
  /** More values to keep out of logs and errors (tokens); sinks register their own. */
  readonly secrets?: readonly string[];
  /** @default systemClock */
  readonly clock?: Clock;
  /** Delivery problems are logged here, redacted. @default silentLogger */
  readonly logger?: Logger;
}

/** Counters of what an alerter did. */
export interface AlerterStats {
  readonly raised: number;
  readonly deduplicated: number;
  readonly delivered: number;
  readonly rateLimited: number;
  readonly queued: number;
  readonly redelivered: number;
}

/** Sends alerts to its sinks. Create one with {@link createAlerter}. */
export interface Alerter extends AsyncDisposable {
  /**
   * Raise an alert. Resolves once every sink delivered it, queued it in the outbox, or rate
   * limited it; never rejects for a delivery failure. Bad input throws {@link AlertInputError}.
   */
  alert(input: AlertInput): Promise<AlertReceipt>;
  /** Retry the outbox now, oldest first; entries are removed once delivered. */
  flushOutbox(): Promise<{ readonly delivered: number; readonly queued: number }>;
  /** The last alerts, newest last, with per-sink delivery status. */
  history(): readonly HistoryEntry[];
  readonly stats: AlerterStats;
  /** The redactor in force (sinks' secrets registered). */
  readonly redactor: Redactor;
  /** Stop the outbox timer and wait for deliveries in flight. */
  close(): Promise<void>;
}

function positive(option: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new AlertInputError(option, `option "${option}" must be a number > 0 (got ${value})`);
  }
  return value;
}

/**
 * Create an alerter: dedupe by key, a rate limit per sink, delivery to every sink independently
 * (each with its own retries), a durable outbox for what could not be delivered, redaction of
 * secrets from every log line and recorded error, and a history for dashboards.
 *
 * @example
 * ```ts
 * const alerter = createAlerter({ sinks: [createSlackSink({ webhookUrl })], logger });
 * await alerter.alert({
 *   severity: 'error',
 *   title: 'Stale run: player_daily_cache',
 *   fields: { dataDate: '2026-01-24', runId },
 *   key: `stale:player_daily_cache:${runId}`,
 * });
 * ```
 */
export function createAlerter(options: AlerterOptions): Alerter {
  const sinks = options?.sinks;
  if (!Array.isArray(sinks) || sinks.length === 0)
    throw new AlertInputError('sinks', 'createAlerter needs at least one sink');
  const names = new Set<string>();
  for (const sink of sinks) {
    if (typeof sink?.send !== 'function' || typeof sink.name !== 'string') {
      throw new AlertInputError('sinks', 'every sink needs a name and send()');
    }
    if (names.has(sink.name))
      throw new AlertInputError('sinks', `two sinks are named ${JSON.stringify(sink.name)}`);
    names.add(sink.name);
  }
  const clock = options.clock ?? systemClock;
  const redactor = createRedactor(options.secrets ?? []);
  for (const sink of sinks) for (const secret of sink.secrets ?? []) redactor.add(secret);
  const logger = redactor.logger(options.logger ?? silentLogger);
  const dedupeWindowMs = positive('dedupeWindowMs', options.dedupeWindowMs ?? 30 * 60_000);
  const rateLimit =
    options.rateLimit === false
      ? undefined
      : (options.rateLimit ?? { limit: 20, windowMs: 60_000 });
  if (rateLimit !== undefined) {
    positive('rateLimit.limit', rateLimit.limit);
    positive('rateLimit.windowMs', rateLimit.windowMs);
  }
  const outbox = options.outbox ?? createMemoryOutbox();
  const outboxIntervalMs = positive('outboxIntervalMs', options.outboxIntervalMs ?? 60_000);
  const historySize = positive('historySize', options.historySize ?? 100);

  const stats = {
    raised: 0,
    deduplicated: 0,
    delivered: 0,
    rateLimited: 0,
    queued: 0,
    redelivered: 0,
  };
  const repeats = new Map<string, { windowStart: number; count: number }>();
  const sent = new Map<string, number[]>(sinks.map((sink) => [sink.name, []]));
  const heldBack = new Map<string, number>(sinks.map((sink) => [sink.name, 0]));
  const history: Array<{
    alert: Alert;
    deliveries: Record<string, { status: DeliveryStatus; at: number; error?: string }>;
  }> = [];
  const pending = new Set<Promise<unknown>>();
  let flushing: Promise<{ delivered: number; queued: number }> | undefined;
  let timer: ClockTimer | undefined;
  let closed = false;

  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    work.finally(() => pending.delete(work)).catch(() => {});
    return work;
  };

  const record = (alert: Alert): (typeof history)[number] => {
    const entry = { alert: redactor.value(alert) as Alert, deliveries: {} };
    history.push(entry);
    if (history.length > historySize) history.splice(0, history.length - historySize);
    return entry;
  };

  const allowed = (sink: string, now: number): boolean => {
    if (rateLimit === undefined) return true;
    const times = (sent.get(sink) ?? []).filter((at) => at > now - rateLimit.windowMs);
    sent.set(sink, times);
    return times.length < rateLimit.limit;
  };

  const deliver = async (
    sink: AlertSink,
    alert: Alert,
    entry: (typeof history)[number],
  ): Promise<DeliveryStatus> => {
    try {
      await sink.send(alert, {});
      stats.delivered++;
      entry.deliveries[sink.name] = { status: 'delivered', at: clock.now() };
      return 'delivered';
    } catch (error) {
      const message = redactor.text(error instanceof Error ? error.message : String(error));
      logger.warn(
        { sink: sink.name, alertId: alert.id, err: error },
        'alerts: delivery failed, keeping the alert in the outbox',
      );
      try {
        await outbox.put({
          id: `${alert.id}:${sink.name}`,
          sink: sink.name,
          alert,
          attempts: 1,
          firstFailedAt: clock.now(),
          lastError: message,
        });
        stats.queued++;
        entry.deliveries[sink.name] = { status: 'queued', at: clock.now(), error: message };
        return 'queued';
      } catch (outboxError) {
        logger.error(
          { sink: sink.name, alertId: alert.id, err: outboxError },
          'alerts: the outbox failed too; this alert is lost',
        );
        entry.deliveries[sink.name] = { status: 'failed', at: clock.now(), error: message };
        return 'failed';
      }
    }
  };

  const alert = async (input: AlertInput): Promise<AlertReceipt> => {
    if (closed) throw new AlertInputError('alerter', 'this alerter was closed');
    const now = clock.now();
    const id = globalThis.crypto.randomUUID();
    let repeatCount = 0;
    if (input?.key !== undefined) {
      const seen = repeats.get(input.key);
      if (seen !== undefined && now - seen.windowStart < dedupeWindowMs) {
        // Validate anyway, so a bad repeat is not silently swallowed.
        normaliseAlert(input, id, now, { repeats: 0, rateLimited: 0 });
        seen.count++;
        stats.raised++;
        stats.deduplicated++;
        return { id, status: 'deduplicated', deliveries: {} };
      }
      repeatCount = seen?.count ?? 0;
    }
    const base = normaliseAlert(input, id, now, { repeats: repeatCount, rateLimited: 0 });
    stats.raised++;
    if (input.key !== undefined) repeats.set(input.key, { windowStart: now, count: 0 });
    for (const [key, seen] of repeats)
      if (now - seen.windowStart >= dedupeWindowMs && seen.count === 0) repeats.delete(key);

    const entry = record(base);
    const deliveries: Record<string, DeliveryStatus> = {};
    await track(
      Promise.all(
        sinks.map(async (sink) => {
          if (!allowed(sink.name, now)) {
            heldBack.set(sink.name, (heldBack.get(sink.name) ?? 0) + 1);
            stats.rateLimited++;
            entry.deliveries[sink.name] = { status: 'rateLimited', at: now };
            deliveries[sink.name] = 'rateLimited';
            return;
          }
          sent.get(sink.name)?.push(now);
          const held = heldBack.get(sink.name) ?? 0;
          heldBack.set(sink.name, 0);
          const forSink =
            held === 0 ? base : { ...base, suppressed: { ...base.suppressed, rateLimited: held } };
          deliveries[sink.name] = await deliver(sink, forSink, entry);
        }),
      ),
    );
    return { id, status: 'sent', deliveries };
  };

  const flushOutbox = (): Promise<{ delivered: number; queued: number }> => {
    flushing ??= track(
      (async () => {
        let delivered = 0;
        const entries = await outbox.list();
        for (const queued of entries) {
          const sink = sinks.find((s) => s.name === queued.sink);
          if (sink === undefined) continue;
          try {
            await sink.send(queued.alert, {});
            await outbox.remove(queued.id);
            delivered++;
            stats.redelivered++;
            stats.delivered++;
            const entry = history.find((h) => h.alert.id === queued.alert.id);
            if (entry !== undefined)
              entry.deliveries[sink.name] = { status: 'delivered', at: clock.now() };
          } catch (error) {
            const message = redactor.text(error instanceof Error ? error.message : String(error));
            const retried: OutboxEntry = {
              ...queued,
              attempts: queued.attempts + 1,
              lastError: message,
            };
            await outbox
              .put(retried)
              .catch((putError: unknown) =>
                logger.error(
                  { err: putError, sink: sink.name },
                  'alerts: could not update the outbox',
                ),
              );
          }
        }
        const remaining = (await outbox.list()).length;
        if (delivered > 0 || remaining > 0)
          logger.info({ delivered, queued: remaining }, 'alerts: outbox flushed');
        return { delivered, queued: remaining };
      })().finally(() => {
        flushing = undefined;
      }),
    );
    return flushing;
  };

  const schedule = (): void => {
    if (closed) return;
    timer = clock
      .setTimeout(() => {
        flushOutbox()
          .catch((error: unknown) => logger.error({ err: error }, 'alerts: outbox flush failed'))
          .finally(schedule);
      }, outboxIntervalMs)
      .unref();
  };
  schedule();

  const close = async (): Promise<void> => {
    closed = true;
    timer?.clear();
    timer = undefined;
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  return {
    alert,
    flushOutbox,
    history: () =>
      history.map((entry) => ({ alert: entry.alert, deliveries: { ...entry.deliveries } })),
    get stats() {
      return { ...stats };
    },
    redactor,
    close,
    [Symbol.asyncDispose]: close,
  };
}
