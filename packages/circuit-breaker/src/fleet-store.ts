import { BreakerContentionError } from './errors.js';
import type { StoreOperation } from './events.js';
import type { RecordChange } from './fleet-records.js';
import type { BreakerOutcome, BreakerRecord } from './record.js';
import { emptyRecord } from './record.js';
import type { BreakerRuntime } from './runtime.js';
import type { BreakerStateStore } from './store-port.js';

/** How many compare-and-sets a fleet write tries before it gives up until the next sync. */
export const CAS_ATTEMPTS = 5;

/**
 * How a compare-and-set write ended: with the record in force afterwards, or lost to other
 * writers every time.
 */
export type WriteResult =
  | { readonly kind: 'wrote' | 'unchanged'; readonly record: BreakerRecord }
  | { readonly kind: 'contended' };

/**
 * One breaker's link to its store: every store call goes through here, so the newest record
 * version seen is tracked in one place, faults are reported as `storeError` (and logged) before
 * they are rethrown, and `close()` can wait for work still in flight.
 */
export class StoreLink {
  readonly #runtime: BreakerRuntime;
  readonly #store: BreakerStateStore;
  readonly #pending = new Set<Promise<unknown>>();
  /** The newest record read or written, or undefined when the store has none. */
  #known: BreakerRecord | undefined;
  #lastReadAt = Number.NEGATIVE_INFINITY;

  constructor(runtime: BreakerRuntime, store: BreakerStateStore) {
    this.#runtime = runtime;
    this.#store = store;
  }

  /** The newest record this instance has seen. */
  get known(): BreakerRecord | undefined {
    return this.#known;
  }

  /** When the store last answered a read. */
  get lastReadAt(): number {
    return this.#lastReadAt;
  }

  /** Remember `record` unless a newer version is known; says whether it was the newest. */
  learn(record: BreakerRecord): boolean {
    if (this.#known !== undefined && record.version < this.#known.version) return false;
    this.#known = record;
    return true;
  }

  async read(): Promise<BreakerRecord | undefined> {
    const { name, clock } = this.#runtime;
    try {
      const record = await this.#store.get(name);
      this.#lastReadAt = clock.now();
      // A store that lost the record (wiped) is the truth: versions start again.
      if (record === undefined) this.#known = undefined;
      else this.learn(record);
      return record;
    } catch (error) {
      this.fault('get', error);
      throw error;
    }
  }

  async compareAndSet(expectedVersion: number, next: BreakerRecord): Promise<boolean> {
    try {
      const wrote = await this.#store.compareAndSet(this.#runtime.name, expectedVersion, next);
      if (wrote) this.learn(next);
      return wrote;
    } catch (error) {
      this.fault('compareAndSet', error);
      throw error;
    }
  }

  async recordOutcome(outcome: BreakerOutcome): Promise<BreakerRecord> {
    try {
      return await this.#store.recordOutcome(this.#runtime.name, outcome);
    } catch (error) {
      this.fault('recordOutcome', error);
      throw error;
    }
  }

  /**
   * Compare-and-set `change(current)` into the store, re-reading on conflict, at most
   * {@link CAS_ATTEMPTS} times. `change` returns undefined when the current record needs no write.
   */
  async write(
    change: (record: BreakerRecord, now: number) => RecordChange | undefined,
  ): Promise<WriteResult> {
    const { clock, instanceId } = this.#runtime;
    let record = await this.read();
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const now = clock.now();
      const current = record ?? emptyRecord(now, instanceId);
      const changed = change(current, now);
      if (changed === undefined) return { kind: 'unchanged', record: current };
      const next: BreakerRecord = {
        ...changed,
        version: current.version + 1,
        updatedAt: now,
        updatedBy: instanceId,
      };
      if (await this.compareAndSet(current.version, next)) return { kind: 'wrote', record: next };
      record = await this.read();
    }
    return { kind: 'contended' };
  }

  /** Report a fleet write that lost every compare-and-set; it is retried on the next sync. */
  contended(write: 'trip' | 'reopen' | 'close'): void {
    this.fault(
      'compareAndSet',
      new BreakerContentionError(this.#runtime.name, write, CAS_ATTEMPTS),
    );
  }

  fault(operation: StoreOperation, error: unknown): void {
    const { name, events, log } = this.#runtime;
    log('warn', { err: error, operation }, `store ${operation} failed; using local state`);
    events.emit('storeError', { name, operation, error });
  }

  /** Track background store work; its failure was already reported as `storeError`. */
  background(work: Promise<unknown>): void {
    const tracked = work.catch(() => {});
    this.#pending.add(tracked);
    tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Wait until no background work is in flight, including work started meanwhile. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
