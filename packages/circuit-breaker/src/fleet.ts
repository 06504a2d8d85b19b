import { type EveryHandle, every } from '@pipewell/core';
import type { OpenReason } from './events.js';
import {
  adoption,
  closeAfterProbe,
  isolateRecord,
  leaseIsFree,
  openOnTrip,
  reopenAfterProbe,
  resetRecord,
  takeLease,
  tripQuorum,
} from './fleet-records.js';
import { CAS_ATTEMPTS, StoreLink } from './fleet-store.js';
import type { OpenPhase } from './phases.js';
import type { BreakerRecord } from './record.js';
import type { BreakerRuntime } from './runtime.js';
import type { Acquired, FleetPort, StateMachine } from './state-machine.js';
import type { BreakerStateStore } from './store-port.js';

/** A closed breaker that sees failures reads the fleet state at most this often. */
const FAILURE_SYNC_GAP_MS = 1_000;

/** A local verdict the store has not taken yet; the next sync publishes it. */
type Unpublished =
  | { readonly kind: 'trip' }
  | { readonly kind: 'reopen'; readonly period: number; readonly at: number }
  | { readonly kind: 'close'; readonly period: number };

/**
 * The fleet protocol for one breaker: publishes its local verdicts (a trip, with a quorum when
 * `minInstances > 1`; a probe's reopen or close), takes the probe lease, counts failures
 * fleet-wide, and follows the fleet's record on every read. The rules themselves are the pure
 * functions of `fleet-records.ts`; every store call goes through {@link StoreLink}.
 *
 * A verdict is held as `unpublished` until the store takes it; while one is held, the fleet's
 * record is not adopted, so a local verdict wins until it is published (or superseded).
 */
export class Fleet implements FleetPort {
  readonly #runtime: BreakerRuntime;
  readonly #local: StateMachine;
  readonly #link: StoreLink;
  readonly #fleetCounting: boolean;
  readonly #syncLoop: EveryHandle;
  #unpublished: Unpublished | undefined;
  #publishing: { readonly work: Unpublished; readonly done: Promise<void> } | undefined;
  #resettingFailures = false;

  constructor(runtime: BreakerRuntime, store: BreakerStateStore, local: StateMachine) {
    this.#runtime = runtime;
    this.#local = local;
    this.#link = new StoreLink(runtime, store);
    this.#fleetCounting = runtime.config.failureScope === 'fleet';
    // Learn the fleet's state (and open period) before this instance's first trip.
    this.#link.background(this.#syncOnce());
    // A failed tick is dropped (no onError, no logger): its store fault was reported as
    // storeError when it happened.
    this.#syncLoop = every(runtime.clock, runtime.config.syncIntervalMs, () => this.#syncTick());
  }

  knownPeriod(): number {
    return this.#link.known?.period ?? 0;
  }

  counted(failed: boolean, now: number, cause: unknown): void {
    const link = this.#link;
    if (failed) {
      if (this.#fleetCounting) {
        link.background(this.#countFailure(now, cause));
      } else if (now - link.lastReadAt >= FAILURE_SYNC_GAP_MS) {
        // Failures here may mean the fleet has already opened: look sooner than the next tick.
        link.background(this.#syncOnce());
      }
    } else if (
      this.#fleetCounting &&
      !this.#resettingFailures &&
      link.known !== undefined &&
      link.known.failures > 0
    ) {
      this.#resettingFailures = true;
      link.background(this.#resetFailures());
    }
  }

  tripped(): void {
    this.#publish({ kind: 'trip' });
  }

  reopened(period: number, at: number): void {
    this.#publish({ kind: 'reopen', period, at });
  }

  probeClosed(period: number): void {
    this.#publish({ kind: 'close', period });
  }

  recoveredAlone(): void {
    this.#unpublished = undefined;
  }

  async sync(): Promise<void> {
    await this.#syncOnce();
  }

  async close(): Promise<void> {
    void this.#syncLoop.close();
    await this.#link.settled();
  }

  /**
   * Follow the fleet's record, newest version first. A local verdict the store has not taken yet
   * wins until it is published; `opened` names this instance's own failure when it was the one
   * that opened the fleet.
   */
  #adopt(record: BreakerRecord, opened?: { reason: OpenReason; cause: unknown }): void {
    if (!this.#link.learn(record) || this.#unpublished !== undefined) return;
    const { instanceId, clock, config } = this.#runtime;
    const local = this.#local;
    const next = adoption(local.phase, record, instanceId, clock.now(), config.openTimeoutMs);
    switch (next.kind) {
      case 'keep':
        return;
      case 'close':
        local.closeFromFleet(next.reason);
        return;
      case 'isolate':
        local.isolateFromFleet();
        return;
      case 'follow':
        local.followFleet(next.period, next.halfOpenAt, opened);
        return;
    }
  }

  async #syncOnce(): Promise<void> {
    const work = this.#unpublished;
    if (work !== undefined) await this.#flush(work);
    const record = await this.#link.read();
    if (record !== undefined) this.#adopt(record);
  }

  /** One background sync, tracked so `close()` waits for it. */
  #syncTick(): Promise<void> {
    const sync = this.#syncOnce();
    this.#link.background(sync);
    return sync;
  }

  /** Hold a local verdict until the store takes it, and start writing it. */
  #publish(work: Unpublished): void {
    this.#unpublished = work;
    if (!this.#local.disposed) this.#link.background(this.#flush(work));
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
    const phase = this.#local.phase;
    if (phase.kind !== 'open' || phase.scope !== 'local') {
      if (this.#unpublished === work) this.#unpublished = undefined;
      return;
    }
    const { openTimeoutMs, minInstances } = this.#runtime.config;
    const at = phase.halfOpenAt - openTimeoutMs;
    // The newest period this instance knew of when it tripped.
    const seen = phase.period - 1;
    if (minInstances > 1) {
      const record = await this.#link.recordOutcome({
        kind: 'trip',
        instanceId: this.#runtime.instanceId,
        at,
        windowMs: openTimeoutMs,
        period: seen,
      });
      if (this.#unpublished !== work) return;
      switch (tripQuorum(record, { seen, at, windowMs: openTimeoutMs }, minInstances)) {
        case 'alone':
          // Too few instances tripped: this one stays open alone.
          this.#unpublished = undefined;
          return;
        case 'superseded':
          this.#tripSettled(phase, record, false);
          return;
        case 'quorum':
          break;
      }
    }
    const result = await this.#link.write((record) =>
      this.#unpublished === work ? openOnTrip(record, { seen, at, openTimeoutMs }) : undefined,
    );
    if (this.#unpublished !== work) return;
    if (result.kind === 'contended') {
      this.#link.contended('trip');
      return;
    }
    this.#tripSettled(phase, result.record, result.kind === 'wrote');
  }

  #tripSettled(phase: OpenPhase, record: BreakerRecord, wrote: boolean): void {
    this.#unpublished = undefined;
    const current = this.#local.phase;
    if (wrote) {
      if (current === phase) this.#local.tripPublished(phase);
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
      this.#local.closeFromFleet('fleet');
      return;
    }
    this.#adopt(record);
  }

  async #publishReopen(work: Extract<Unpublished, { kind: 'reopen' }>): Promise<void> {
    const { instanceId, config } = this.#runtime;
    const probe = {
      period: work.period,
      at: work.at,
      holder: instanceId,
      openTimeoutMs: config.openTimeoutMs,
    };
    const result = await this.#link.write((record) =>
      this.#unpublished === work ? reopenAfterProbe(record, probe) : undefined,
    );
    this.#published(work, result, 'reopen');
  }

  async #publishClose(work: Extract<Unpublished, { kind: 'close' }>): Promise<void> {
    const holder = this.#runtime.instanceId;
    const result = await this.#link.write((record, now) =>
      this.#unpublished === work
        ? closeAfterProbe(record, { period: work.period, holder, now })
        : undefined,
    );
    this.#published(work, result, 'close');
  }

  /** After a probe's verdict was written (or found moot): follow the record, unless superseded. */
  #published(
    work: Unpublished,
    result: Awaited<ReturnType<StoreLink['write']>>,
    what: 'reopen' | 'close',
  ): void {
    if (this.#unpublished !== work) return;
    if (result.kind === 'contended') {
      this.#link.contended(what);
      return;
    }
    this.#unpublished = undefined;
    this.#adopt(result.record);
  }

  async #countFailure(at: number, cause: unknown): Promise<void> {
    const { instanceId, config } = this.#runtime;
    const period = this.knownPeriod();
    const record = await this.#link.recordOutcome({
      kind: 'failure',
      instanceId,
      at,
      period,
      failureThreshold: config.failureThreshold,
      openTimeoutMs: config.openTimeoutMs,
    });
    const openedByThis =
      record.state === 'open' &&
      record.period > period &&
      record.updatedBy === instanceId &&
      record.openedAt === at;
    this.#adopt(record, openedByThis ? { reason: 'failures', cause } : undefined);
  }

  async #resetFailures(): Promise<void> {
    try {
      const record = await this.#link.recordOutcome({
        kind: 'success',
        instanceId: this.#runtime.instanceId,
        at: this.#runtime.clock.now(),
        period: this.knownPeriod(),
      });
      this.#adopt(record);
    } finally {
      this.#resettingFailures = false;
    }
  }

  async acquireLease(): Promise<Acquired> {
    const { instanceId, clock, config } = this.#runtime;
    const link = this.#link;
    try {
      let record = await link.read();
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const now = clock.now();
        if (record === undefined) {
          // The fleet has no record (a wiped store): nothing is open.
          this.#unpublished = undefined;
          this.#local.closeFromFleet('fleet');
          return { kind: 'closed' };
        }
        if (record.state === 'closed') {
          this.#adopt(record);
          return { kind: 'closed' };
        }
        if (!leaseIsFree(record, instanceId, now)) {
          this.#adopt(record);
          return { kind: 'open' };
        }
        const expiresAt = now + config.probeLeaseMs;
        const next = takeLease(record, { holder: instanceId, expiresAt, now });
        if (await link.compareAndSet(record.version, next)) {
          return { kind: 'lease', period: record.period, expiresAt };
        }
        record = await link.read();
      }
      return { kind: 'open' };
    } catch {
      return { kind: 'storeDown' };
    }
  }

  async operator(write: 'isolate' | 'reset', current: () => boolean): Promise<boolean> {
    // The operator's word replaces any local verdict still waiting to be published.
    this.#unpublished = undefined;
    const result = await this.#link.write((record, now) => {
      if (!current()) return undefined;
      return write === 'isolate' ? isolateRecord(record, now) : resetRecord(record);
    });
    return result.kind !== 'contended';
  }
}
