import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import type { BreakerConfig, BreakerConfigInput } from './config.js';
import { breakerConfigFromEnv } from './config.js';
import { BreakerConfigError } from './errors.js';
import type { BreakerEvents } from './events.js';
import { Fleet } from './fleet.js';
import type { BreakerState } from './record.js';
import { type BreakerRuntime, createRuntime } from './runtime.js';
import { type BreakerContext, StateMachine } from './state-machine.js';
import type { BreakerStateStore } from './store-port.js';

/** Options for {@link createCircuitBreaker}: settings ({@link BreakerConfigInput}) plus wiring. */
export interface CircuitBreakerOptions extends BreakerConfigInput {
  /** The breaker's name: its key in the store and in `CIRCUIT_BREAKER_<NAME>_*` variables. */
  readonly name: string;
  /**
   * Where the state is shared. Breakers with the same name and store trip and recover together.
   * Pass one `createMemoryBreakerStore()` to breakers in one process, or a Firestore store to a
   * fleet.
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
   * `CircuitOpenError`. `fn`'s errors are rethrown unchanged.
   */
  execute<R>(fn: (context: BreakerContext) => R | PromiseLike<R>, signal?: AbortSignal): Promise<R>;
  /**
   * Open fleet-wide and stay open until {@link CircuitBreaker.reset}. Local state changes at
   * once; rejects if the store write fails, or with `BreakerContentionError` if it lost the
   * compare-and-set race five times.
   */
  isolate(): Promise<void>;
  /**
   * Close fleet-wide and forget counted failures. Local state changes at once; rejects like
   * {@link CircuitBreaker.isolate}.
   */
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

function randomInstanceId(): string {
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  return `${pid}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}

/** Check the wiring options; settings are checked by {@link breakerConfigFromEnv}. */
function checkWiring(options: CircuitBreakerOptions): void {
  const { instanceId, isFailure, logger, store } = options;
  if (instanceId !== undefined && (typeof instanceId !== 'string' || instanceId === '')) {
    throw new BreakerConfigError('instanceId', 'option "instanceId" must be a non-empty string');
  }
  if (isFailure !== undefined && typeof isFailure !== 'function') {
    throw new BreakerConfigError('isFailure', 'option "isFailure" must be a function');
  }
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
  if (
    store !== undefined &&
    (typeof store.get !== 'function' ||
      typeof store.compareAndSet !== 'function' ||
      typeof store.recordOutcome !== 'function')
  ) {
    throw new BreakerConfigError('store', 'option "store" must implement BreakerStateStore');
  }
}

/**
 * The public face of a breaker: the local state machine decides calls, the fleet protocol
 * (when there is a store) shares its verdicts, and this class only wires them and owns the
 * lifecycle.
 */
class Breaker implements CircuitBreaker {
  readonly name: string;
  readonly instanceId: string;
  readonly config: BreakerConfig;
  readonly #runtime: BreakerRuntime;
  readonly #machine: StateMachine;
  #closing: Promise<void> | undefined;

  constructor(options: CircuitBreakerOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new BreakerConfigError(
        'options',
        'createCircuitBreaker needs an options object with a name',
      );
    }
    const { name, store, instanceId, clock, isFailure, env, logger, ...settings } = options;
    const config = breakerConfigFromEnv({ ...settings, name, ...(env ? { env } : {}) }).config;
    checkWiring(options);
    this.name = name;
    this.instanceId = instanceId ?? randomInstanceId();
    this.config = config;
    this.#runtime = createRuntime({
      name,
      instanceId: this.instanceId,
      config,
      clock: clock ?? systemClock,
      logger: logger ?? silentLogger,
    });
    this.#machine = new StateMachine(this.#runtime, isFailure ?? defaultIsFailure, (machine) =>
      store === undefined ? undefined : new Fleet(this.#runtime, store, machine),
    );
  }

  get state(): BreakerState {
    return this.#machine.state;
  }

  execute<R>(
    fn: (context: BreakerContext) => R | PromiseLike<R>,
    signal?: AbortSignal,
  ): Promise<R> {
    return this.#machine.execute(fn, signal);
  }

  on<K extends keyof BreakerEvents>(
    event: K,
    listener: (event: BreakerEvents[K]) => void,
  ): () => void {
    return this.#runtime.events.on(event, listener);
  }

  isolate(): Promise<void> {
    return this.#machine.isolate();
  }

  reset(): Promise<void> {
    return this.#machine.reset();
  }

  async sync(): Promise<void> {
    await this.#machine.fleet?.sync();
  }

  close(): Promise<void> {
    // Every call gets the one shutdown, so a second close() also waits for writes in flight.
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const machine = this.#machine;
    machine.dispose();
    await machine.fleet?.close();
    this.#runtime.events.clear();
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
 * const breaker = createCircuitBreaker({ name: 'bigquery', store: createFirestoreBreakerStore({ firestore }) });
 * const rows = await breaker.execute(({ signal }) => runQuery(sql, { signal }));
 * ```
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  return new Breaker(options);
}
