import { type Clock, type ClockTimer, systemClock } from '@pipewell/retry';
import type { BreakerConfig, BreakerConfigInput } from './config.js';
import { breakerConfigFromEnv } from './config.js';
import { BreakerConfigError, CircuitOpenError } from './errors.js';
import { Emitter } from './events.js';
import type { FailureTracker } from './policies.js';
import { consecutiveTracker, countWindowTracker, timeWindowTracker } from './policies.js';
import type { BreakerRecord, BreakerState } from './record.js';
import { countTrips, emptyRecord } from './record.js';
import type { BreakerStateStore } from './store.js';
import { createMemoryStore } from './store.js';

/** What the protected function receives. */
export interface BreakerContext {
  /** The caller's signal (a never-aborting one when the caller gave none). */
  readonly signal: AbortSignal;
}

/** Why a breaker opened. */
export type OpenReason = 'failures' | 'fleet' | 'probeFailed' | 'isolated';
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

class Context implements BreakerContext {
  #signal: AbortSignal | undefined;
  constructor(signal: AbortSignal | undefined) {
    this.#signal = signal;
  }
  get signal(): AbortSignal {
    if (this.#signal === undefined) this.#signal = new AbortController().signal;
    return this.#signal;
  }
}

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

type Unsynced = 'trip' | 'close' | undefined;

class Breaker implements CircuitBreaker {
  readonly name: string;
  readonly instanceId: string;
  readonly config: BreakerConfig;
  readonly #clock: Clock;
  /** The shared store; a breaker without one keeps its state in memory and never syncs. */
  readonly #store: BreakerStateStore;
  readonly #shared: boolean;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #tracker: FailureTracker;
  readonly #needsNow: boolean;
  readonly #events = new Emitter<BreakerEvents>();
  readonly #pending = new Set<Promise<unknown>>();

  #state: BreakerState = 'closed';
  #halfOpenAt = 0;
  #isolated = false;
  /** Whether the current open period is the fleet's (in the store) or only this instance's. */
  #openSource: 'local' | 'fleet' = 'local';
  #trialsStarted = 0;
  #trialSuccesses = 0;
  #holdsLease = false;
  #acquiring = false;
  #known: BreakerRecord | undefined;
  #unsynced: Unsynced;
  #lastSyncAt = Number.NEGATIVE_INFINITY;
  #syncTimer: ClockTimer | undefined;
  #closed = false;

  // Bound once, so the closed-state success path allocates no closures.
  readonly #closedSuccess = <R>(value: R): R => {
    if (this.#state === 'closed')
      this.#tracker.record(false, this.#needsNow ? this.#clock.now() : 0);
    if (this.#events.has('success'))
      this.#events.emit('success', { name: this.name, durationMs: undefined, slow: false });
    return value;
  };
  readonly #closedFailure = (error: unknown): never => {
    this.#settleFailure(error, undefined, false, undefined);
    throw error;
  };

  constructor(options: CircuitBreakerOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new BreakerConfigError(
        'options',
        'createCircuitBreaker needs an options object with a name',
      );
    }
    const { name, store, instanceId, clock, isFailure, env, ...settings } = options;
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
    this.#clock = clock ?? systemClock;
    if (
      store !== undefined &&
      (typeof store.get !== 'function' || typeof store.compareAndSet !== 'function')
    ) {
      throw new BreakerConfigError('store', 'option "store" must implement BreakerStateStore');
    }
    // Without a shared store every store operation is skipped; the placeholder keeps types simple.
    this.#store = store ?? createMemoryStore();
    this.#shared = store !== undefined;
    this.#tracker = trackerFor(this.config);
    this.#needsNow = this.config.policy === 'timeWindow';
    if (this.#shared) this.#scheduleSync();
  }

  get state(): BreakerState {
    return this.#state;
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
    if (this.#closed) {
      return Promise.reject(new Error(`Circuit breaker "${this.name}" was closed with close()`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    switch (this.#state) {
      case 'closed':
        return this.#call(fn, signal, false);
      case 'open': {
        const now = this.#clock.now();
        if (now < this.#halfOpenAt) {
          // An isolated breaker has no end; tell callers to look again after one open period.
          return this.#reject(this.#isolated ? this.config.openTimeoutMs : this.#halfOpenAt - now);
        }
        return this.#probe(fn, signal);
      }
      case 'half-open':
        if (this.#trialsStarted < this.config.halfOpenMaxCalls) {
          this.#trialsStarted++;
          return this.#call(fn, signal, true);
        }
        return this.#reject(PROBE_BUSY_RETRY_MS);
    }
  }

  #call<R>(
    fn: (context: BreakerContext) => R | PromiseLike<R>,
    signal: AbortSignal | undefined,
    trial: boolean,
  ): Promise<R> {
    const timed = this.config.slowCallMs !== undefined;
    const start = timed ? this.#clock.now() : 0;
    let promise: Promise<R>;
    try {
      const result = fn(new Context(signal));
      promise = result instanceof Promise ? (result as Promise<R>) : Promise.resolve(result);
    } catch (error) {
      promise = Promise.reject(error);
    }
    if (!trial && !timed && signal === undefined) {
      return promise.then(this.#closedSuccess as (value: R) => R, this.#closedFailure);
    }
    return promise.then(
      (value) => {
        const durationMs = timed ? this.#clock.now() - start : undefined;
        const slow = durationMs !== undefined && durationMs >= (this.config.slowCallMs as number);
        this.#events.emit('success', { name: this.name, durationMs, slow });
        this.#settle(slow, trial);
        return value;
      },
      (error: unknown) => {
        this.#settleFailure(error, signal, trial, timed ? this.#clock.now() - start : undefined);
        throw error;
      },
    );
  }

  #settleFailure(
    error: unknown,
    signal: AbortSignal | undefined,
    trial: boolean,
    durationMs: number | undefined,
  ): void {
    if (signal?.aborted || !this.#isFailure(error)) {
      // Not the service's fault: neither success nor failure. A trial slot is given back.
      if (trial && this.#state === 'half-open') this.#trialsStarted--;
      return;
    }
    this.#events.emit('failure', { name: this.name, error, durationMs });
    this.#settle(true, trial);
  }

  #settle(failed: boolean, trial: boolean): void {
    if (trial) {
      if (this.#state !== 'half-open') return;
      if (failed) {
        this.#reopenAfterProbe();
        return;
      }
      this.#trialSuccesses++;
      if (this.#trialSuccesses >= this.config.successThreshold) this.#closeAfterProbe();
      return;
    }
    if (this.#state !== 'closed') return;
    const now = this.#clock.now();
    if (this.#tracker.record(failed, now)) {
      this.#trip(now);
    } else if (failed && this.#shared && now - this.#lastSyncAt >= FAILURE_SYNC_GAP_MS) {
      // Failures here may mean the fleet has already opened: look sooner than the next tick.
      this.#background(this.#syncOnce());
    }
  }

  #reject<R>(retryAfterMs: number): Promise<R> {
    const state = this.#state;
    if (this.#events.has('rejected'))
      this.#events.emit('rejected', { name: this.name, retryAfterMs, state });
    return Promise.reject(new CircuitOpenError(this.name, retryAfterMs, state));
  }

  #open(reason: OpenReason, source: 'local' | 'fleet', halfOpenAt: number): void {
    const wasOpen = this.#state === 'open' && this.#halfOpenAt === halfOpenAt;
    this.#state = 'open';
    this.#halfOpenAt = halfOpenAt;
    this.#openSource = source;
    this.#trialsStarted = 0;
    this.#trialSuccesses = 0;
    this.#holdsLease = false;
    this.#tracker.reset();
    if (!wasOpen) {
      this.#events.emit('open', {
        name: this.name,
        reason,
        halfOpenAt: Number.isFinite(halfOpenAt) ? halfOpenAt : null,
      });
    }
  }

  #closeLocally(reason: CloseReason): void {
    const wasClosed = this.#state === 'closed';
    this.#state = 'closed';
    this.#isolated = false;
    this.#halfOpenAt = 0;
    this.#openSource = 'local';
    this.#trialsStarted = 0;
    this.#trialSuccesses = 0;
    this.#holdsLease = false;
    this.#tracker.reset();
    if (!wasClosed) this.#events.emit('close', { name: this.name, reason });
  }

  #enterHalfOpen(withLease: boolean): void {
    this.#state = 'half-open';
    this.#holdsLease = withLease;
    this.#trialsStarted = 0;
    this.#trialSuccesses = 0;
    this.#events.emit('halfOpen', { name: this.name });
  }

  #trip(now: number): void {
    this.#open('failures', 'local', now + this.config.openTimeoutMs);
    if (!this.#shared) return;
    this.#unsynced = 'trip';
    this.#background(this.#publishTrip(now));
  }

  #reopenAfterProbe(): void {
    const now = this.#clock.now();
    const halfOpenAt = now + this.config.openTimeoutMs;
    const fleet = this.#holdsLease;
    this.#open('probeFailed', this.#openSource, halfOpenAt);
    if (fleet && this.#shared) {
      this.#background(
        this.#writeFleet((record) =>
          record.lease?.holder === this.instanceId
            ? { ...record, state: 'open', openedAt: now, halfOpenAt, lease: null }
            : undefined,
        ),
      );
    }
  }

  #closeAfterProbe(): void {
    const fleet = this.#holdsLease || this.#openSource === 'fleet';
    this.#closeLocally('probeSucceeded');
    if (fleet && this.#shared) {
      this.#unsynced = 'close';
      this.#background(this.#publishClose());
    }
  }

  #probe<R>(
    fn: (context: BreakerContext) => R | PromiseLike<R>,
    signal: AbortSignal | undefined,
  ): Promise<R> {
    if (this.#isolated) return this.#reject(this.config.openTimeoutMs);
    if (this.#openSource === 'local') {
      // Only this instance is open (its trip was not published, or the fleet lacks a quorum):
      // it probes for itself.
      this.#enterHalfOpen(false);
      this.#trialsStarted = 1;
      return this.#call(fn, signal, true);
    }
    if (this.#acquiring) return this.#reject(PROBE_BUSY_RETRY_MS);
    return this.#acquireThenCall(fn, signal);
  }

  async #acquireThenCall<R>(
    fn: (context: BreakerContext) => R | PromiseLike<R>,
    signal: AbortSignal | undefined,
  ): Promise<R> {
    this.#acquiring = true;
    let outcome: 'lease' | 'closed' | 'open' | 'storeDown';
    try {
      outcome = await this.#acquireLease();
    } finally {
      this.#acquiring = false;
    }
    if (this.#closed) throw new Error(`Circuit breaker "${this.name}" was closed with close()`);
    switch (outcome) {
      case 'closed':
        return this.#state === 'closed'
          ? this.#call(fn, signal, false)
          : this.#reject(PROBE_BUSY_RETRY_MS);
      case 'lease':
        this.#enterHalfOpen(true);
        this.#trialsStarted = 1;
        return this.#call(fn, signal, true);
      case 'storeDown':
        // A store outage must not become an outage of the protected call: probe locally.
        this.#enterHalfOpen(false);
        this.#trialsStarted = 1;
        return this.#call(fn, signal, true);
      case 'open':
        return this.#reject(Math.max(1, this.#halfOpenAt - this.#clock.now()));
    }
  }

  async #acquireLease(): Promise<'lease' | 'closed' | 'open' | 'storeDown'> {
    try {
      let record = await this.#read();
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const now = this.#clock.now();
        if (record === undefined) {
          // The fleet has no record (a wiped store): nothing is open.
          this.#known = undefined;
          this.#closeLocally('fleet');
          return 'closed';
        }
        if (record.state === 'closed') {
          this.#adopt(record);
          return this.#state === 'closed' ? 'closed' : 'open';
        }
        const free =
          !record.isolated &&
          (record.state === 'open'
            ? (record.halfOpenAt ?? Number.POSITIVE_INFINITY) <= now
            : record.lease === null ||
              record.lease.expiresAt <= now ||
              record.lease.holder === this.instanceId);
        if (!free) {
          this.#adopt(record);
          return 'open';
        }
        const next: BreakerRecord = {
          ...record,
          version: record.version + 1,
          state: 'half-open',
          lease: { holder: this.instanceId, expiresAt: now + this.config.probeLeaseMs },
          updatedAt: now,
          updatedBy: this.instanceId,
        };
        if (await this.#cas(record.version, next)) return 'lease';
        record = await this.#read();
      }
      return 'open';
    } catch {
      return 'storeDown';
    }
  }

  /** Adopt the fleet's record, newest version wins; local-only changes stay until published. */
  #adopt(record: BreakerRecord): void {
    if (this.#known !== undefined && record.version < this.#known.version) return;
    this.#known = record;
    if (this.#unsynced !== undefined) return;
    const now = this.#clock.now();
    switch (record.state) {
      case 'closed':
        if (this.#state !== 'closed' && (this.#openSource === 'fleet' || this.#isolated)) {
          this.#closeLocally(this.#isolated ? 'reset' : 'fleet');
        }
        return;
      case 'open':
        if (record.isolated) {
          this.#isolated = true;
          this.#open('isolated', 'fleet', Number.POSITIVE_INFINITY);
          return;
        }
        this.#isolated = false;
        if (this.#state !== 'open' || this.#halfOpenAt !== record.halfOpenAt) {
          this.#open('fleet', 'fleet', record.halfOpenAt ?? now + this.config.openTimeoutMs);
        }
        this.#openSource = 'fleet';
        return;
      case 'half-open':
        if (record.lease?.holder === this.instanceId) return;
        this.#open('fleet', 'fleet', record.lease?.expiresAt ?? now + this.config.openTimeoutMs);
        return;
    }
  }

  async #publishTrip(at: number): Promise<void> {
    if (this.config.minInstances > 1) {
      const record = await this.#recordOutcome({
        instanceId: this.instanceId,
        at,
        windowMs: this.config.openTimeoutMs,
      });
      if (
        record.state !== 'closed' ||
        countTrips(record, at - this.config.openTimeoutMs) < this.config.minInstances
      ) {
        // Either the fleet is already open, or too few instances tripped: this one stays open alone.
        this.#unsynced = undefined;
        if (record.state !== 'closed') this.#adopt(record);
        return;
      }
    }
    const halfOpenAt = at + this.config.openTimeoutMs;
    const wrote = await this.#writeFleet((record) =>
      record.state === 'closed'
        ? { ...record, state: 'open', openedAt: at, halfOpenAt, lease: null, isolated: false }
        : undefined,
    );
    this.#unsynced = undefined;
    if (
      wrote !== undefined &&
      wrote.state === 'open' &&
      wrote.updatedBy === this.instanceId &&
      wrote.openedAt === at
    ) {
      if (this.#state === 'open' && this.#halfOpenAt === halfOpenAt) this.#openSource = 'fleet';
    } else if (wrote !== undefined) {
      this.#adopt(wrote);
    }
  }

  async #publishClose(): Promise<void> {
    const wrote = await this.#writeFleet((record) =>
      record.state !== 'closed' && !record.isolated
        ? { ...record, state: 'closed', openedAt: null, halfOpenAt: null, lease: null, trips: {} }
        : undefined,
    );
    this.#unsynced = undefined;
    if (wrote !== undefined) this.#adopt(wrote);
  }

  /**
   * Compare-and-set `change(current)` into the store, re-reading on conflict. `change` returns
   * undefined when the current record needs no write. Returns the record in force afterwards.
   */
  async #writeFleet(
    change: (
      record: BreakerRecord,
    ) => Omit<BreakerRecord, 'version' | 'updatedAt' | 'updatedBy'> | undefined,
  ): Promise<BreakerRecord | undefined> {
    let record = await this.#read();
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const now = this.#clock.now();
      const current = record ?? emptyRecord(now, this.instanceId);
      const changed = change(current);
      if (changed === undefined) return current;
      const next: BreakerRecord = {
        ...changed,
        version: current.version + 1,
        updatedAt: now,
        updatedBy: this.instanceId,
      };
      if (await this.#cas(current.version, next)) return next;
      record = await this.#read();
    }
    return record;
  }

  async #read(): Promise<BreakerRecord | undefined> {
    try {
      const record = await this.#store.get(this.name);
      this.#lastSyncAt = this.#clock.now();
      if (
        record !== undefined &&
        (this.#known === undefined || record.version >= this.#known.version)
      ) {
        this.#known = record;
      }
      return record;
    } catch (error) {
      this.#storeFault('get', error);
      throw error;
    }
  }

  async #cas(expectedVersion: number, next: BreakerRecord): Promise<boolean> {
    try {
      const wrote = await this.#store.compareAndSet(this.name, expectedVersion, next);
      if (wrote) this.#known = next;
      return wrote;
    } catch (error) {
      this.#storeFault('compareAndSet', error);
      throw error;
    }
  }

  async #recordOutcome(outcome: {
    instanceId: string;
    at: number;
    windowMs: number;
  }): Promise<BreakerRecord> {
    try {
      const record = await this.#store.recordOutcome(this.name, outcome);
      this.#known = record;
      return record;
    } catch (error) {
      this.#storeFault('recordOutcome', error);
      throw error;
    }
  }

  #storeFault(operation: StoreOperation, error: unknown): void {
    this.#events.emit('storeError', { name: this.name, operation, error });
  }

  /** Track a background store operation; its failure was already reported as `storeError`. */
  #background(work: Promise<unknown>): void {
    const tracked = work.catch(() => {});
    this.#pending.add(tracked);
    tracked.finally(() => this.#pending.delete(tracked));
  }

  async #syncOnce(): Promise<void> {
    const unsynced = this.#unsynced;
    if (unsynced === 'trip' && this.#state === 'open') {
      await this.#publishTrip(this.#halfOpenAt - this.config.openTimeoutMs);
    } else if (unsynced === 'close' && this.#state === 'closed') {
      await this.#publishClose();
    } else {
      this.#unsynced = undefined;
    }
    const record = await this.#read();
    if (record !== undefined) this.#adopt(record);
  }

  #scheduleSync(): void {
    if (this.#closed) return;
    this.#syncTimer = this.#clock
      .setTimeout(() => {
        this.#background(this.#syncOnce().finally(() => this.#scheduleSync()));
      }, this.config.syncIntervalMs)
      .unref();
  }

  async sync(): Promise<void> {
    if (this.#shared) await this.#syncOnce();
  }

  async isolate(): Promise<void> {
    this.#isolated = true;
    this.#open('isolated', 'fleet', Number.POSITIVE_INFINITY);
    this.#unsynced = undefined;
    if (!this.#shared) return;
    await this.#writeFleet((record) => ({
      ...record,
      state: 'open',
      isolated: true,
      openedAt: this.#clock.now(),
      halfOpenAt: null,
      lease: null,
    }));
  }

  async reset(): Promise<void> {
    this.#closeLocally('reset');
    this.#unsynced = undefined;
    if (!this.#shared) return;
    await this.#writeFleet((record) => ({
      ...record,
      state: 'closed',
      isolated: false,
      openedAt: null,
      halfOpenAt: null,
      lease: null,
      trips: {},
    }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#syncTimer?.clear();
    this.#syncTimer = undefined;
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
