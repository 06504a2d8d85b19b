import {
  type Clock,
  type ClockTimer,
  type EveryHandle,
  every,
  type Logger,
  silentLogger,
  systemClock,
} from '@pipewell/core';
import type { BreakerConfig, BreakerConfigInput } from './config.js';
import { breakerConfigFromEnv } from './config.js';
import { BreakerClosedError, BreakerConfigError, CircuitOpenError } from './errors.js';
import { Emitter } from './events.js';
import type { FailureTracker } from './policies.js';
import { consecutiveTracker, countWindowTracker, timeWindowTracker } from './policies.js';
import type { BreakerOutcome, BreakerRecord, BreakerState } from './record.js';
import { countTrips, emptyRecord } from './record.js';
import type { BreakerStateStore } from './store.js';
import { createMemoryStore } from './store.js';

/** What the protected function receives. */
export interface BreakerContext {
  /** The caller's signal (a never-aborting one when the caller gave none). */
  readonly signal: AbortSignal;
}

/**
 * Why a breaker opened: its own failures, the fleet's record, a failed trial call, a probe that
 * did not settle within `probeLeaseMs`, or an operator's `isolate()`.
 */
export type OpenReason = 'failures' | 'fleet' | 'probeFailed' | 'probeTimeout' | 'isolated';
/** Why a breaker closed. */
export type CloseReason = 'probeSucceeded' | 'fleet' | 'reset';
/** The store operation that failed, in a `storeError` event. */
export type StoreOperation = 'get' | 'compareAndSet' | 'recordOutcome';

/** The events a breaker emits, by name, with what each listener receives. */
export interface BreakerEvents {
  /** The breaker opened: calls are refused until `halfOpenAt` (null while isolated). */
  open: { readonly name: string; readonly reason: OpenReason; readonly halfOpenAt: number | null };
  /** This instance took the half-open probe: the next calls are trial calls. */
  halfOpen: { readonly name: string };
  /** The breaker closed. */
  close: { readonly name: string; readonly reason: CloseReason };
  /** A call was refused with {@link CircuitOpenError}. */
  rejected: { readonly name: string; readonly retryAfterMs: number; readonly state: BreakerState };
  /** A call succeeded (`slow` when it took at least `slowCallMs`, which counts as a failure). */
  success: {
    readonly name: string;
    readonly durationMs: number | undefined;
    readonly slow: boolean;
  };
  /** A call failed with an error that `isFailure` counts. */
  failure: {
    readonly name: string;
    readonly error: unknown;
    readonly durationMs: number | undefined;
  };
  /** The shared store failed; the breaker carries on with local state and resyncs later. */
  storeError: {
    readonly name: string;
    readonly operation: StoreOperation;
    readonly error: unknown;
  };
}

/** Options for {@link createCircuitBreaker}: settings ({@link BreakerConfigInput}) plus wiring. */
export interface CircuitBreakerOptions extends BreakerConfigInput {
  /** The breaker's name: its key in the store and in `CIRCUIT_BREAKER_<NAME>_*` variables. */
  readonly name: string;
  /**
   * Where the state is shared. Breakers with the same name and store trip and recover together.
   * Pass one {@link createMemoryStore} to breakers in one process, or a Firestore store to a fleet.
   * @default none: state in this breaker's memory only
   */
  readonly store?: BreakerStateStore;
  /**
   * This process's id in the fleet (for the probe lease and quorum).
   * @default a random id
   */
  readonly instanceId?: string;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * Which errors count as failures.
   * @default every error except an abort by the caller
   */
  readonly isFailure?: (error: unknown) => boolean;
  /**
   * Where `CIRCUIT_BREAKER_*` overrides are read; they win over the settings here.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Where the breaker reports what it cannot throw: a listener or `isFailure` that threw, a store
   * fault, a fleet write that kept losing the compare-and-set race.
   * @default silentLogger
   */
  readonly logger?: Logger;
}

/** A circuit breaker. Create one with {@link createCircuitBreaker}. */
export interface CircuitBreaker {
  readonly name: string;
  readonly instanceId: string;
  /** The state as this instance sees it now. */
  readonly state: BreakerState;
  /** The resolved settings. */
  readonly config: BreakerConfig;
  /**
   * Run `fn` if the breaker lets the call through; otherwise reject at once with
   * {@link CircuitOpenError}. `fn`'s errors are rethrown unchanged.
   */
  execute<R>(fn: (context: BreakerContext) => R | PromiseLike<R>, signal?: AbortSignal): Promise<R>;
  /** Open fleet-wide and stay open until {@link CircuitBreaker.reset}. Rejects if the store write fails (local state is isolated anyway). */
  isolate(): Promise<void>;
  /** Close fleet-wide and forget counted failures. Rejects if the store write fails (local state is reset anyway). */
  reset(): Promise<void>;
  /** Read the shared state now (and publish a local change the store missed while it was down). */
  sync(): Promise<void>;
  /** Listen to an event; returns a function that stops listening. */
  on<K extends keyof BreakerEvents>(
    event: K,
    listener: (event: BreakerEvents[K]) => void,
  ): () => void;
  /** Stop background syncing, wait for store writes in flight, drop listeners. Later calls reject. */
  close(): Promise<void>;
  /** The same as {@link CircuitBreaker.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The context of every call made without a signal: one shared object, so such calls allocate
 * none. Each read of `signal` makes a fresh never-aborting signal, so a listener that `fn` adds
 * to it dies with it instead of piling up on a shared one.
 */
const unsignalled: BreakerContext = Object.freeze({
  get signal(): AbortSignal {
    return new AbortController().signal;
  },
});

function isAbort(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'AbortError'
  );
}

function defaultIsFailure(error: unknown): boolean {
  return !isAbort(error);
}

function trackerFor(config: BreakerConfig): FailureTracker {
  switch (config.policy) {
    case 'consecutive':
      return consecutiveTracker(config.failureThreshold);
    case 'countWindow':
      return countWindowTracker(config.failureThreshold, config.windowSize);
    case 'timeWindow':
      return timeWindowTracker(config.windowMs, config.failureRateThreshold, config.minimumCalls);
  }
}

function randomInstanceId(): string {
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  return `${pid}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}

/** How long a caller is told to wait while another call on this instance takes the probe. */
const PROBE_BUSY_RETRY_MS = 1_000;
/** A closed breaker that sees failures reads the fleet state at most this often. */
const FAILURE_SYNC_GAP_MS = 1_000;
const CAS_ATTEMPTS = 5;

/**
 * Whether an open period is the fleet's (the store's period `period`) or this instance's alone
 * (its trip is unpublished, the fleet lacks a quorum, or there is no store).
 */
type Scope = 'local' | 'fleet';

/** Closed: calls go through and are counted. */
interface ClosedPhase {
  readonly kind: 'closed';
  /**
   * Settle handlers bound to this closed period, so a call knows the period it started in
   * without a closure per call.
   */
  readonly onSuccess: <R>(value: R) => R;
  readonly onFailure: (error: unknown) => never;
}

/** Open: calls are refused until `halfOpenAt`. */
interface OpenPhase {
  readonly kind: 'open';
  readonly scope: Scope;
  /** The fleet's period (scope fleet), or the period this instance's trip would open (local). */
  readonly period: number;
  readonly halfOpenAt: number;
  /** The failure that opened it, when this instance saw it. */
  readonly cause: unknown;
  /** A call is taking the fleet's probe lease; others are refused meanwhile. */
  acquiring: boolean;
}

/** Half-open: up to `halfOpenMaxCalls` trial calls decide, within the lease. */
interface HalfOpenPhase {
  readonly kind: 'half-open';
  readonly scope: Scope;
  readonly period: number;
  /** Whether this instance holds the fleet's probe lease (else it probes for itself). */
  readonly lease: boolean;
  /** When the probe counts as failed if it has not decided. */
  readonly leaseExpiresAt: number;
  readonly leaseTimer: ClockTimer;
  readonly cause: unknown;
  started: number;
  successes: number;
}

/** Isolated by an operator: open until `reset()`. */
interface IsolatedPhase {
  readonly kind: 'isolated';
  readonly period: number;
}

type Phase = ClosedPhase | OpenPhase | HalfOpenPhase | IsolatedPhase;

/** A local verdict the store has not taken yet; the next sync publishes it. */
type Unpublished =
  | { readonly kind: 'trip' }
  | { readonly kind: 'reopen'; readonly period: number; readonly at: number }
  | { readonly kind: 'close'; readonly period: number };

/** How a compare-and-set write ended, with the record in force afterwards. */
interface WriteResult {
  readonly kind: 'wrote' | 'unchanged' | 'contended';
  readonly record: BreakerRecord;
}

type Acquired =
  | { readonly kind: 'lease'; readonly period: number; readonly expiresAt: number }
  | { readonly kind: 'closed' | 'open' | 'storeDown' };

type RecordChange = Omit<BreakerRecord, 'version' | 'updatedAt' | 'updatedBy'>;

class Breaker implements CircuitBreaker {
  readonly name: string;
  readonly instanceId: string;
  readonly config: BreakerConfig;
  readonly #clock: Clock;
  /** The shared store; a breaker without one keeps its state in memory and never syncs. */
  readonly #store: BreakerStateStore;
  readonly #shared: boolean;
  readonly #fleetCounting: boolean;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #logger: Logger;
  readonly #tracker: FailureTracker;
  readonly #needsNow: boolean;
  readonly #events: Emitter<BreakerEvents>;
  readonly #pending = new Set<Promise<unknown>>();

  #phase: Phase;
  #known: BreakerRecord | undefined;
  #unpublished: Unpublished | undefined;
  #publishing: { readonly work: Unpublished; readonly done: Promise<void> } | undefined;
  #resettingFailures = false;
  #lastSyncAt = Number.NEGATIVE_INFINITY;
  #syncLoop: EveryHandle | undefined;
  #disposed = false;

  constructor(options: CircuitBreakerOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new BreakerConfigError(
        'options',
        'createCircuitBreaker needs an options object with a name',
      );
    }
    const { name, store, instanceId, clock, isFailure, env, logger, ...settings } = options;
    this.config = breakerConfigFromEnv(name, settings, env).config;
    this.name = name;
    if (instanceId !== undefined && (typeof instanceId !== 'string' || instanceId === '')) {
      throw new BreakerConfigError('instanceId', 'option "instanceId" must be a non-empty string');
    }
    this.instanceId = instanceId ?? randomInstanceId();
    if (isFailure !== undefined && typeof isFailure !== 'function') {
      throw new BreakerConfigError('isFailure', 'option "isFailure" must be a function');
    }
    this.#isFailure = isFailure ?? defaultIsFailure;
    if (
      logger !== undefined &&
      (typeof logger !== 'object' ||
        logger === null ||
        typeof logger.warn !== 'function' ||
        typeof logger.error !== 'function')
    ) {
      throw new BreakerConfigError(
        'logger',
        'option "logger" must be a Logger (pino-style debug / info / warn / error methods)',
      );
    }
    this.#logger = logger ?? silentLogger;
    this.#clock = clock ?? systemClock;
    if (
      store !== undefined &&
      (typeof store.get !== 'function' ||
        typeof store.compareAndSet !== 'function' ||
        typeof store.recordOutcome !== 'function')
    ) {
      throw new BreakerConfigError('store', 'option "store" must implement BreakerStateStore');
    }
    // Without a shared store every store operation is skipped; the placeholder keeps types simple.
    this.#store = store ?? createMemoryStore();
    this.#shared = store !== undefined;
    this.#fleetCounting = this.#shared && this.config.failureScope === 'fleet';
    this.#tracker = trackerFor(this.config);
    this.#needsNow = this.config.policy === 'timeWindow';
    this.#events = new Emitter<BreakerEvents>((event, error) =>
      this.#log('error', { err: error, event }, 'an event listener threw; the breaker ignored it'),
    );
    this.#phase = this.#newClosed();
    if (this.#shared) {
      // Learn the fleet's state (and open period) before this instance's first trip.
      this.#background(this.#syncOnce());
      this.#syncLoop = every(this.#clock, this.config.syncIntervalMs, () => this.#syncTick(), {
        // Store faults were reported as storeError when they happened; nothing is left to say.
        onError: () => {},
      });
    }
  }

  get state(): BreakerState {
    const phase = this.#phase;
    return phase.kind === 'isolated' ? 'open' : phase.kind;
  }

  on<K extends keyof BreakerEvents>(
    event: K,
    listener: (event: BreakerEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  execute<R>(
    fn: (context: BreakerContext) => R | PromiseLike<R>,
    signal?: AbortSignal,
  ): Promise<R> {
    if (this.#disposed) return Promise.reject(this.#disposedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const phase = this.#phase;
    switch (phase.kind) {
      case 'closed':
        return this.#call(fn, signal, phase);
      case 'open': {
        const now = this.#clock.now();
        if (now < phase.halfOpenAt)
          return this.#reject(phase.halfOpenAt - now, 'open', phase.cause);
        return this.#probe(fn, signal, phase);
      }
      case 'half-open':
        if (phase.started < this.config.halfOpenMaxCalls) {
          phase.started++;
          return this.#call(fn, signal, phase);
        }
        if (this.#clock.now() >= phase.leaseExpiresAt) {
          // The lease timer is due but has not run yet (a busy event loop): decide now.
          this.#expireProbe(phase);
          return this.execute(fn, signal);
        }
        return this.#reject(PROBE_BUSY_RETRY_MS, 'half-open', phase.cause);
      case 'isolated':
        // An isolated breaker has no end; tell callers to look again after one open period.
        return this.#reject(this.config.openTimeoutMs, 'open', undefined);
    }
  }

  #call<R>(
    fn: (context: BreakerContext) => R | PromiseLike<R>,
    signal: AbortSignal | undefined,
    phase: ClosedPhase | HalfOpenPhase,
  ): Promise<R> {
    const timed = this.config.slowCallMs !== undefined;
    const start = timed ? this.#clock.now() : 0;
    let promise: Promise<R>;
    try {
      const result = fn(signal === undefined ? unsignalled : { signal });
      promise = result instanceof Promise ? (result as Promise<R>) : Promise.resolve(result);
    } catch (error) {
      promise = Promise.reject(error);
    }
    if (phase.kind === 'closed' && !timed && signal === undefined) {
      return promise.then(phase.onSuccess, phase.onFailure);
    }
    return promise.then(
      (value) => {
        const durationMs = timed ? this.#clock.now() - start : undefined;
        const slowCallMs = this.config.slowCallMs as number;
        const slow = durationMs !== undefined && durationMs >= slowCallMs;
        this.#settle(
          phase,
          slow,
          slow
            ? new Error(
                `Circuit "${this.name}": a call took ${durationMs} ms, at least slowCallMs (${slowCallMs} ms)`,
              )
            : undefined,
        );
        if (this.#events.has('success')) {
          this.#events.emit('success', { name: this.name, durationMs, slow });
        }
        return value;
      },
      (error: unknown) => {
        this.#failed(phase, error, signal, timed ? this.#clock.now() - start : undefined);
        throw error;
      },
    );
  }

  #newClosed(): ClosedPhase {
    const phase: ClosedPhase = {
      kind: 'closed',
      onSuccess: <R>(value: R): R => {
        if (this.#phase === phase) this.#settleClosed(false, undefined);
        if (this.#events.has('success')) {
          this.#events.emit('success', { name: this.name, durationMs: undefined, slow: false });
        }
        return value;
      },
      onFailure: (error: unknown): never => {
        this.#failed(phase, error, undefined, undefined);
        throw error;
      },
    };
    return phase;
  }

  /** Whether `isFailure` counts `error`; an `isFailure` that throws counts it (and is reported). */
  #counts(error: unknown): boolean {
    try {
      return this.#isFailure(error);
    } catch (thrown) {
      this.#log('error', { err: thrown }, 'isFailure threw; the call counts as a failure');
      return true;
    }
  }

  #failed(
    phase: ClosedPhase | HalfOpenPhase,
    error: unknown,
    signal: AbortSignal | undefined,
    durationMs: number | undefined,
  ): void {
    if (signal?.aborted || !this.#counts(error)) {
      // Not the service's fault: neither success nor failure. A trial gives its slot back, but
      // only to the half-open period it started in.
      if (phase.kind === 'half-open' && this.#phase === phase) phase.started--;
      return;
    }
    this.#settle(phase, true, error);
    if (this.#events.has('failure')) {
      this.#events.emit('failure', { name: this.name, error, durationMs });
    }
  }

  /** Count one call's outcome in the period it started in; a later period ignores it. */
  #settle(phase: ClosedPhase | HalfOpenPhase, failed: boolean, cause: unknown): void {
    if (this.#phase !== phase) return;
    if (phase.kind === 'closed') {
      this.#settleClosed(failed, cause);
      return;
    }
    if (failed) {
      this.#reopen(phase, 'probeFailed', cause);
      return;
    }
    phase.successes++;
    if (phase.successes >= this.config.successThreshold) this.#closeAfterProbe(phase);
  }

  /** The closed-state outcome; the caller has checked the call belongs to the current period. */
  #settleClosed(failed: boolean, cause: unknown): void {
    const now = failed || this.#needsNow ? this.#clock.now() : 0;
    if (this.#tracker.record(failed, now)) {
      this.#trip(now, cause);
      return;
    }
    if (!this.#shared || this.#disposed) return;
    if (failed) {
      if (this.#fleetCounting) {
        this.#background(this.#countFleetFailure(now, cause));
      } else if (now - this.#lastSyncAt >= FAILURE_SYNC_GAP_MS) {
        // Failures here may mean the fleet has already opened: look sooner than the next tick.
        this.#background(this.#syncOnce());
      }
    } else if (
      this.#fleetCounting &&
      !this.#resettingFailures &&
      this.#known !== undefined &&
      this.#known.failures > 0
    ) {
      this.#resettingFailures = true;
      this.#background(this.#resetFleetFailures());
    }
  }

  #reject<R>(retryAfterMs: number, state: BreakerState, cause: unknown): Promise<R> {
    const error = new CircuitOpenError(
      this.name,
      retryAfterMs,
      state,
      cause === undefined ? undefined : { cause },
    );
    if (this.#events.has('rejected')) {
      this.#events.emit('rejected', { name: this.name, retryAfterMs, state });
    }
    return Promise.reject(error);
  }

  /** Switch phase; the caller emits the event once every side effect is in place. */
  #enter(next: Phase): Phase {
    const previous = this.#phase;
    if (previous.kind === 'half-open') previous.leaseTimer.clear();
    this.#phase = next;
    if (next.kind === 'closed') this.#tracker.reset();
    return previous;
  }

  #emitOpen(reason: OpenReason, halfOpenAt: number): void {
    this.#events.emit('open', {
      name: this.name,
      reason,
      halfOpenAt: Number.isFinite(halfOpenAt) ? halfOpenAt : null,
    });
  }

  #closeFromFleet(reason: CloseReason): void {
    if (this.#phase.kind === 'closed') return;
    this.#enter(this.#newClosed());
    this.#events.emit('close', { name: this.name, reason });
  }

  #trip(now: number, cause: unknown): void {
    const halfOpenAt = now + this.config.openTimeoutMs;
    // The trip claims the period after the newest one this instance knows of, so the store can
    // tell it from a trip that arrives after the fleet has moved on.
    const period = (this.#known?.period ?? 0) + 1;
    this.#enter({ kind: 'open', scope: 'local', period, halfOpenAt, cause, acquiring: false });
    if (this.#shared) this.#publish({ kind: 'trip' });
    this.#emitOpen('failures', halfOpenAt);
  }

  #reopen(phase: HalfOpenPhase, reason: 'probeFailed' | 'probeTimeout', cause: unknown): void {
    const now = this.#clock.now();
    const halfOpenAt = now + this.config.openTimeoutMs;
    if (phase.lease) {
      this.#enter({
        kind: 'open',
        scope: 'fleet',
        period: phase.period + 1,
        halfOpenAt,
        cause,
        acquiring: false,
      });
      this.#publish({ kind: 'reopen', period: phase.period, at: now });
    } else {
      this.#enter({
        kind: 'open',
        scope: phase.scope,
        period: phase.period,
        halfOpenAt,
        cause,
        acquiring: false,
      });
    }
    this.#emitOpen(reason, halfOpenAt);
  }

  #closeAfterProbe(phase: HalfOpenPhase): void {
    this.#enter(this.#newClosed());
    if (this.#shared && phase.scope === 'fleet') {
      this.#publish({ kind: 'close', period: phase.period });
    } else {
      // This instance recovered on its own: an unpublished trip of its is moot.
      this.#unpublished = undefined;
    }
    this.#events.emit('close', { name: this.name, reason: 'probeSucceeded' });
  }

  /**
   * The lease ran out before the half-open period decided. A trial still running (hung) makes
   * the probe count as failed. With none running (every trial succeeded, but too few calls came
   * for `successThreshold`), the lease is let go without a verdict: the next call probes afresh,
   * here or, in a fleet, on whichever instance takes the lapsed lease.
   */
  #expireProbe(phase: HalfOpenPhase): void {
    if (this.#disposed || this.#phase !== phase) return;
    if (phase.started === phase.successes) {
      this.#enter({
        kind: 'open',
        scope: phase.scope,
        period: phase.period,
        halfOpenAt: phase.leaseExpiresAt,
        cause: phase.cause,
        acquiring: false,
      });
      return;
    }
    this.#reopen(
      phase,
      'probeTimeout',
      new Error(
        `Circuit "${this.name}": the half-open probe did not settle within probeLeaseMs (${this.config.probeLeaseMs} ms)`,
      ),
    );
  }

  #enterHalfOpen(
    from: OpenPhase,
    lease: boolean,
    period: number,
    expiresAt: number,
  ): HalfOpenPhase {
    const phase: HalfOpenPhase = {
      kind: 'half-open',
      scope: lease ? 'fleet' : from.scope,
      period,
      lease,
      leaseExpiresAt: expiresAt,
      leaseTimer: this.#clock
        .setTimeout(() => this.#expireProbe(phase), expiresAt - this.#clock.now())
        .unref(),
      cause: from.cause,
      started: 1,
      successes: 0,
    };
    this.#enter(phase);
    this.#events.emit('halfOpen', { name: this.name });
    return phase;
  }

  #probe<R>(
    fn: (context: BreakerContext) => R | PromiseLike<R>,
    signal: AbortSignal | undefined,
    phase: OpenPhase,
  ): Promise<R> {
    if (phase.scope === 'local' || !this.#shared) {
      // Only this instance is open: it probes for itself.
      const expiresAt = this.#clock.now() + this.config.probeLeaseMs;
      return this.#call(fn, signal, this.#enterHalfOpen(phase, false, phase.period, expiresAt));
    }
    if (phase.acquiring) return this.#reject(PROBE_BUSY_RETRY_MS, 'open', phase.cause);
    return this.#acquireThenCall(fn, signal, phase);
  }

  async #acquireThenCall<R>(
    fn: (context: BreakerContext) => R | PromiseLike<R>,
    signal: AbortSignal | undefined,
    phase: OpenPhase,
  ): Promise<R> {
    phase.acquiring = true;
    let acquired: Acquired;
    try {
      acquired = await this.#acquireLease();
    } finally {
      phase.acquiring = false;
    }
    if (this.#disposed) throw this.#disposedError();
    const current = this.#phase;
    switch (acquired.kind) {
      case 'lease':
        if (current !== phase) return this.execute(fn, signal);
        return this.#call(
          fn,
          signal,
          this.#enterHalfOpen(phase, true, acquired.period, acquired.expiresAt),
        );
      case 'storeDown': {
        if (current !== phase) return this.execute(fn, signal);
        // A store outage must not become an outage of the protected call: probe locally.
        const expiresAt = this.#clock.now() + this.config.probeLeaseMs;
        return this.#call(fn, signal, this.#enterHalfOpen(phase, false, phase.period, expiresAt));
      }
      case 'closed':
        return current.kind === 'closed'
          ? this.#call(fn, signal, current)
          : this.#reject(PROBE_BUSY_RETRY_MS, this.state, phase.cause);
      case 'open':
        return current.kind === 'open'
          ? this.#reject(Math.max(1, current.halfOpenAt - this.#clock.now()), 'open', current.cause)
          : this.#reject(PROBE_BUSY_RETRY_MS, this.state, phase.cause);
    }
  }

  async #acquireLease(): Promise<Acquired> {
    try {
      let record = await this.#read();
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const now = this.#clock.now();
        if (record === undefined) {
          // The fleet has no record (a wiped store): nothing is open.
          this.#unpublished = undefined;
          this.#closeFromFleet('fleet');
          return { kind: 'closed' };
        }
        if (record.state === 'closed') {
          this.#adopt(record);
          return { kind: 'closed' };
        }
        const lease = record.lease;
        const free =
          !record.isolated &&
          (record.state === 'open'
            ? (record.halfOpenAt ?? Number.POSITIVE_INFINITY) <= now
            : lease === null || lease.expiresAt <= now || lease.holder === this.instanceId);
        if (!free) {
          this.#adopt(record);
          return { kind: 'open' };
        }
        const expiresAt = now + this.config.probeLeaseMs;
        const next: BreakerRecord = {
          ...record,
          version: record.version + 1,
          state: 'half-open',
          lease: { holder: this.instanceId, expiresAt },
          updatedAt: now,
          updatedBy: this.instanceId,
        };
        if (await this.#cas(record.version, next)) {
          return { kind: 'lease', period: record.period, expiresAt };
        }
        record = await this.#read();
      }
      return { kind: 'open' };
    } catch {
      return { kind: 'storeDown' };
    }
  }

  /**
   * Follow the fleet's record, newest version first. A local verdict the store has not taken yet
   * wins until it is published; `opened` names this instance's own failure when it was the one
   * that opened the fleet.
   */
  #adopt(record: BreakerRecord, opened?: { reason: OpenReason; cause: unknown }): void {
    if (!this.#learn(record) || this.#unpublished !== undefined) return;
    const phase = this.#phase;
    const now = this.#clock.now();
    switch (record.state) {
      case 'closed':
        if (phase.kind === 'isolated') this.#closeFromFleet('reset');
        else if (phase.kind !== 'closed' && phase.scope === 'fleet') this.#closeFromFleet('fleet');
        return;
      case 'open':
        if (record.isolated) {
          if (phase.kind === 'isolated') return;
          this.#enter({ kind: 'isolated', period: record.period });
          this.#emitOpen('isolated', Number.POSITIVE_INFINITY);
          return;
        }
        this.#followFleet(
          record.period,
          record.halfOpenAt ?? now + this.config.openTimeoutMs,
          opened,
        );
        return;
      case 'half-open':
        if (record.lease?.holder === this.instanceId) return;
        this.#followFleet(
          record.period,
          record.lease?.expiresAt ?? now + this.config.openTimeoutMs,
          undefined,
        );
        return;
    }
  }

  #followFleet(
    period: number,
    halfOpenAt: number,
    opened: { reason: OpenReason; cause: unknown } | undefined,
  ): void {
    const phase = this.#phase;
    if (
      phase.kind === 'open' &&
      phase.scope === 'fleet' &&
      phase.period === period &&
      phase.halfOpenAt === halfOpenAt
    ) {
      return;
    }
    const sameOutage =
      (phase.kind === 'open' || phase.kind === 'half-open') && phase.period === period;
    const cause = sameOutage ? phase.cause : opened?.cause;
    const news = !(phase.kind === 'open' && phase.halfOpenAt === halfOpenAt);
    this.#enter({ kind: 'open', scope: 'fleet', period, halfOpenAt, cause, acquiring: false });
    if (news) this.#emitOpen(opened?.reason ?? 'fleet', halfOpenAt);
  }

  /** Hold a local verdict until the store takes it, and start writing it. */
  #publish(work: Unpublished): void {
    this.#unpublished = work;
    if (!this.#disposed) this.#background(this.#flush(work));
  }

  /**
   * Write `work` to the store; a sync that comes while the same write is in flight waits for it.
   * Each write re-checks that `work` is still the verdict to publish right before its
   * compare-and-set, so a verdict superseded meanwhile (a reset, a newer verdict) is never written.
   */
  #flush(work: Unpublished): Promise<void> {
    const inFlight = this.#publishing;
    if (inFlight?.work === work) return inFlight.done;
    const done: Promise<void> = this.#publishOnce(work).finally(() => {
      if (this.#publishing?.done === done) this.#publishing = undefined;
    });
    this.#publishing = { work, done };
    return done;
  }

  async #publishOnce(work: Unpublished): Promise<void> {
    switch (work.kind) {
      case 'trip':
        return this.#publishTrip(work);
      case 'reopen':
        return this.#publishReopen(work);
      case 'close':
        return this.#publishClose(work);
    }
  }

  async #publishTrip(work: Unpublished): Promise<void> {
    const phase = this.#phase;
    if (phase.kind !== 'open' || phase.scope !== 'local') {
      if (this.#unpublished === work) this.#unpublished = undefined;
      return;
    }
    const { openTimeoutMs, minInstances } = this.config;
    const at = phase.halfOpenAt - openTimeoutMs;
    // The newest period this instance knew of when it tripped.
    const seen = phase.period - 1;
    if (minInstances > 1) {
      const record = await this.#recordOutcome({
        kind: 'trip',
        instanceId: this.instanceId,
        at,
        windowMs: openTimeoutMs,
        period: seen,
      });
      if (this.#unpublished !== work) return;
      if (
        record.state === 'closed' &&
        record.period <= seen &&
        countTrips(record, at - openTimeoutMs) < minInstances
      ) {
        // Too few instances tripped: this one stays open alone.
        this.#unpublished = undefined;
        return;
      }
      if (record.state !== 'closed' || record.period > seen) {
        this.#tripSettled(phase, record, false);
        return;
      }
    }
    const result = await this.#writeFleet((record) =>
      this.#unpublished === work && record.state === 'closed' && record.period <= seen
        ? {
            ...record,
            state: 'open',
            period: seen + 1,
            openedAt: at,
            halfOpenAt: at + openTimeoutMs,
            lease: null,
            isolated: false,
            failures: 0,
          }
        : undefined,
    );
    if (this.#unpublished !== work) return;
    if (result.kind === 'contended') {
      this.#reportContention('trip');
      return;
    }
    this.#tripSettled(phase, result.record, result.kind === 'wrote');
  }

  #tripSettled(phase: OpenPhase, record: BreakerRecord, wrote: boolean): void {
    this.#unpublished = undefined;
    const current = this.#phase;
    if (wrote) {
      // The fleet is open on this instance's trip; its event went out at the trip.
      if (current === phase) this.#phase = { ...phase, scope: 'fleet' };
      else this.#adopt(record);
      return;
    }
    if (
      record.state === 'closed' &&
      record.period >= phase.period &&
      current.kind !== 'closed' &&
      current.kind !== 'isolated' &&
      current.scope === 'local' &&
      current.period === phase.period
    ) {
      // The fleet has opened and closed the period this trip claimed: that newer verdict stands.
      this.#closeFromFleet('fleet');
      return;
    }
    this.#adopt(record);
  }

  async #publishReopen(work: Extract<Unpublished, { kind: 'reopen' }>): Promise<void> {
    const halfOpenAt = work.at + this.config.openTimeoutMs;
    const result = await this.#writeFleet((record) =>
      this.#unpublished === work &&
      record.state === 'half-open' &&
      record.period === work.period &&
      record.lease?.holder === this.instanceId
        ? {
            ...record,
            state: 'open',
            period: work.period + 1,
            openedAt: work.at,
            halfOpenAt,
            lease: null,
          }
        : undefined,
    );
    if (this.#unpublished !== work) return;
    if (result.kind === 'contended') {
      this.#reportContention('reopen');
      return;
    }
    this.#unpublished = undefined;
    this.#adopt(result.record);
  }

  async #publishClose(work: Extract<Unpublished, { kind: 'close' }>): Promise<void> {
    const result = await this.#writeFleet((record, now) => {
      if (
        this.#unpublished !== work ||
        record.state === 'closed' ||
        record.isolated ||
        record.period !== work.period
      ) {
        return undefined;
      }
      const lease = record.lease;
      // Another instance's live probe decides this period.
      if (lease !== null && lease.holder !== this.instanceId && lease.expiresAt > now) {
        return undefined;
      }
      return {
        ...record,
        state: 'closed',
        openedAt: null,
        halfOpenAt: null,
        lease: null,
        trips: {},
        failures: 0,
      };
    });
    if (this.#unpublished !== work) return;
    if (result.kind === 'contended') {
      this.#reportContention('close');
      return;
    }
    this.#unpublished = undefined;
    this.#adopt(result.record);
  }

  async #countFleetFailure(at: number, cause: unknown): Promise<void> {
    const period = this.#known?.period ?? 0;
    const record = await this.#recordOutcome({
      kind: 'failure',
      instanceId: this.instanceId,
      at,
      period,
      failureThreshold: this.config.failureThreshold,
      openTimeoutMs: this.config.openTimeoutMs,
    });
    const openedByThis =
      record.state === 'open' &&
      record.period > period &&
      record.updatedBy === this.instanceId &&
      record.openedAt === at;
    this.#adopt(record, openedByThis ? { reason: 'failures', cause } : undefined);
  }

  async #resetFleetFailures(): Promise<void> {
    try {
      const record = await this.#recordOutcome({
        kind: 'success',
        instanceId: this.instanceId,
        at: this.#clock.now(),
        period: this.#known?.period ?? 0,
      });
      this.#adopt(record);
    } finally {
      this.#resettingFailures = false;
    }
  }

  /**
   * Compare-and-set `change(current)` into the store, re-reading on conflict. `change` returns
   * undefined when the current record needs no write.
   */
  async #writeFleet(
    change: (record: BreakerRecord, now: number) => RecordChange | undefined,
  ): Promise<WriteResult> {
    let record = await this.#read();
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const now = this.#clock.now();
      const current = record ?? emptyRecord(now, this.instanceId);
      const changed = change(current, now);
      if (changed === undefined) return { kind: 'unchanged', record: current };
      const next: BreakerRecord = {
        ...changed,
        version: current.version + 1,
        updatedAt: now,
        updatedBy: this.instanceId,
      };
      if (await this.#cas(current.version, next)) return { kind: 'wrote', record: next };
      record = await this.#read();
    }
    return { kind: 'contended', record: record ?? emptyRecord(this.#clock.now(), this.instanceId) };
  }

  /** Remember `record` unless a newer version is known; says whether it was newest. */
  #learn(record: BreakerRecord): boolean {
    if (this.#known !== undefined && record.version < this.#known.version) return false;
    this.#known = record;
    return true;
  }

  async #read(): Promise<BreakerRecord | undefined> {
    try {
      const record = await this.#store.get(this.name);
      this.#lastSyncAt = this.#clock.now();
      // A store that lost the record (wiped) is the truth: versions start again.
      if (record === undefined) this.#known = undefined;
      else this.#learn(record);
      return record;
    } catch (error) {
      this.#storeFault('get', error);
      throw error;
    }
  }

  async #cas(expectedVersion: number, next: BreakerRecord): Promise<boolean> {
    try {
      const wrote = await this.#store.compareAndSet(this.name, expectedVersion, next);
      if (wrote) this.#learn(next);
      return wrote;
    } catch (error) {
      this.#storeFault('compareAndSet', error);
      throw error;
    }
  }

  async #recordOutcome(outcome: BreakerOutcome): Promise<BreakerRecord> {
    try {
      return await this.#store.recordOutcome(this.name, outcome);
    } catch (error) {
      this.#storeFault('recordOutcome', error);
      throw error;
    }
  }

  #storeFault(operation: StoreOperation, error: unknown): void {
    this.#log('warn', { err: error, operation }, `store ${operation} failed; using local state`);
    this.#events.emit('storeError', { name: this.name, operation, error });
  }

  #reportContention(what: 'trip' | 'reopen' | 'close'): void {
    this.#storeFault(
      'compareAndSet',
      new Error(
        `Circuit "${this.name}": the fleet ${what} lost the compare-and-set race ${CAS_ATTEMPTS} times in a row; it is retried on the next sync`,
      ),
    );
  }

  #log(level: 'warn' | 'error', fields: object, message: string): void {
    try {
      this.#logger[level]({ ...fields, breaker: this.name }, `circuit-breaker: ${message}`);
    } catch {
      // A broken logger must not break the breaker.
    }
  }

  #disposedError(): BreakerClosedError {
    return new BreakerClosedError(this.name);
  }

  /** Track a background store operation; its failure was already reported as `storeError`. */
  #background(work: Promise<unknown>): void {
    const tracked = work.catch(() => {});
    this.#pending.add(tracked);
    tracked.finally(() => this.#pending.delete(tracked));
  }

  async #syncOnce(): Promise<void> {
    const work = this.#unpublished;
    if (work !== undefined) await this.#flush(work);
    const record = await this.#read();
    if (record !== undefined) this.#adopt(record);
  }

  /** One background sync, tracked so `close()` waits for it. */
  #syncTick(): Promise<void> {
    const sync = this.#syncOnce();
    this.#background(sync);
    return sync;
  }

  async sync(): Promise<void> {
    if (this.#shared) await this.#syncOnce();
  }

  async isolate(): Promise<void> {
    const phase: IsolatedPhase = { kind: 'isolated', period: (this.#known?.period ?? 0) + 1 };
    const previous = this.#enter(phase);
    this.#unpublished = undefined;
    // Started before the event, so a listener's own reset() comes after it and wins.
    const write = this.#shared
      ? this.#writeFleet((record, now) =>
          this.#phase === phase
            ? {
                ...record,
                state: 'open',
                period: record.period + 1,
                isolated: true,
                openedAt: now,
                halfOpenAt: null,
                lease: null,
                failures: 0,
              }
            : undefined,
        )
      : undefined;
    if (previous.kind !== 'isolated') this.#emitOpen('isolated', Number.POSITIVE_INFINITY);
    if (write !== undefined && (await write).kind === 'contended') {
      throw new Error(
        `Circuit "${this.name}": isolate() lost the compare-and-set race ${CAS_ATTEMPTS} times; the fleet is not isolated (this instance is)`,
      );
    }
  }

  async reset(): Promise<void> {
    const phase = this.#newClosed();
    const previous = this.#enter(phase);
    this.#unpublished = undefined;
    const write = this.#shared
      ? this.#writeFleet((record) =>
          this.#phase === phase
            ? {
                ...record,
                state: 'closed',
                // A new period, so a trip seen before the reset cannot undo it.
                period: record.period + 1,
                isolated: false,
                openedAt: null,
                halfOpenAt: null,
                lease: null,
                trips: {},
                failures: 0,
              }
            : undefined,
        )
      : undefined;
    if (previous.kind !== 'closed')
      this.#events.emit('close', { name: this.name, reason: 'reset' });
    if (write !== undefined && (await write).kind === 'contended') {
      throw new Error(
        `Circuit "${this.name}": reset() lost the compare-and-set race ${CAS_ATTEMPTS} times; the fleet is not reset (this instance is)`,
      );
    }
  }

  async close(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    void this.#syncLoop?.stop();
    const phase = this.#phase;
    if (phase.kind === 'half-open') phase.leaseTimer.clear();
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    this.#events.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Create a circuit breaker. Settings are resolved once, here, from `options` and the environment
 * ({@link breakerConfigFromEnv}); invalid values throw {@link BreakerConfigError}.
 *
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({ name: 'bigquery', store: createFirestoreStore({ firestore }) });
 * const rows = await breaker.execute(({ signal }) => runQuery(sql, { signal }));
 * ```
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  return new Breaker(options);
}
