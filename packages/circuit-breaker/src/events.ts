import type { BreakerState } from './record.js';

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
  /** A call was refused with `CircuitOpenError`. */
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
  /**
   * The shared store failed (or a fleet write kept losing the compare-and-set race); the breaker
   * carries on with local state and resyncs later.
   */
  storeError: {
    readonly name: string;
    readonly operation: StoreOperation;
    readonly error: unknown;
  };
}

/**
 * A listener registry with no cost when nobody listens. A listener that throws (or returns a
 * promise that rejects) is reported to `onListenerError` and never reaches the emitter's caller,
 * so a faulty listener cannot replace a call's result or stop a state change.
 */
export class Emitter<Events extends object> {
  readonly #listeners: { [K in keyof Events]?: Array<(event: Events[K]) => void> } = {};
  readonly #onListenerError: (event: keyof Events, error: unknown) => void;

  constructor(onListenerError: (event: keyof Events, error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof Events>(event: K, listener: (event: Events[K]) => void): () => void {
    const list = this.#listeners[event] ?? [];
    list.push(listener);
    this.#listeners[event] = list;
    return () => {
      const current = this.#listeners[event];
      if (current === undefined) return;
      const index = current.indexOf(listener);
      if (index !== -1) current.splice(index, 1);
      if (current.length === 0) delete this.#listeners[event];
    };
  }

  has(event: keyof Events): boolean {
    return this.#listeners[event] !== undefined;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.#listeners[event];
    if (list === undefined) return;
    for (const listener of [...list]) {
      try {
        const result: unknown = listener(payload);
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
          (result as PromiseLike<unknown>).then(undefined, (error: unknown) =>
            this.#report(event, error),
          );
        }
      } catch (error) {
        this.#report(event, error);
      }
    }
  }

  #report(event: keyof Events, error: unknown): void {
    try {
      this.#onListenerError(event, error);
    } catch {
      // The report is best effort: a broken logger must not break the breaker either.
    }
  }

  clear(): void {
    for (const key of Object.keys(this.#listeners)) delete this.#listeners[key as keyof Events];
  }
}
