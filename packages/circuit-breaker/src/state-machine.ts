import { BreakerClosedError, BreakerContentionError, CircuitOpenError } from './errors.js';
import type { CloseReason, OpenReason } from './events.js';
import { CAS_ATTEMPTS } from './fleet-store.js';
import type { ClosedPhase, HalfOpenPhase, IsolatedPhase, OpenPhase, Phase } from './phases.js';
import { type FailureTracker, trackerFor } from './policies.js';
import type { BreakerState } from './record.js';
import type { BreakerRuntime } from './runtime.js';

/** What the protected function receives. */
export interface BreakerContext {
  /** The caller's signal (a never-aborting one when the caller gave none). */
  readonly signal: AbortSignal;
}

/** A protected function. */
type Protected<R> = (context: BreakerContext) => R | PromiseLike<R>;

/** The outcome of taking the fleet's probe lease. */
export type Acquired =
  | { readonly kind: 'lease'; readonly period: number; readonly expiresAt: number }
  | { readonly kind: 'closed' | 'open' | 'storeDown' };

/**
 * What the local machine needs from the fleet protocol. A breaker without a store has none, and
 * decides on local state alone.
 */
export interface FleetPort {
  /** The newest fleet period this instance knows of (0 when none). */
  knownPeriod(): number;
  /** A call of the closed period settled without tripping the breaker. */
  counted(failed: boolean, now: number, cause: unknown): void;
  /** This instance tripped on its own failures: publish the trip. */
  tripped(): void;
  /** This instance's probe of fleet period `period` failed at `at`: publish the reopen. */
  reopened(period: number, at: number): void;
  /** This instance's probe closed fleet period `period`: publish the close. */
  probeClosed(period: number): void;
  /** This instance recovered from an open period of its own: its unpublished trip is moot. */
  recoveredAlone(): void;
  /** Take the fleet's probe lease. */
  acquireLease(): Promise<Acquired>;
  /** Write an operator's `isolate()` or `reset()` fleet-wide while `current()` holds; false when it lost every race. */
  operator(write: 'isolate' | 'reset', current: () => boolean): Promise<boolean>;
  /** Read the fleet's state now (and publish a verdict the store missed). */
  sync(): Promise<void>;
  /** Stop syncing and wait for store work in flight. */
  close(): Promise<void>;
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

/** How long a caller is told to wait while another call on this instance takes the probe. */
const PROBE_BUSY_RETRY_MS = 1_000;

/**
 * One breaker's local state machine: decides each call from its phase, counts outcomes in the
 * period they started in, and moves between phases. Fleet verdicts arrive through the methods
 * the fleet protocol calls (`closeFromFleet`, `followFleet`, `isolateFromFleet`).
 */
export class StateMachine {
  readonly #runtime: BreakerRuntime;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #tracker: FailureTracker;
  readonly #needsNow: boolean;
  readonly #timed: boolean;
  /** The fleet protocol, when the breaker shares a store. */
  readonly fleet: FleetPort | undefined;
  #phase: Phase;
  #disposed = false;

  constructor(
    runtime: BreakerRuntime,
    isFailure: (error: unknown) => boolean,
    fleet: (machine: StateMachine) => FleetPort | undefined,
  ) {
    this.#runtime = runtime;
    this.#isFailure = isFailure;
    this.#tracker = trackerFor(runtime.config);
    this.#needsNow = runtime.config.policy === 'timeWindow';
    this.#timed = runtime.config.slowCallMs !== undefined;
    this.#phase = this.#newClosed();
    this.fleet = fleet(this);
  }

  get phase(): Phase {
    return this.#phase;
  }

  get state(): BreakerState {
    const phase = this.#phase;
    return phase.kind === 'isolated' ? 'open' : phase.kind;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  execute<R>(fn: Protected<R>, signal: AbortSignal | undefined): Promise<R> {
    if (this.#disposed) return Promise.reject(new BreakerClosedError(this.#runtime.name));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const phase = this.#phase;
    const { clock, config } = this.#runtime;
    switch (phase.kind) {
      case 'closed':
        return this.#call(fn, signal, phase);
      case 'open': {
        const now = clock.now();
        if (now < phase.halfOpenAt)
          return this.#reject(phase.halfOpenAt - now, 'open', phase.cause);
        return this.#probe(fn, signal, phase);
      }
      case 'half-open':
        if (phase.started < config.halfOpenMaxCalls) {
          phase.started++;
          return this.#call(fn, signal, phase);
        }
        if (clock.now() >= phase.leaseExpiresAt) {
          // The lease timer is due but has not run yet (a busy event loop): decide now.
          this.#expireProbe(phase);
          return this.execute(fn, signal);
        }
        return this.#reject(PROBE_BUSY_RETRY_MS, 'half-open', phase.cause);
      case 'isolated':
        // An isolated breaker has no end; tell callers to look again after one open period.
        return this.#reject(config.openTimeoutMs, 'open', undefined);
    }
  }

  #call<R>(
    fn: Protected<R>,
    signal: AbortSignal | undefined,
    phase: ClosedPhase | HalfOpenPhase,
  ): Promise<R> {
    const { clock, config, events, name } = this.#runtime;
    const timed = this.#timed;
    const start = timed ? clock.now() : 0;
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
        const durationMs = timed ? clock.now() - start : undefined;
        const slowCallMs = config.slowCallMs as number;
        const slow = durationMs !== undefined && durationMs >= slowCallMs;
        this.#settle(
          phase,
          slow,
          slow
            ? new Error(
                `Circuit "${name}": a call took ${durationMs} ms, at least slowCallMs (${slowCallMs} ms)`,
              )
            : undefined,
        );
        if (events.has('success')) events.emit('success', { name, durationMs, slow });
        return value;
      },
      (error: unknown) => {
        this.#failed(phase, error, signal, timed ? clock.now() - start : undefined);
        throw error;
      },
    );
  }

  #newClosed(): ClosedPhase {
    const { events, name } = this.#runtime;
    const phase: ClosedPhase = {
      kind: 'closed',
      onSuccess: <R>(value: R): R => {
        if (this.#phase === phase) this.#settleClosed(false, undefined);
        if (events.has('success')) {
          events.emit('success', { name, durationMs: undefined, slow: false });
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
      this.#runtime.log('error', { err: thrown }, 'isFailure threw; the call counts as a failure');
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
      // Not the service's fault: neither success nor failure. A trial gives its slot back to the
      // half-open period it started in (a later period keeps its own count).
      if (phase.kind === 'half-open') phase.started--;
      return;
    }
    this.#settle(phase, true, error);
    const { events, name } = this.#runtime;
    if (events.has('failure')) events.emit('failure', { name, error, durationMs });
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
    if (phase.successes >= this.#runtime.config.successThreshold) this.#closeAfterProbe(phase);
  }

  /** The closed-state outcome; the caller has checked the call belongs to the current period. */
  #settleClosed(failed: boolean, cause: unknown): void {
    const now = failed || this.#needsNow ? this.#runtime.clock.now() : 0;
    if (this.#tracker.record(failed, now)) {
      this.#trip(now, cause);
      return;
    }
    if (this.fleet !== undefined && !this.#disposed) this.fleet.counted(failed, now, cause);
  }

  #reject<R>(retryAfterMs: number, state: BreakerState, cause: unknown): Promise<R> {
    const { events, name } = this.#runtime;
    const error = new CircuitOpenError(
      name,
      retryAfterMs,
      state,
      cause === undefined ? undefined : { cause },
    );
    if (events.has('rejected')) events.emit('rejected', { name, retryAfterMs, state });
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
    this.#runtime.events.emit('open', {
      name: this.#runtime.name,
      reason,
      halfOpenAt: Number.isFinite(halfOpenAt) ? halfOpenAt : null,
    });
  }

  #trip(now: number, cause: unknown): void {
    const halfOpenAt = now + this.#runtime.config.openTimeoutMs;
    // The trip claims the period after the newest one this instance knows of, so the store can
    // tell it from a trip that arrives after the fleet has moved on.
    const period = (this.fleet?.knownPeriod() ?? 0) + 1;
    this.#enter({ kind: 'open', scope: 'local', period, halfOpenAt, cause, acquiring: false });
    this.fleet?.tripped();
    this.#emitOpen('failures', halfOpenAt);
  }

  #reopen(phase: HalfOpenPhase, reason: 'probeFailed' | 'probeTimeout', cause: unknown): void {
    const now = this.#runtime.clock.now();
    const halfOpenAt = now + this.#runtime.config.openTimeoutMs;
    if (phase.lease) {
      const period = phase.period + 1;
      this.#enter({ kind: 'open', scope: 'fleet', period, halfOpenAt, cause, acquiring: false });
      this.fleet?.reopened(phase.period, now);
    } else {
      const { scope, period } = phase;
      this.#enter({ kind: 'open', scope, period, halfOpenAt, cause, acquiring: false });
    }
    this.#emitOpen(reason, halfOpenAt);
  }

  #closeAfterProbe(phase: HalfOpenPhase): void {
    this.#enter(this.#newClosed());
    if (phase.scope === 'fleet') this.fleet?.probeClosed(phase.period);
    else this.fleet?.recoveredAlone();
    this.#runtime.events.emit('close', { name: this.#runtime.name, reason: 'probeSucceeded' });
  }

  /**
   * The lease ran out before the half-open period decided. A trial still running (hung) makes
   * the probe count as failed. With none running (every trial succeeded, but too few calls came
   * for `successThreshold`), the lease is let go without a verdict: the next call probes afresh,
   * here or, in a fleet, on whichever instance takes the lapsed lease. Only ever called for the
   * current period of a live breaker: leaving half-open, and `dispose()`, clear the lease timer.
   */
  #expireProbe(phase: HalfOpenPhase): void {
    if (phase.started === phase.successes) {
      const { scope, period, leaseExpiresAt: halfOpenAt, cause } = phase;
      this.#enter({ kind: 'open', scope, period, halfOpenAt, cause, acquiring: false });
      return;
    }
    const { name, config } = this.#runtime;
    this.#reopen(
      phase,
      'probeTimeout',
      new Error(
        `Circuit "${name}": the half-open probe did not settle within probeLeaseMs (${config.probeLeaseMs} ms)`,
      ),
    );
  }

  #enterHalfOpen(
    from: OpenPhase,
    lease: boolean,
    period: number,
    expiresAt: number,
  ): HalfOpenPhase {
    const { clock } = this.#runtime;
    const phase: HalfOpenPhase = {
      kind: 'half-open',
      scope: lease ? 'fleet' : from.scope,
      period,
      lease,
      leaseExpiresAt: expiresAt,
      leaseTimer: clock.setTimeout(() => this.#expireProbe(phase), expiresAt - clock.now()).unref(),
      cause: from.cause,
      started: 1,
      successes: 0,
    };
    this.#enter(phase);
    this.#runtime.events.emit('halfOpen', { name: this.#runtime.name });
    return phase;
  }

  /** Probe for this instance alone (no store, an unpublished trip, or the store is down). */
  #probeAlone<R>(fn: Protected<R>, signal: AbortSignal | undefined, phase: OpenPhase): Promise<R> {
    const expiresAt = this.#runtime.clock.now() + this.#runtime.config.probeLeaseMs;
    return this.#call(fn, signal, this.#enterHalfOpen(phase, false, phase.period, expiresAt));
  }

  #probe<R>(fn: Protected<R>, signal: AbortSignal | undefined, phase: OpenPhase): Promise<R> {
    if (phase.scope === 'local' || this.fleet === undefined) {
      return this.#probeAlone(fn, signal, phase);
    }
    if (phase.acquiring) return this.#reject(PROBE_BUSY_RETRY_MS, 'open', phase.cause);
    return this.#acquireThenCall(fn, signal, phase, this.fleet);
  }

  async #acquireThenCall<R>(
    fn: Protected<R>,
    signal: AbortSignal | undefined,
    phase: OpenPhase,
    fleet: FleetPort,
  ): Promise<R> {
    phase.acquiring = true;
    let acquired: Acquired;
    try {
      acquired = await fleet.acquireLease();
    } finally {
      phase.acquiring = false;
    }
    if (this.#disposed) throw new BreakerClosedError(this.#runtime.name);
    const current = this.#phase;
    switch (acquired.kind) {
      case 'lease':
        if (current !== phase) return this.execute(fn, signal);
        return this.#call(
          fn,
          signal,
          this.#enterHalfOpen(phase, true, acquired.period, acquired.expiresAt),
        );
      case 'storeDown':
        if (current !== phase) return this.execute(fn, signal);
        // A store outage must not become an outage of the protected call: probe locally.
        return this.#probeAlone(fn, signal, phase);
      case 'closed':
        return current.kind === 'closed'
          ? this.#call(fn, signal, current)
          : this.#reject(PROBE_BUSY_RETRY_MS, this.state, phase.cause);
      case 'open':
        return current.kind === 'open'
          ? this.#reject(
              Math.max(1, current.halfOpenAt - this.#runtime.clock.now()),
              'open',
              current.cause,
            )
          : this.#reject(PROBE_BUSY_RETRY_MS, this.state, phase.cause);
    }
  }

  /** The fleet closed (or an operator reset it elsewhere). */
  closeFromFleet(reason: CloseReason): void {
    if (this.#phase.kind === 'closed') return;
    this.#enter(this.#newClosed());
    this.#runtime.events.emit('close', { name: this.#runtime.name, reason });
  }

  /** An operator isolated the fleet (the caller has checked this instance is not isolated yet). */
  isolateFromFleet(): void {
    this.#enter({ kind: 'isolated' });
    this.#emitOpen('isolated', Number.POSITIVE_INFINITY);
  }

  /**
   * Open in the fleet's `period` until `halfOpenAt`. `opened` names this instance's own failure
   * when it was the one that opened the fleet.
   */
  followFleet(
    period: number,
    halfOpenAt: number,
    opened: { readonly reason: OpenReason; readonly cause: unknown } | undefined,
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

  /**
   * The fleet opened on this instance's trip `phase`, still the current phase (the caller checked);
   * its event went out at the trip.
   */
  tripPublished(phase: OpenPhase): void {
    this.#phase = { ...phase, scope: 'fleet' };
  }

  /** Operator switch: open fleet-wide until `reset()`. Local state changes at once. */
  async isolate(): Promise<void> {
    const phase: IsolatedPhase = { kind: 'isolated' };
    const previous = this.#enter(phase);
    // Started before the event, so a listener's own reset() comes after it and wins.
    const write = this.fleet?.operator('isolate', () => this.#phase === phase);
    if (previous.kind !== 'isolated') this.#emitOpen('isolated', Number.POSITIVE_INFINITY);
    if (write !== undefined && !(await write)) {
      throw new BreakerContentionError(this.#runtime.name, 'isolate', CAS_ATTEMPTS);
    }
  }

  /** Operator switch: close fleet-wide and forget counted failures, in a new period. */
  async reset(): Promise<void> {
    const phase = this.#newClosed();
    const previous = this.#enter(phase);
    const write = this.fleet?.operator('reset', () => this.#phase === phase);
    if (previous.kind !== 'closed') {
      this.#runtime.events.emit('close', { name: this.#runtime.name, reason: 'reset' });
    }
    if (write !== undefined && !(await write)) {
      throw new BreakerContentionError(this.#runtime.name, 'reset', CAS_ATTEMPTS);
    }
  }

  /** Refuse later calls and stop the probe timer. */
  dispose(): void {
    this.#disposed = true;
    const phase = this.#phase;
    if (phase.kind === 'half-open') phase.leaseTimer.clear();
  }
}
