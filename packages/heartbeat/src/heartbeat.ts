import {
  type Clock,
  type EveryHandle,
  every,
  type Logger,
  silentLogger,
  systemClock,
} from '@pipewell/core';
import {
  createRetryPolicy,
  isPermanentError,
  isTransientError,
  type RetryPolicy,
} from '@pipewell/retry';
import { calendarDate, HeartbeatOptionsError, nonEmpty, positiveMs } from './errors.js';
import type { HeartbeatStore } from './heartbeat-store.js';
import type {
  HeartbeatDetails,
  HeartbeatFields,
  HeartbeatRecord,
  RunKey,
  StopStatus,
} from './record.js';

/** Options for {@link startHeartbeat}. */
export interface HeartbeatOptions extends RunKey {
  /** Where beats are written. */
  readonly store: HeartbeatStore;
  /**
   * How often the heartbeat is written, in the background, whatever the processor is doing.
   * Writes that keep failing for this long are reported (`writesFailing`).
   * @default 30000
   */
  readonly intervalMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * Store failures are logged here, never thrown: a permanent refusal and writes failing for a
   * whole interval at `error`, a transient failure that outlived its retries at `warn`.
   * @default silentLogger
   */
  readonly logger?: Logger;
  /**
   * Told about store trouble as it happens (a refused write, writes failing for an interval,
   * writes landing again), for a metric or an alert. Synchronous; one that throws is logged and
   * ignored.
   * @default undefined
   */
  readonly onEvent?: (event: HeartbeatEvent) => void;
}

/** A write that failed: refused at once (permanent), or transient and out of retries. */
export interface HeartbeatWriteFailedEvent {
  readonly type: 'writeFailed';
  readonly key: RunKey;
  /** The store's error, or a `RetryError` when a transient one outlived its retries. */
  readonly error: unknown;
  /** True when `isPermanentError(error)` (permission denied, invalid argument): not retried. */
  readonly permanent: boolean;
  /** True for the write of the run's end, by `stop()`. */
  readonly final: boolean;
  /** Calls made to the store for this write. */
  readonly attempts: number;
  /** Epoch ms, by the heartbeat's clock. */
  readonly at: number;
}

/** Writes have failed for `intervalMs` or longer with none landing: the run looks dead. */
export interface HeartbeatWritesFailingEvent {
  readonly type: 'writesFailing';
  readonly key: RunKey;
  /** Epoch ms of the first failed attempt since the last write that landed. */
  readonly failingSince: number;
  readonly failingForMs: number;
  /** Writes that failed since the last one that landed. */
  readonly failedWrites: number;
  /** The latest store error. */
  readonly lastError: unknown;
  /** Epoch ms, by the heartbeat's clock. */
  readonly at: number;
}

/** A write landed after a {@link HeartbeatWritesFailingEvent}. */
export interface HeartbeatWritesRecoveredEvent {
  readonly type: 'writesRecovered';
  readonly key: RunKey;
  /** How long writes had been failing. */
  readonly failedForMs: number;
  /** Epoch ms, by the heartbeat's clock. */
  readonly at: number;
}

/**
 * What {@link HeartbeatOptions.onEvent} is told, one variant per `type`.
 *
 * @example
 * ```ts
 * startHeartbeat({
 *   ...key,
 *   store,
 *   onEvent: (event) => {
 *     if (event.type === 'writesFailing') alerts.send({ title: `heartbeat of ${event.key.runId} not recorded` });
 *   },
 * });
 * ```
 */
export type HeartbeatEvent =
  | HeartbeatWriteFailedEvent
  | HeartbeatWritesFailingEvent
  | HeartbeatWritesRecoveredEvent;

/** What a heartbeat has done so far. */
export interface HeartbeatStats {
  /** `beat()` calls. */
  readonly beats: number;
  /** Store writes that landed. */
  readonly writes: number;
  /** Writes that failed (refused, or out of retries); the processor went on. */
  readonly failedWrites: number;
  /** Of those, writes the store refused with a permanent error, which are never retried. */
  readonly permanentFailures: number;
  /** Retries of store writes (transient errors only). */
  readonly retries: number;
  /** Epoch ms of the last write that landed, or null. */
  readonly lastWriteAt: number | null;
  /** The last write error, or undefined. */
  readonly lastError: unknown;
  /** Epoch ms of the first failed attempt since the last write that landed, or null. */
  readonly failingSince: number | null;
  /**
   * True once writes have failed for `intervalMs` or longer with none landing (a stale monitor
   * will take the run for dead); false again when a write lands.
   */
  readonly writesFailing: boolean;
}

/** A running heartbeat. Stop it with {@link HeartbeatHandle.stop}, or let `await using` do it. */
export interface HeartbeatHandle extends AsyncDisposable {
  readonly key: RunKey;
  /**
   * Settles once the first write (started by `startHeartbeat`) has been tried: `true` when the
   * store holds the run as `running`, `false` when the write failed (already logged, counted and
   * told to `onEvent`). Never rejects.
   */
  readonly ready: Promise<boolean>;
  /**
   * Record progress, with an optional checkpoint (a cursor, rows done). Synchronous and cheap: it
   * never waits for the store; the next background write carries it.
   */
  beat(details?: HeartbeatDetails): void;
  /**
   * Record the run's end and stop beating. Waits for the write (transient errors retried) but
   * never throws for a store failure. A second call returns the first call's promise.
   */
  stop(status: StopStatus, summary?: HeartbeatDetails): Promise<void>;
  /** Wait for the write in flight, if any. */
  flush(): Promise<void>;
  readonly stopped: boolean;
  readonly stats: HeartbeatStats;
}

const stopStatuses: readonly StopStatus[] = ['succeeded', 'failed', 'cancelled'];
const loggerMethods = ['debug', 'info', 'warn', 'error'] as const;

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}

class Heartbeat implements HeartbeatHandle {
  readonly key: RunKey;
  readonly ready: Promise<boolean>;
  readonly #store: HeartbeatStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onEvent: ((event: HeartbeatEvent) => void) | undefined;
  readonly #intervalMs: number;
  readonly #policy: RetryPolicy;
  readonly #startedAt: number;
  #resolveReady: ((recorded: boolean) => void) | undefined;
  readonly #loop: EveryHandle;
  #chain: Promise<void> = Promise.resolve();
  #writing = false;
  #writeStartedAt = 0;
  #attempts = 0;
  #startWritten = false;
  #stopping: Promise<void> | undefined;
  #beats = 0;
  #lastProgressAt: number;
  #details: HeartbeatDetails | null = null;
  #failedSinceLanded = 0;
  #lastFailure: unknown;
  #stats = {
    writes: 0,
    failedWrites: 0,
    permanentFailures: 0,
    retries: 0,
    lastWriteAt: null as number | null,
    lastError: undefined as unknown,
    failingSince: null as number | null,
    writesFailing: false,
  };

  constructor(options: HeartbeatOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new HeartbeatOptionsError('options', 'startHeartbeat needs an options object');
    }
    const processorName = nonEmpty('processorName', options.processorName);
    const runId = nonEmpty('runId', options.runId);
    const dataDate = calendarDate('dataDate', options.dataDate);
    const store = options.store;
    if (typeof store?.upsert !== 'function') {
      throw new HeartbeatOptionsError('store', 'option "store" must be a HeartbeatStore');
    }
    if (options.clock !== undefined && !hasMethods(options.clock, ['now', 'setTimeout', 'sleep'])) {
      throw new HeartbeatOptionsError(
        'clock',
        'option "clock" must be a Clock from @pipewell/core',
      );
    }
    if (options.logger !== undefined && !hasMethods(options.logger, loggerMethods)) {
      throw new HeartbeatOptionsError(
        'logger',
        `option "logger" must be a Logger with ${loggerMethods.join(', ')} methods`,
      );
    }
    if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
      throw new HeartbeatOptionsError('onEvent', 'option "onEvent" must be a function');
    }
    this.key = Object.freeze({ processorName, dataDate, runId });
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#onEvent = options.onEvent;
    this.#intervalMs = positiveMs('intervalMs', options.intervalMs ?? 30_000);
    this.#policy = createRetryPolicy({
      preset: 'firestore',
      clock: this.#clock,
      // Only what a later attempt can get past: retrying a permission error only hides it.
      retryOn: (error) => isTransientError(error),
      onRetry: ({ error }) => {
        this.#stats.retries++;
        this.#attempts++;
        this.#lastFailure = error;
        this.#stats.failingSince ??= this.#writeStartedAt;
      },
    });
    this.#startedAt = this.#clock.now();
    this.#lastProgressAt = this.#startedAt;
    this.ready = new Promise((resolve) => {
      this.#resolveReady = resolve;
    });
    this.#enqueue();
    // The tick only queues a write and returns: writes are serialised by #chain, and a tick that
    // finds one still in flight must run on time to report a write retrying for a whole interval.
    this.#loop = every(this.#clock, this.#intervalMs, () => this.#tick(), {
      logger: this.#logger,
    });
  }

  get stopped(): boolean {
    return this.#stopping !== undefined;
  }

  get stats(): HeartbeatStats {
    return { beats: this.#beats, ...this.#stats };
  }

  beat(details?: HeartbeatDetails): void {
    if (this.#stopping !== undefined) {
      this.#logger.warn({ ...this.key }, 'heartbeat: beat() after stop() is ignored');
      return;
    }
    this.#beats++;
    this.#lastProgressAt = this.#clock.now();
    if (details !== undefined) this.#details = details;
  }

  stop(status: StopStatus, summary?: HeartbeatDetails): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    if (!stopStatuses.includes(status)) {
      return Promise.reject(
        new HeartbeatOptionsError(
          'status',
          `stop() needs one of ${stopStatuses.join(', ')} (got ${JSON.stringify(status)})`,
        ),
      );
    }
    void this.#loop.close();
    this.#stopping = this.#enqueue(
      { status, stoppedAt: this.#clock.now(), summary: summary ?? null },
      true,
    );
    return this.#stopping;
  }

  flush(): Promise<void> {
    return this.#chain;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop('cancelled', { reason: 'disposed before stop()' });
  }

  #tick(): void {
    // A write still in flight (a slow store) covers this tick: at most one write per interval.
    // If it has been retrying for a whole interval, that is reported now, not when it gives up.
    if (this.#writing) this.#checkFailing();
    else void this.#enqueue();
  }

  #fields(): HeartbeatFields {
    const now = this.#clock.now();
    const beat: HeartbeatFields = {
      lastBeatAt: now,
      lastProgressAt: this.#lastProgressAt,
      beats: this.#beats,
      details: this.#details,
    };
    if (this.#startWritten) return beat;
    // Until the first write lands, every write carries the whole running record.
    return {
      status: 'running',
      startedAt: this.#startedAt,
      stoppedAt: null,
      summary: null,
      staleAt: null,
      ...beat,
    };
  }

  /** Queue a write of the current state (plus `extra`); writes never overlap. */
  #enqueue(extra: HeartbeatFields = {}, final = false): Promise<void> {
    // #write only rejects when a logger or hook throws while reporting; the chain must not stay
    // rejected, or every later write (and stop()) would fail with it.
    this.#chain = this.#chain.then(() => this.#write(extra, final)).catch(() => {});
    return this.#chain;
  }

  async #write(extra: HeartbeatFields, final: boolean): Promise<void> {
    if (this.#stopping !== undefined && !final) return;
    this.#writing = true;
    this.#writeStartedAt = this.#clock.now();
    this.#attempts = 1;
    const fields: HeartbeatFields = { ...this.#fields(), ...extra };
    try {
      await this.#policy.execute(() => this.#store.upsert(this.key, fields));
      this.#landed();
    } catch (error) {
      this.#failed(error, final);
    } finally {
      this.#writing = false;
    }
  }

  #landed(): void {
    const now = this.#clock.now();
    this.#startWritten = true;
    this.#stats.writes++;
    this.#stats.lastWriteAt = now;
    const since = this.#stats.failingSince;
    if (since !== null) {
      if (this.#stats.writesFailing) {
        const failedForMs = now - since;
        this.#logger.info({ ...this.key, failedForMs }, 'heartbeat: writes land again');
        this.#emit({ type: 'writesRecovered', key: this.key, failedForMs, at: now });
      }
      this.#stats.failingSince = null;
      this.#stats.writesFailing = false;
      this.#failedSinceLanded = 0;
    }
    this.#resolveReady?.(true);
    this.#resolveReady = undefined;
  }

  #failed(error: unknown, final: boolean): void {
    const permanent = isPermanentError(error);
    this.#stats.failedWrites++;
    if (permanent) this.#stats.permanentFailures++;
    this.#stats.lastError = error;
    this.#lastFailure = error;
    this.#failedSinceLanded++;
    this.#stats.failingSince ??= this.#writeStartedAt;
    const attempts = this.#attempts;
    const fields = { ...this.key, err: error, final, permanent, attempts };
    if (permanent) {
      this.#logger.error(
        fields,
        final
          ? 'heartbeat: the store refused the run stop (a permanent error, not retried)'
          : 'heartbeat: the store refused a beat (a permanent error, not retried)',
      );
    } else {
      this.#logger.warn(
        fields,
        final ? 'heartbeat: could not record the run stop' : 'heartbeat: could not write a beat',
      );
    }
    this.#emit({
      type: 'writeFailed',
      key: this.key,
      error,
      permanent,
      final,
      attempts,
      at: this.#clock.now(),
    });
    this.#checkFailing();
    this.#resolveReady?.(false);
    this.#resolveReady = undefined;
  }

  /** Report once per outage when writes have failed for a whole interval. */
  #checkFailing(): void {
    const since = this.#stats.failingSince;
    if (since === null || this.#stats.writesFailing) return;
    const now = this.#clock.now();
    const failingForMs = now - since;
    if (failingForMs < this.#intervalMs) return;
    this.#stats.writesFailing = true;
    this.#logger.error(
      {
        ...this.key,
        err: this.#lastFailure,
        failingForMs,
        failedWrites: this.#failedSinceLanded,
        intervalMs: this.#intervalMs,
      },
      'heartbeat: writes have failed for a whole interval; a stale monitor will take this run for dead',
    );
    this.#emit({
      type: 'writesFailing',
      key: this.key,
      failingSince: since,
      failingForMs,
      failedWrites: this.#failedSinceLanded,
      lastError: this.#lastFailure,
      at: now,
    });
  }

  #emit(event: HeartbeatEvent): void {
    if (this.#onEvent === undefined) return;
    try {
      this.#onEvent(event);
    } catch (error) {
      this.#logger.warn({ ...this.key, err: error }, 'heartbeat: onEvent threw; ignored');
    }
  }
}

/**
 * Start a heartbeat for one processor run: the first write (the run as `running`) starts at once
 * and `ready` settles when it has been tried; then the heartbeat is written every `intervalMs` in
 * the background (an unref'd timer), carrying the latest `beat()` details, until `stop()`.
 *
 * Store failures never fail the processor, and are never silent: transient errors are retried
 * with the `firestore` preset; a permanent one (permission denied, invalid argument) is not
 * retried but logged as an error, told to `onEvent` and counted in `stats` at once; and writes
 * failing for a whole interval are reported (`writesFailing`).
 *
 * @example
 * ```ts
 * await using heartbeat = startHeartbeat({ processorName: 'box_scores', runId, dataDate, store });
 * await heartbeat.ready; // the store now holds the run (or the failure was reported)
 * for (const game of games) {
 *   await loadGame(game);
 *   heartbeat.beat({ lastGameId: game.id, rowsDone: ++done });
 * }
 * await heartbeat.stop('succeeded', { rows: done });
 * ```
 */
export function startHeartbeat(options: HeartbeatOptions): HeartbeatHandle {
  return new Heartbeat(options);
}

/**
 * The most recent run of a processor for a data date (by `startedAt`), or of one run when
 * `runId` is given; undefined when there is none. Rejects with {@link HeartbeatOptionsError}
 * when `dataDate` is not a calendar date (`2026-02-30`).
 *
 * @example
 * ```ts
 * const previous = await latestRun(store, { processorName: 'box_scores', dataDate: '2026-01-24' });
 * if (previous?.status === 'running') logger.warn({ runId: previous.runId }, 'a run is under way');
 * ```
 */
export async function latestRun(
  store: HeartbeatStore,
  key: Omit<RunKey, 'runId'> & { readonly runId?: string },
): Promise<HeartbeatRecord | undefined> {
  calendarDate('dataDate', key?.dataDate);
  if (key.runId !== undefined) return store.get({ ...key, runId: key.runId });
  const runs = await store.listRuns({ processorName: key.processorName, dataDate: key.dataDate });
  let latest: HeartbeatRecord | undefined;
  for (const run of runs)
    if (latest === undefined || run.startedAt > latest.startedAt) latest = run;
  return latest;
}

/**
 * The details the last run of a processor for a data date reported, so a restarted processor can
 * resume mid-batch; undefined when there was no run or it reported none. Rejects with
 * {@link HeartbeatOptionsError} when `dataDate` is not a calendar date.
 *
 * @example
 * ```ts
 * const checkpoint = await lastDetails(store, { processorName: 'box_scores', dataDate });
 * const startAfter = (checkpoint?.lastGameId as string | undefined) ?? '';
 * ```
 */
export async function lastDetails(
  store: HeartbeatStore,
  key: Omit<RunKey, 'runId'> & { readonly runId?: string },
): Promise<HeartbeatDetails | undefined> {
  return (await latestRun(store, key))?.details ?? undefined;
}
