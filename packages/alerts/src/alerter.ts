import {
  type Clock,
  type ClockTimer,
  every,
  type Logger,
  silentLogger,
  systemClock,
} from '@pipewell/core';
import { isPermanentError } from '@pipewell/retry';
import {
  type Alert,
  type AlertInput,
  AlertInputError,
  normaliseAlert,
  type Severity,
  severities,
} from './alert.js';
import { type AlertOutbox, createMemoryOutbox, type OutboxClaim } from './outbox.js';
import { createRedactor, type Redactor } from './redact.js';
import type { AlertSink } from './sinks.js';

/**
 * What happened to an alert at one sink. `dead` appears only in {@link Alerter.history}: the
 * outbox gave up on it after `maxAttempts` rounds or `maxAgeMs`.
 */
export type DeliveryStatus = 'delivered' | 'queued' | 'rateLimited' | 'failed' | 'dead';

/**
 * What `alert()` did, over all sinks, worst first: `failed` (some sink will never get it: it
 * refused it for good, or the outbox could not keep it), `rateLimited` (some sink held it back; it
 * is counted in a summary), `queued` (some sink has it in the outbox, to be retried), `delivered`
 * (every sink has it). `deduplicated`: a repeat within the window, counted and not sent.
 */
export type AlertStatus = 'delivered' | 'queued' | 'rateLimited' | 'failed' | 'deduplicated';

/** What `alert()` did. */
export interface AlertReceipt {
  /** The alert's id (also in the history and the outbox). */
  readonly id: string;
  /** The overall outcome; `delivered` only when every sink delivered it. */
  readonly status: AlertStatus;
  /** The outcome at each sink (empty for a deduplicated alert). */
  readonly deliveries: Readonly<Record<string, DeliveryStatus>>;
}

/** One alert in the history, with its delivery status at each sink. */
export interface HistoryEntry {
  /** The alert, redacted. */
  readonly alert: Alert;
  /** Per sink: the latest status, when, and the (redacted) error behind a non-delivery. */
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
   * with the next one that goes out. A key is forgotten one window after its last notice, or two
   * if it repeated (so the next notice can report the count), so memory stays bounded.
   * @default 1800000 (30 minutes)
   */
  readonly dedupeWindowMs?: number;
  /**
   * At most `limit` alerts per sink per `windowMs`; the rest are counted, and summarised in the
   * next alert that goes out or, when none comes, in a summary sent as soon as the window allows.
   * `false` for no limit.
   * @default { limit: 20, windowMs: 60000 }
   */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number } | false;
  /** Where undelivered alerts wait; its `limits` say when one is given up as dead. @default createMemoryOutbox() */
  readonly outbox?: AlertOutbox;
  /**
   * How often the outbox is flushed (an unref'd timer), and the first retry delay of an entry;
   * later retries of the same entry back off by doubling up to `outboxMaxBackoffMs`.
   * @default 60000
   */
  readonly outboxIntervalMs?: number;
  /** The longest wait between two retries of one outbox entry. @default 900000 (15 minutes) */
  readonly outboxMaxBackoffMs?: number;
  /**
   * How long a flush holds the entries it claims against other instances; longer than a sink's
   * worst delivery (three 10 s attempts and their backoff for Slack).
   * @default 300000 (5 minutes)
   */
  readonly outboxLeaseMs?: number;
  /** How many alerts `history()` keeps. @default 100 */
  readonly historySize?: number;
  /** More values to keep out of logs, errors and the history (tokens); sinks register their own. */
  readonly secrets?: readonly string[];
  /** The source of time for windows, timers and the outbox. @default systemClock */
  readonly clock?: Clock;
  /** Delivery problems are logged here, redacted. @default silentLogger */
  readonly logger?: Logger;
}

/** Options for {@link Alerter.alert}. */
export interface AlertOptions {
  /**
   * Stop waiting for delivery: attempts in flight are abandoned and the alert is kept in the
   * outbox (the receipt says `queued`). Already aborted: `alert()` rejects with its reason and
   * raises nothing.
   */
  readonly signal?: AbortSignal;
}

/** Options for {@link Alerter.flushOutbox}. */
export interface FlushOptions {
  /** Stop the flush: the entry in flight goes back to the outbox uncharged. */
  readonly signal?: AbortSignal;
}

/** What a flush did. */
export interface FlushResult {
  /** Entries delivered and removed. */
  readonly delivered: number;
  /** Entries that failed again and wait for a later round. */
  readonly requeued: number;
  /** Entries the sink refused for good (a permanent error): removed, recorded as failed. */
  readonly failed: number;
  /** Entries past `maxAttempts` or `maxAgeMs`: removed, recorded as dead. */
  readonly dead: number;
}

/** Options for {@link Alerter.close}. */
export interface CloseOptions {
  /**
   * Wait at most this long (on the alerter's clock) for deliveries in flight; then they are
   * aborted and their alerts kept in the outbox. Without it, `close()` waits for them.
   */
  readonly timeoutMs?: number;
  /** Abort waiting, as `timeoutMs` does. */
  readonly signal?: AbortSignal;
}

/** Counters of what an alerter did. */
export interface AlerterStats {
  /** Alerts raised (deduplicated ones included). */
  readonly raised: number;
  /** Repeats within the dedupe window. */
  readonly deduplicated: number;
  /** Deliveries to a sink (an alert to two sinks counts twice), redeliveries included. */
  readonly delivered: number;
  /** Deliveries held back by a rate limit. */
  readonly rateLimited: number;
  /** Deliveries put in the outbox. */
  readonly queued: number;
  /** Deliveries made from the outbox. */
  readonly redelivered: number;
  /** Deliveries refused for good, or lost because the outbox failed. */
  readonly failed: number;
  /** Outbox entries given up after `maxAttempts` or `maxAgeMs`. */
  readonly dead: number;
  /** Keys the dedupe currently remembers (a gauge, bounded by the keys seen in two windows). */
  readonly dedupeKeys: number;
}

/** Sends alerts to its sinks. Create one with {@link createAlerter}. */
export interface Alerter extends AsyncDisposable {
  /**
   * Raise an alert. Resolves once every sink delivered it, queued it in the outbox, refused it or
   * rate limited it; never rejects for a delivery failure. Bad input throws
   * {@link AlertInputError}.
   */
  alert(input: AlertInput, options?: AlertOptions): Promise<AlertReceipt>;
  /**
   * Retry the outbox entries that are due, earliest first, claiming them so another instance's
   * flush does not send them too; entries are removed once delivered, failed for good, or dead. A
   * call while a flush runs joins it.
   */
  flushOutbox(options?: FlushOptions): Promise<FlushResult>;
  /** The last alerts, newest last, with per-sink delivery status. */
  history(): readonly HistoryEntry[];
  /** Counters, read at the time of the call. */
  readonly stats: AlerterStats;
  /** The redactor in force (sinks' secrets registered). */
  readonly redactor: Redactor;
  /**
   * Stop the timers, send any rate-limit summary still pending, and wait for deliveries in
   * flight; with `timeoutMs` or `signal`, abandon them when it runs out: their alerts stay in the
   * outbox for the next alerter on the same (durable) outbox.
   */
  close(options?: CloseOptions): Promise<void>;
}

type SinkRecord = { status: DeliveryStatus; at: number; error?: string };
type Recorded = { alert: Alert; deliveries: Record<string, SinkRecord> };

const FLUSH_BATCH = 5;
const HELD_TITLES = 10;
const rank: Readonly<Record<DeliveryStatus, number>> = {
  delivered: 0,
  queued: 1,
  rateLimited: 2,
  dead: 3,
  failed: 3,
};

function positive(option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AlertInputError(option, `option "${option}" must be a number > 0 (got ${value})`);
  }
  return value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Create an alerter: dedupe by key, a rate limit per sink, delivery to every sink independently
 * (each with its own retries), an outbox for what could not be delivered (durable when you give
 * one), permanent refusals recorded once and not retried, redaction of secrets from every log
 * line, recorded error and the history.
 *
 * @example
 * ```ts
 * const alerter = createAlerter({
 *   sinks: [createSlackSink({ webhookUrl })],
 *   outbox: createFileOutbox({ path: '/var/lib/pipeline/alert-outbox.json' }),
 *   logger,
 * });
 * const receipt = await alerter.alert({
 *   severity: 'error',
 *   title: 'Stale run: player_daily_cache',
 *   fields: { dataDate: '2026-01-24', runId },
 *   key: `stale:player_daily_cache:${runId}`,
 * });
 * if (receipt.status !== 'delivered') logger.warn({ receipt }, 'alert not delivered yet');
 * ```
 */
export function createAlerter(options: AlerterOptions): Alerter {
  const sinks = options?.sinks;
  if (!Array.isArray(sinks) || sinks.length === 0)
    throw new AlertInputError('sinks', 'createAlerter needs at least one sink');
  const byName = new Map<string, AlertSink>();
  for (const sink of sinks) {
    if (typeof sink?.send !== 'function' || typeof sink.name !== 'string') {
      throw new AlertInputError('sinks', 'every sink needs a name and send()');
    }
    if (byName.has(sink.name))
      throw new AlertInputError('sinks', `two sinks are named ${JSON.stringify(sink.name)}`);
    byName.set(sink.name, sink);
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
  if (typeof outbox?.claim !== 'function' || typeof outbox.limits !== 'object') {
    throw new AlertInputError(
      'outbox',
      'option "outbox" must be an AlertOutbox (add, claim, remove, release, list, limits)',
    );
  }
  const outboxIntervalMs = positive('outboxIntervalMs', options.outboxIntervalMs ?? 60_000);
  const outboxMaxBackoffMs = positive('outboxMaxBackoffMs', options.outboxMaxBackoffMs ?? 900_000);
  const outboxLeaseMs = positive('outboxLeaseMs', options.outboxLeaseMs ?? 300_000);
  const historySize = positive('historySize', options.historySize ?? 100);

  const stats = {
    raised: 0,
    deduplicated: 0,
    delivered: 0,
    rateLimited: 0,
    queued: 0,
    redelivered: 0,
    failed: 0,
    dead: 0,
  };
  // Insertion order is window-start order (a new window deletes and re-adds the key), so the
  // sweep can stop at the first key still inside its window.
  const repeats = new Map<string, { windowStart: number; count: number }>();
  const sent = new Map<string, number[]>(sinks.map((sink) => [sink.name, []]));
  const held = new Map<string, { count: number; severity: Severity; titles: string[] }>();
  const summaryTimers = new Map<string, ClockTimer>();
  const history: Recorded[] = [];
  const pending = new Set<Promise<unknown>>();
  // Aborted when close() runs out of time: every delivery listens to it.
  const closing = new AbortController();
  let flushing: Promise<FlushResult> | undefined;
  let closed = false;

  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    work.finally(() => pending.delete(work)).catch(() => {});
    return work;
  };

  const signalFor = (signal: AbortSignal | undefined): AbortSignal =>
    signal === undefined ? closing.signal : AbortSignal.any([signal, closing.signal]);

  const record = (alert: Alert): Recorded => {
    const entry: Recorded = { alert: redactor.value(alert) as Alert, deliveries: {} };
    history.push(entry);
    if (history.length > historySize) history.splice(0, history.length - historySize);
    return entry;
  };

  const recordedFor = (alert: Alert): Recorded =>
    history.find((entry) => entry.alert.id === alert.id) ?? record(alert);

  const sweepRepeats = (now: number): void => {
    for (const [key, seen] of repeats) {
      const age = now - seen.windowStart;
      if (age < dedupeWindowMs) break;
      if (seen.count === 0 || age >= 2 * dedupeWindowMs) repeats.delete(key);
    }
  };

  const allowed = (sink: string, now: number): boolean => {
    if (rateLimit === undefined) return true;
    const times = (sent.get(sink) ?? []).filter((at) => at > now - rateLimit.windowMs);
    sent.set(sink, times);
    return times.length < rateLimit.limit;
  };

  /** Deliver to one sink; on failure keep it in the outbox, unless the sink refused it for good. */
  const deliver = async (
    sink: AlertSink,
    alert: Alert,
    entry: Recorded,
    signal: AbortSignal,
  ): Promise<DeliveryStatus> => {
    try {
      await sink.send(alert, { signal, redactor });
      stats.delivered++;
      entry.deliveries[sink.name] = { status: 'delivered', at: clock.now() };
      return 'delivered';
    } catch (error) {
      const message = redactor.text(
        signal.aborted ? `delivery abandoned: ${errorText(signal.reason)}` : errorText(error),
      );
      if (!signal.aborted && isPermanentError(error)) {
        stats.failed++;
        entry.deliveries[sink.name] = { status: 'failed', at: clock.now(), error: message };
        logger.error(
          { sink: sink.name, alertId: alert.id, error: message },
          'alerts: the sink refused this alert for good; it is recorded as failed and not retried',
        );
        return 'failed';
      }
      logger.warn(
        { sink: sink.name, alertId: alert.id, error: message },
        'alerts: delivery failed, keeping the alert in the outbox',
      );
      const now = clock.now();
      try {
        await outbox.add({
          id: `${alert.id}:${sink.name}`,
          sink: sink.name,
          alert,
          attempts: 1,
          firstFailedAt: now,
          nextAttemptAt: now,
          lastError: message,
        });
        stats.queued++;
        entry.deliveries[sink.name] = { status: 'queued', at: now, error: message };
        return 'queued';
      } catch (outboxError) {
        stats.failed++;
        logger.error(
          { sink: sink.name, alertId: alert.id, err: outboxError },
          'alerts: the outbox failed too; this alert is lost',
        );
        entry.deliveries[sink.name] = { status: 'failed', at: now, error: message };
        return 'failed';
      }
    }
  };

  const sendSummary = async (sink: AlertSink, ignoreLimit: boolean): Promise<void> => {
    const holding = held.get(sink.name);
    if (holding === undefined) return;
    const now = clock.now();
    if (!ignoreLimit && !allowed(sink.name, now)) {
      scheduleSummary(sink);
      return;
    }
    held.delete(sink.name);
    sent.get(sink.name)?.push(now);
    const more = holding.count - holding.titles.length;
    const summary: Alert = {
      id: globalThis.crypto.randomUUID(),
      severity: holding.severity,
      title: `${holding.count} alert(s) held back by the rate limit`,
      body: [
        ...holding.titles.map((title) => `• ${title}`),
        ...(more > 0 ? [`… and ${more} more`] : []),
      ].join('\n'),
      fields: { heldBack: String(holding.count) },
      key: undefined,
      links: [],
      at: now,
      suppressed: { repeats: 0, rateLimited: 0 },
    };
    await deliver(sink, summary, record(summary), closing.signal);
  };

  /** Send the summary of held-back alerts when the window next has room, unless an alert takes it first. */
  function scheduleSummary(sink: AlertSink): void {
    if (closed || rateLimit === undefined || summaryTimers.has(sink.name)) return;
    const times = sent.get(sink.name) ?? [];
    const oldestInFullWindow = times[times.length - rateLimit.limit];
    const dueInMs =
      oldestInFullWindow === undefined ? 0 : oldestInFullWindow + rateLimit.windowMs - clock.now();
    summaryTimers.set(
      sink.name,
      clock
        .setTimeout(
          () => {
            summaryTimers.delete(sink.name);
            void track(sendSummary(sink, false));
          },
          Math.max(0, dueInMs),
        )
        .unref(),
    );
  }

  const holdBack = (sink: AlertSink, alert: Alert): void => {
    const holding = held.get(sink.name) ?? { count: 0, severity: 'info', titles: [] };
    holding.count++;
    if (severities.indexOf(alert.severity) > severities.indexOf(holding.severity))
      holding.severity = alert.severity;
    if (holding.titles.length < HELD_TITLES) holding.titles.push(alert.title);
    held.set(sink.name, holding);
    scheduleSummary(sink);
  };

  const alert = async (input: AlertInput, alertOptions?: AlertOptions): Promise<AlertReceipt> => {
    if (closed) throw new AlertInputError('alerter', 'this alerter was closed');
    const callerSignal = alertOptions?.signal;
    if (callerSignal?.aborted) throw callerSignal.reason;
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
    if (input.key !== undefined) {
      repeats.delete(input.key);
      repeats.set(input.key, { windowStart: now, count: 0 });
    }
    sweepRepeats(now);

    const entry = record(base);
    const deliveries: Record<string, DeliveryStatus> = {};
    const signal = signalFor(callerSignal);
    await track(
      Promise.all(
        sinks.map(async (sink) => {
          if (!allowed(sink.name, now)) {
            holdBack(sink, base);
            stats.rateLimited++;
            entry.deliveries[sink.name] = { status: 'rateLimited', at: now };
            deliveries[sink.name] = 'rateLimited';
            return;
          }
          sent.get(sink.name)?.push(now);
          const holding = held.get(sink.name);
          held.delete(sink.name);
          summaryTimers.get(sink.name)?.clear();
          summaryTimers.delete(sink.name);
          const forSink =
            holding === undefined
              ? base
              : { ...base, suppressed: { ...base.suppressed, rateLimited: holding.count } };
          deliveries[sink.name] = await deliver(sink, forSink, entry, signal);
        }),
      ),
    );
    let status: DeliveryStatus = 'delivered';
    for (const outcome of Object.values(deliveries))
      if (rank[outcome] > rank[status]) status = outcome;
    return { id, status: status as AlertStatus, deliveries };
  };

  const backoff = (attempts: number): number =>
    Math.min(outboxIntervalMs * 2 ** Math.max(0, attempts - 2), outboxMaxBackoffMs);

  const giveUp = async (claim: OutboxClaim, attempts: number, reason: string): Promise<void> => {
    const { entry } = claim;
    await outbox.remove(claim);
    stats.dead++;
    const error = redactor.text(`${reason}; last error: ${entry.lastError}`);
    recordedFor(entry.alert).deliveries[entry.sink] = { status: 'dead', at: clock.now(), error };
    logger.error(
      { sink: entry.sink, alertId: entry.alert.id, attempts, error },
      'alerts: gave up on an outbox entry; this alert was never delivered',
    );
  };

  /** One claimed entry: deliver it, or record why not, and settle the claim. */
  const settle = async (
    claim: OutboxClaim,
    signal: AbortSignal,
    result: { -readonly [K in keyof FlushResult]: FlushResult[K] },
  ): Promise<void> => {
    const { entry } = claim;
    const { maxAttempts, maxAgeMs } = outbox.limits;
    const now = clock.now();
    if (now - entry.firstFailedAt >= maxAgeMs || entry.attempts >= maxAttempts) {
      await giveUp(
        claim,
        entry.attempts,
        now - entry.firstFailedAt >= maxAgeMs
          ? `older than maxAgeMs (${maxAgeMs} ms) after ${entry.attempts} attempt(s)`
          : `gave up after ${entry.attempts} attempt(s) (maxAttempts ${maxAttempts})`,
      );
      result.dead++;
      return;
    }
    const sink = byName.get(entry.sink);
    if (sink === undefined) {
      // Another alerter sharing this outbox may have the sink: leave it to them, uncharged.
      await outbox.release(claim, {
        attempts: entry.attempts,
        lastError: entry.lastError,
        nextAttemptAt: now + outboxIntervalMs,
      });
      return;
    }
    try {
      await sink.send(entry.alert, { signal, redactor });
    } catch (error) {
      if (signal.aborted) {
        await outbox.release(claim, {
          attempts: entry.attempts,
          lastError: entry.lastError,
          nextAttemptAt: entry.nextAttemptAt,
        });
        return;
      }
      const message = redactor.text(errorText(error));
      const recorded = recordedFor(entry.alert);
      if (isPermanentError(error)) {
        await outbox.remove(claim);
        stats.failed++;
        result.failed++;
        recorded.deliveries[entry.sink] = { status: 'failed', at: clock.now(), error: message };
        logger.error(
          { sink: entry.sink, alertId: entry.alert.id, error: message },
          'alerts: the sink refused this alert for good; it is recorded as failed and not retried',
        );
        return;
      }
      const attempts = entry.attempts + 1;
      if (attempts >= maxAttempts) {
        await giveUp(
          { ...claim, entry: { ...entry, lastError: message } },
          attempts,
          `gave up after ${attempts} attempt(s) (maxAttempts ${maxAttempts})`,
        );
        result.dead++;
        return;
      }
      const nextAttemptAt = clock.now() + backoff(attempts);
      await outbox.release(claim, { attempts, lastError: message, nextAttemptAt });
      result.requeued++;
      recorded.deliveries[entry.sink] = { status: 'queued', at: clock.now(), error: message };
      return;
    }
    if (!(await outbox.remove(claim))) {
      logger.warn(
        { sink: entry.sink, alertId: entry.alert.id },
        'alerts: an outbox lease ran out during delivery; another instance may deliver this alert again',
      );
    }
    result.delivered++;
    stats.redelivered++;
    stats.delivered++;
    recordedFor(entry.alert).deliveries[entry.sink] = { status: 'delivered', at: clock.now() };
  };

  const runFlush = async (signal: AbortSignal): Promise<FlushResult> => {
    const result = { delivered: 0, requeued: 0, failed: 0, dead: 0 };
    while (!signal.aborted) {
      const claimedAt = clock.now();
      const claims = await outbox.claim({
        now: claimedAt,
        leaseMs: outboxLeaseMs,
        limit: FLUSH_BATCH,
      });
      if (claims.length === 0) break;
      for (const [index, claim] of claims.entries()) {
        if (signal.aborted || clock.now() - claimedAt > outboxLeaseMs / 2) {
          // Hand back, uncharged, what this batch did not reach before its lease grew short.
          for (const rest of claims.slice(index)) {
            await outbox.release(rest, {
              attempts: rest.entry.attempts,
              lastError: rest.entry.lastError,
              nextAttemptAt: rest.entry.nextAttemptAt,
            });
          }
          break;
        }
        await settle(claim, signal, result);
      }
    }
    if (result.delivered + result.requeued + result.failed + result.dead > 0)
      logger.info({ ...result }, 'alerts: outbox flushed');
    return result;
  };

  const flushOutbox = (flushOptions?: FlushOptions): Promise<FlushResult> => {
    const signal = signalFor(flushOptions?.signal);
    if (signal.aborted) return Promise.reject(signal.reason);
    flushing ??= track(
      runFlush(signal).finally(() => {
        flushing = undefined;
      }),
    );
    return flushing;
  };

  // A flush under way (a flushOutbox() call) is joined, not doubled.
  const flushLoop = every(clock, outboxIntervalMs, () => flushOutbox(), {
    onError: (error) => logger.error({ err: error }, 'alerts: outbox flush failed'),
  });

  const close = async (closeOptions?: CloseOptions): Promise<void> => {
    const timeoutMs = closeOptions?.timeoutMs;
    if (timeoutMs !== undefined) positive('timeoutMs', timeoutMs);
    const signal = closeOptions?.signal;
    if (!closed) {
      closed = true;
      void flushLoop.close();
      for (const summaryTimer of summaryTimers.values()) summaryTimer.clear();
      summaryTimers.clear();
      // Nothing held back is lost at shutdown: the summary goes now, even if over the limit.
      for (const sink of sinks) if (held.has(sink.name)) void track(sendSummary(sink, true));
    }
    let deadline: ClockTimer | undefined;
    const onAbort = (): void => closing.abort(signal?.reason);
    if (timeoutMs !== undefined) {
      deadline = clock
        .setTimeout(
          () => closing.abort(new Error(`close() gave up after ${timeoutMs} ms`)),
          timeoutMs,
        )
        .unref();
    }
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    } finally {
      deadline?.clear();
      signal?.removeEventListener('abort', onAbort);
    }
  };

  return {
    alert,
    flushOutbox,
    history: () =>
      history.map((entry) => ({ alert: entry.alert, deliveries: { ...entry.deliveries } })),
    get stats() {
      return { ...stats, dedupeKeys: repeats.size };
    },
    redactor,
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}
