import {
  type Clock,
  type ClockTimer,
  createRetryPolicy,
  type Logger,
  type RetryPolicy,
  silentLogger,
  systemClock,
} from '@pipewell/retry';
import { HeartbeatOptionsError, nonEmpty, positiveMs } from './errors.js';
import type {
  HeartbeatDetails,
  HeartbeatFields,
  HeartbeatRecord,
  RunKey,
  StopStatus,
} from './record.js';
import type { HeartbeatStore } from './store.js';

/** Options for {@link startHeartbeat}. */
export interface HeartbeatOptions extends RunKey {
  /** Where beats are written. */
  readonly store: HeartbeatStore;
  /**
   * How often the heartbeat is written, in the background, whatever the processor is doing.
   * @default 30000
   */
  readonly intervalMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Store failures are logged here (as warnings), never thrown. @default silentLogger */
  readonly logger?: Logger;
}

/** What a heartbeat has done so far. */
export interface HeartbeatStats {
  /** `beat()` calls. */
  readonly beats: number;
  /** Store writes that landed. */
  readonly writes: number;
  /** Writes that failed even after retries (the processor went on). */
  readonly failedWrites: number;
  /** Retries of store writes. */
  readonly retries: number;
  /** Epoch ms of the last write that landed, or null. */
  readonly lastWriteAt: number | null;
  /** The last write error, or undefined. */
  readonly lastError: unknown;
}

/** A running heartbeat. Stop it with {@link HeartbeatHandle.stop}, or let `await using` do it. */
export interface HeartbeatHandle extends AsyncDisposable {
  readonly key: RunKey;
  /**
   * Record progress, with an optional checkpoint (a cursor, rows done). Synchronous and cheap: it
   * never waits for the store; the next background write carries it.
   */
  beat(details?: HeartbeatDetails): void;
  /**
   * Record the run's end and stop beating. Waits for the write (retried) but never throws for a
   * store failure. A second call returns the first call's promise.
   */
  stop(status: StopStatus, summary?: HeartbeatDetails): Promise<void>;
  /** Wait for the write in flight, if any. */
  flush(): Promise<void>;
  readonly stopped: boolean;
  readonly stats: HeartbeatStats;
}

const stopStatuses: readonly StopStatus[] = ['succeeded', 'failed', 'cancelled'];
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

class Heartbeat implements HeartbeatHandle {
  readonly key: RunKey;
  readonly #store: HeartbeatStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #policy: RetryPolicy;
  readonly #startedAt: number;
  #timer: ClockTimer | undefined;
  #chain: Promise<void> = Promise.resolve();
  #writing = false;
  #startWritten = false;
  #stopping: Promise<void> | undefined;
  #beats = 0;
  #lastProgressAt: number;
  #details: HeartbeatDetails | null = null;
  #stats = {
    writes: 0,
    failedWrites: 0,
    retries: 0,
    lastWriteAt: null as number | null,
    lastError: undefined as unknown,
  };

  constructor(options: HeartbeatOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new HeartbeatOptionsError('options', 'startHeartbeat needs an options object');
    }
    const processorName = nonEmpty('processorName', options.processorName);
    const runId = nonEmpty('runId', options.runId);
    const dataDate = nonEmpty('dataDate', options.dataDate);
    if (!datePattern.test(dataDate) || Number.isNaN(Date.parse(dataDate))) {
      throw new HeartbeatOptionsError(
        'dataDate',
        `option "dataDate" must be a date as YYYY-MM-DD (got ${JSON.stringify(dataDate)})`,
      );
    }
    const store = options.store;
    if (typeof store?.upsert !== 'function') {
      throw new HeartbeatOptionsError('store', 'option "store" must be a HeartbeatStore');
    }
    this.key = Object.freeze({ processorName, dataDate, runId });
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#intervalMs = positiveMs('intervalMs', options.intervalMs ?? 30_000);
    this.#policy = createRetryPolicy({
      preset: 'firestore',
      clock: this.#clock,
      retryOn: () => true,
      onRetry: () => {
        this.#stats.retries++;
      },
    });
    this.#startedAt = this.#clock.now();
    this.#lastProgressAt = this.#startedAt;
    this.#enqueue();
    this.#schedule();
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
    this.#timer?.clear();
    this.#timer = undefined;
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

  #schedule(): void {
    this.#timer = this.#clock
      .setTimeout(() => {
        // A write still in flight (a slow store) covers this tick: at most one write per interval.
        if (!this.#writing) this.#enqueue();
        this.#schedule();
      }, this.#intervalMs)
      .unref();
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
    this.#chain = this.#chain.then(() => this.#write(extra, final));
    return this.#chain;
  }

  async #write(extra: HeartbeatFields, final: boolean): Promise<void> {
    if (this.#stopping !== undefined && !final) return;
    this.#writing = true;
    const fields: HeartbeatFields = { ...this.#fields(), ...extra };
    try {
      await this.#policy.execute(() => this.#store.upsert(this.key, fields));
      this.#startWritten = true;
      this.#stats.writes++;
      this.#stats.lastWriteAt = this.#clock.now();
    } catch (error) {
      this.#stats.failedWrites++;
      this.#stats.lastError = error;
      this.#logger.warn(
        { ...this.key, err: error, final },
        final ? 'heartbeat: could not record the run stop' : 'heartbeat: could not write a beat',
      );
    } finally {
      this.#writing = false;
    }
  }
}

/**
 * Start a heartbeat for one processor run: the run is recorded as running at once, then written
 * every `intervalMs` in the background (an unref'd timer), carrying the latest `beat()` details,
 * until `stop()`. Store failures are retried with the `firestore` preset, logged and counted in
 * `stats`, and never fail the processor.
 *
 * @example
 * ```ts
 * await using heartbeat = startHeartbeat({ processorName: 'box_scores', runId, dataDate, store });
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
 * `runId` is given; undefined when there is none.
 */
export async function latestRun(
  store: HeartbeatStore,
  key: Omit<RunKey, 'runId'> & { readonly runId?: string },
): Promise<HeartbeatRecord | undefined> {
  if (key.runId !== undefined) return store.get({ ...key, runId: key.runId });
  const runs = await store.listRuns({ processorName: key.processorName, dataDate: key.dataDate });
  let latest: HeartbeatRecord | undefined;
  for (const run of runs)
    if (latest === undefined || run.startedAt > latest.startedAt) latest = run;
  return latest;
}

/**
 * The details the last run of a processor for a data date reported, so a restarted processor can
 * resume mid-batch; undefined when there was no run or it reported none.
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
