import { PipewellError } from '@pipewell/core';
import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { createRetryPolicy } from '@pipewell/retry';
import { describe, expect, it, vi } from 'vitest';
import { createCircuitBreaker } from './breaker.js';
import { BreakerClosedError, BreakerConfigError, CircuitOpenError } from './errors.js';
import type { BreakerEvents } from './events.js';
import { createMemoryBreakerStore } from './memory-store.js';
import type { BreakerStateStore } from './store-port.js';

const boom = (): Promise<never> => Promise.reject(new Error('backend down'));
const ok = (): Promise<string> => Promise.resolve('ok');

function recordEvents(breaker: ReturnType<typeof createCircuitBreaker>) {
  const seen: Array<[keyof BreakerEvents, unknown]> = [];
  for (const name of [
    'open',
    'halfOpen',
    'close',
    'rejected',
    'success',
    'failure',
    'storeError',
  ] as const) {
    breaker.on(name, (event) => seen.push([name, event]));
  }
  return seen;
}

async function fail(
  breaker: ReturnType<typeof createCircuitBreaker>,
  times: number,
): Promise<void> {
  for (let i = 0; i < times; i++)
    await expect(breaker.execute(boom)).rejects.toThrow('backend down');
}

describe('createCircuitBreaker: consecutive failures', () => {
  it('opens after failureThreshold failures in a row and then refuses calls at once', async () => {
    const clock = createVirtualClock({ now: 1_000 });
    const breaker = createCircuitBreaker({ name: 'bigquery', clock, env: {} });
    const events = recordEvents(breaker);
    await fail(breaker, 4);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    await fail(breaker, 4);
    expect(breaker.state).toBe('closed');
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(events.filter(([name]) => name === 'open')).toEqual([
      ['open', { name: 'bigquery', reason: 'failures', halfOpenAt: 301_000 }],
    ]);

    await clock.advance(60_000);
    const fn = vi.fn(ok);
    const refused = await breaker.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(CircuitOpenError.isInstance(refused)).toBe(true);
    expect(refused).toMatchObject({
      breakerName: 'bigquery',
      retryAfterMs: 240_000,
      state: 'open',
      transient: true,
    });
    expect((refused as Error).message).toBe('Circuit "bigquery" is open; retry in 240000 ms');
    expect(events.at(-1)).toEqual([
      'rejected',
      { name: 'bigquery', retryAfterMs: 240_000, state: 'open' },
    ]);
  });

  it('lets one trial call through after openTimeoutMs and closes when it succeeds', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'scores',
      clock,
      failureThreshold: 2,
      openTimeoutMs: 1_000,
      env: {},
    });
    const events = recordEvents(breaker);
    await fail(breaker, 2);
    await clock.advance(1_000);
    let release: (value: string) => void = () => {};
    const trial = breaker.execute(() => new Promise<string>((resolve) => (release = resolve)));
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).rejects.toThrow('half-open and its probe is busy');
    release('recovered');
    await expect(trial).resolves.toBe('recovered');
    expect(breaker.state).toBe('closed');
    expect(events.map(([name]) => name).filter((n) => n !== 'failure' && n !== 'success')).toEqual([
      'open',
      'halfOpen',
      'rejected',
      'close',
    ]);
    expect(events.find(([name]) => name === 'close')?.[1]).toEqual({
      name: 'scores',
      reason: 'probeSucceeded',
    });
  });

  it('reopens for another full timeout when the trial call fails', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'odds',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 500,
      env: {},
    });
    await fail(breaker, 1);
    await clock.advance(500);
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
    await clock.advance(499);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ retryAfterMs: 1 });
    await clock.advance(1);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('needs successThreshold trial successes out of halfOpenMaxCalls to close', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'rosters',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 100,
      halfOpenMaxCalls: 3,
      successThreshold: 2,
      env: {},
    });
    await fail(breaker, 1);
    await clock.advance(100);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('allows at most halfOpenMaxCalls trial calls', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'x',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 100,
      halfOpenMaxCalls: 2,
      env: {},
    });
    await fail(breaker, 1);
    await clock.advance(100);
    const hang = () => new Promise<never>(() => {});
    const fn = vi.fn(hang);
    void breaker.execute(fn);
    void breaker.execute(fn);
    await expect(breaker.execute(fn)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe('createCircuitBreaker: window policies', () => {
  it('countWindow opens when N of the last M calls failed', async () => {
    const breaker = createCircuitBreaker({
      name: 'cw',
      policy: 'countWindow',
      failureThreshold: 3,
      windowSize: 5,
      env: {},
    });
    // f s f s s | f: the window holds s f s s f = 2 failures, then f -> f s s f f = 3.
    for (const outcome of ['f', 's', 'f', 's', 's', 'f'] as const) {
      await (outcome === 'f' ? breaker.execute(boom).catch(() => {}) : breaker.execute(ok));
    }
    expect(breaker.state).toBe('closed');
    await breaker.execute(boom).catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('timeWindow opens on the failure rate once minimumCalls are in the window', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'tw',
      clock,
      policy: 'timeWindow',
      windowMs: 10_000,
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      env: {},
    });
    await fail(breaker, 3);
    expect(breaker.state).toBe('closed');
    await clock.advance(11_000);
    // The three old failures slid out of the window: 1 failure in 2 calls is below minimumCalls.
    await breaker.execute(ok);
    await fail(breaker, 1);
    expect(breaker.state).toBe('closed');
    await breaker.execute(ok);
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('counts slow calls as failures but still returns their results', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'slow',
      clock,
      failureThreshold: 2,
      slowCallMs: 1_000,
      env: {},
    });
    const successes: unknown[] = [];
    breaker.on('success', (event) => successes.push(event));
    const slow = () => clock.sleep(1_500).then(() => 'late');
    for (let i = 0; i < 2; i++) {
      const call = breaker.execute(slow);
      await clock.advance(1_500);
      await expect(call).resolves.toBe('late');
    }
    expect(breaker.state).toBe('open');
    expect(successes).toEqual([
      { name: 'slow', durationMs: 1_500, slow: true },
      { name: 'slow', durationMs: 1_500, slow: true },
    ]);
  });
});

describe('createCircuitBreaker: what counts as a failure', () => {
  it('ignores aborts by the caller', async () => {
    const breaker = createCircuitBreaker({ name: 'abort', failureThreshold: 1, env: {} });
    const controller = new AbortController();
    const call = breaker.execute(
      ({ signal }) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
      controller.signal,
    );
    controller.abort(new Error('shutting down'));
    await expect(call).rejects.toThrow('shutting down');
    await expect(
      breaker.execute(() => Promise.reject(new DOMException('x', 'AbortError'))),
    ).rejects.toThrow();
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(ok, AbortSignal.abort(new Error('early')))).rejects.toThrow(
      'early',
    );
  });

  it('uses isFailure to decide', async () => {
    const notFound = Object.assign(new Error('no such table'), { status: 404 });
    const breaker = createCircuitBreaker({
      name: 'custom',
      failureThreshold: 1,
      isFailure: (error) => (error as { status?: number }).status !== 404,
      env: {},
    });
    await expect(breaker.execute(() => Promise.reject(notFound))).rejects.toBe(notFound);
    expect(breaker.state).toBe('closed');
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('catches synchronous throws and accepts plain values', async () => {
    const breaker = createCircuitBreaker({ name: 'sync', failureThreshold: 1, env: {} });
    await expect(breaker.execute(() => 7)).resolves.toBe(7);
    await expect(
      breaker.execute(() => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    expect(breaker.state).toBe('open');
  });
});

describe('createCircuitBreaker: operators and lifecycle', () => {
  it('isolate() holds the breaker open until reset()', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({ name: 'ops', clock, openTimeoutMs: 100, env: {} });
    const events = recordEvents(breaker);
    await breaker.isolate();
    expect(breaker.state).toBe('open');
    await clock.advance(10_000);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ retryAfterMs: 100 });
    await breaker.reset();
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(events.filter(([n]) => n === 'open' || n === 'close').map(([, e]) => e)).toEqual([
      { name: 'ops', reason: 'isolated', halfOpenAt: null },
      { name: 'ops', reason: 'reset' },
    ]);
  });

  it('close() stops its timers, drops listeners and refuses later calls', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'life',
      clock,
      store: createMemoryBreakerStore(),
      env: {},
    });
    expect(clock.pendingTimers).toBe(1);
    await breaker.close();
    expect(clock.pendingTimers).toBe(0);
    await expect(breaker.execute(ok)).rejects.toThrow(
      'Circuit breaker "life" was closed with close()',
    );
    await breaker[Symbol.asyncDispose]();
  });

  it('refuses calls after close() with a BreakerClosedError naming the breaker', async () => {
    const breaker = createCircuitBreaker({ name: 'life', env: {} });
    await breaker.close();
    const refused = await catchError(breaker.execute(ok), BreakerClosedError);
    expect(refused.breakerName).toBe('life');
    expect(refused.name).toBe('BreakerClosedError');
    expect(refused.message).toBe('Circuit breaker "life" was closed with close()');
    expect(PipewellError.isInstance(refused)).toBe(true);
    expect(CircuitOpenError.isInstance(refused)).toBe(false);
  });

  it('refuses an open circuit with a CircuitOpenError, a PipewellError with its cause', async () => {
    const breaker = createCircuitBreaker({ name: 'refusing', failureThreshold: 1, env: {} });
    const failure = new Error('backend down');
    await breaker.execute(() => Promise.reject(failure)).catch(() => {});
    const refused = await catchError(breaker.execute(ok), CircuitOpenError);
    expect(PipewellError.isInstance(refused)).toBe(true);
    expect(refused.cause).toBe(failure);
    await breaker.close();
  });

  it('rejects bad options naming them', () => {
    expect(() => createCircuitBreaker({ name: '', env: {} })).toThrow('a breaker needs a name');
    expect(() => createCircuitBreaker({ name: 'a', openTimeoutMs: -1, env: {} })).toThrow(
      'option "openTimeoutMs" is invalid',
    );
    expect(() => createCircuitBreaker({ name: 'a', isFailure: 3 as never, env: {} })).toThrow(
      '"isFailure" must be a function',
    );
    expect(() => createCircuitBreaker({ name: 'a', logger: {} as never, env: {} })).toThrow(
      'option "logger" must be a Logger',
    );
    expect(() =>
      createCircuitBreaker({
        name: 'a',
        store: { get() {}, compareAndSet() {} } as never,
        env: {},
      }),
    ).toThrow('option "store" must implement BreakerStateStore');
    expect(() => createCircuitBreaker({ name: 'a', failureTreshold: 3, env: {} } as never)).toThrow(
      'unknown breaker option "failureTreshold"',
    );
  });
});

describe('retry around a breaker', () => {
  it('waits for the breaker instead of hammering it, then gets through', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'warehouse',
      clock,
      failureThreshold: 2,
      openTimeoutMs: 30_000,
      env: {},
    });
    const calls: number[] = [];
    let healthy = false;
    const policy = createRetryPolicy({
      clock,
      maxAttempts: 5,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
    });
    const result = policy.execute(() =>
      breaker.execute(async () => {
        calls.push(clock.now());
        if (!healthy) {
          if (calls.length === 2) healthy = true;
          throw Object.assign(new Error('503'), { status: 503 });
        }
        return 'rows';
      }),
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    // Two real failures opened the breaker; retry then waited out the open period (Retry-After
    // floor from CircuitOpenError.retryAfterMs) and the trial call succeeded.
    expect(calls).toHaveLength(3);
    expect((calls[2] as number) - (calls[1] as number)).toBeGreaterThanOrEqual(30_000);
    expect(breaker.state).toBe('closed');
  });
});

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('a half-open probe that never settles', () => {
  it('counts as failed when probeLeaseMs runs out: the breaker reopens, then a later call probes again', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'hung',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 1_000,
      probeLeaseMs: 5_000,
      env: {},
    });
    const events = recordEvents(breaker);
    await fail(breaker, 1);
    await clock.advance(1_000);
    void breaker.execute(() => new Promise<never>(() => {}));
    expect(breaker.state).toBe('half-open');
    await clock.advance(4_999);
    await expect(breaker.execute(ok)).rejects.toThrow('half-open and its probe is busy');

    await clock.advance(1);
    expect(breaker.state).toBe('open');
    const refused = await breaker.execute(ok).catch((e: unknown) => e);
    expect(refused).toMatchObject({ state: 'open', retryAfterMs: 1_000 });
    expect(((refused as Error).cause as Error).message).toBe(
      'Circuit "hung": the half-open probe did not settle within probeLeaseMs (5000 ms)',
    );
    expect(events.filter(([n]) => n === 'open').map(([, e]) => e)).toEqual([
      { name: 'hung', reason: 'failures', halfOpenAt: 1_000 },
      { name: 'hung', reason: 'probeTimeout', halfOpenAt: 7_000 },
    ]);

    await clock.advance(1_000);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    // The second probe's lease timer went with its period.
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('a half-open period that runs out of lease with no trial running', () => {
  it('lets the lease go without a verdict: a quiet but healthy service is not reopened', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'quiet',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 1_000,
      halfOpenMaxCalls: 2,
      probeLeaseMs: 5_000,
      env: {},
    });
    const events = recordEvents(breaker);
    await fail(breaker, 1);
    await clock.advance(1_000);
    await expect(breaker.execute(ok)).resolves.toBe('ok'); // one success of the two needed
    await clock.advance(5_000); // no second call within the lease
    expect(events.filter(([n]) => n === 'open')).toHaveLength(1);
    // No reopen: the next calls take a fresh probe at once and close it.
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(events.filter(([n]) => n === 'halfOpen')).toHaveLength(2);
  });
});

describe('a call belongs to the period it started in', () => {
  async function twoTrialBreaker(clock: ReturnType<typeof createVirtualClock>) {
    const breaker = createCircuitBreaker({
      name: 'periods',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 100,
      halfOpenMaxCalls: 2,
      successThreshold: 1,
      env: {},
    });
    await fail(breaker, 1);
    await clock.advance(100);
    return breaker;
  }

  it('a late success from an earlier half-open period does not close the current one', async () => {
    const clock = createVirtualClock();
    const breaker = await twoTrialBreaker(clock);
    const early = deferred<string>();
    const earlyCall = breaker.execute(() => early.promise);
    await fail(breaker, 1); // the period's second trial fails: reopened
    expect(breaker.state).toBe('open');
    await clock.advance(100);
    void breaker.execute(() => new Promise<never>(() => {})); // the new period's trial
    expect(breaker.state).toBe('half-open');

    early.resolve('late');
    await expect(earlyCall).resolves.toBe('late');
    expect(breaker.state).toBe('half-open');
  });

  it('a late failure from an earlier half-open period does not reopen the current one', async () => {
    const clock = createVirtualClock();
    const breaker = await twoTrialBreaker(clock);
    const early = deferred<string>();
    const earlyCall = breaker.execute(() => early.promise);
    await fail(breaker, 1);
    await clock.advance(100);
    const current = deferred<string>();
    const currentCall = breaker.execute(() => current.promise);

    early.reject(new Error('late failure'));
    await expect(earlyCall).rejects.toThrow('late failure');
    expect(breaker.state).toBe('half-open');
    current.resolve('recovered');
    await expect(currentCall).resolves.toBe('recovered');
    expect(breaker.state).toBe('closed');
  });

  it('an aborted trial from an earlier period frees no slot of the current one', async () => {
    const clock = createVirtualClock();
    const breaker = await twoTrialBreaker(clock);
    const controller = new AbortController();
    const earlyCall = breaker.execute(
      ({ signal }) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
      controller.signal,
    );
    await fail(breaker, 1);
    await clock.advance(100);

    const hang = vi.fn(() => new Promise<never>(() => {}));
    void breaker.execute(hang); // one of the new period's two slots
    controller.abort(new Error('caller gave up'));
    await expect(earlyCall).rejects.toThrow('caller gave up');
    void breaker.execute(hang); // the second slot
    await expect(breaker.execute(hang)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(hang).toHaveBeenCalledTimes(2);
  });

  it('a call started while closed neither closes nor reopens a later half-open period', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'closed-call',
      clock,
      failureThreshold: 2,
      openTimeoutMs: 100,
      env: {},
    });
    const slowSuccess = deferred<string>();
    const slowFailure = deferred<string>();
    const calls = [
      breaker.execute(() => slowSuccess.promise),
      breaker.execute(() => slowFailure.promise),
    ];
    await fail(breaker, 2);
    await clock.advance(100);
    void breaker.execute(() => new Promise<never>(() => {}));
    expect(breaker.state).toBe('half-open');
    slowSuccess.resolve('late');
    slowFailure.reject(new Error('late'));
    await Promise.allSettled(calls);
    expect(breaker.state).toBe('half-open');
  });
});

describe('listeners cannot corrupt the breaker', () => {
  it('a throwing listener never replaces a result or an error, never stops a transition, and is logged', async () => {
    const clock = createVirtualClock();
    const logger = createRecordingLogger();
    const breaker = createCircuitBreaker({
      name: 'listeners',
      clock,
      failureThreshold: 2,
      openTimeoutMs: 1_000,
      logger,
      env: {},
    });
    for (const event of ['success', 'failure', 'open', 'rejected', 'halfOpen'] as const) {
      breaker.on(event, () => {
        throw new Error(`${event} listener broke`);
      });
    }
    breaker.on('close', async () => {
      throw new Error('close listener broke');
    });

    await expect(breaker.execute(ok)).resolves.toBe('ok');
    await expect(breaker.execute(ok, new AbortController().signal)).resolves.toBe('ok');
    await fail(breaker, 2);
    expect(breaker.state).toBe('open');
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await clock.advance(1_000);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');

    expect(logger.entries.map(({ fields }) => fields.event)).toEqual([
      'success',
      'success',
      'failure',
      'open',
      'failure',
      'rejected',
      'halfOpen',
      'success',
      'close',
    ]);
    expect(logger.entries[3]).toMatchObject({
      level: 'error',
      fields: { breaker: 'listeners', event: 'open', err: { message: 'open listener broke' } },
      msg: 'circuit-breaker: an event listener threw; the breaker ignored it',
    });
  });

  it('changes state before it emits, so listeners see the state the event announces', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'order',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 1_000,
      env: {},
    });
    const seen: string[] = [];
    for (const event of ['success', 'failure', 'open', 'halfOpen', 'close'] as const) {
      breaker.on(event, () => seen.push(`${event}:${breaker.state}`));
    }
    await fail(breaker, 1);
    await clock.advance(1_000);
    await breaker.execute(ok);
    expect(seen).toEqual([
      'open:open',
      'failure:open',
      'halfOpen:half-open',
      'close:closed',
      'success:closed',
    ]);
  });

  it('a listener that resets the breaker from its open event has the last word', async () => {
    const clock = createVirtualClock();
    const inner = createMemoryBreakerStore();
    // The trip's read of the store is slow; the reset's write lands before the trip looks.
    let releaseHeld = (): void => {};
    let holdNextGet = false;
    const store: BreakerStateStore = {
      async get(name) {
        if (holdNextGet) {
          holdNextGet = false;
          await new Promise<void>((resolve) => (releaseHeld = resolve));
        }
        return inner.get(name);
      },
      compareAndSet: (name, expected, next) => inner.compareAndSet(name, expected, next),
      recordOutcome: (name, outcome) => inner.recordOutcome(name, outcome),
    };
    const breaker = createCircuitBreaker({
      name: 'reentrant',
      clock,
      store,
      failureThreshold: 1,
      env: {},
    });
    await clock.advance(0);
    const resets: Array<Promise<void>> = [];
    breaker.on('open', () => resets.push(breaker.reset()));
    holdNextGet = true;
    await fail(breaker, 1);
    await Promise.all(resets);
    expect(inner.snapshot().reentrant?.state).toBe('closed');
    releaseHeld();
    await clock.advance(0);
    expect(breaker.state).toBe('closed');
    expect(inner.snapshot().reentrant?.state).toBe('closed');
    await breaker.close();
  });
});

describe('CircuitOpenError.cause', () => {
  it('is the failure that opened the breaker, or the trial failure that reopened it', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'cause',
      clock,
      failureThreshold: 2,
      openTimeoutMs: 100,
      env: {},
    });
    const first = new Error('timeout 1');
    const second = new Error('timeout 2');
    await expect(breaker.execute(() => Promise.reject(first))).rejects.toBe(first);
    await expect(breaker.execute(() => Promise.reject(second))).rejects.toBe(second);
    const refused = await breaker.execute(ok).catch((e: unknown) => e);
    expect(CircuitOpenError.isInstance(refused)).toBe(true);
    expect((refused as Error).cause).toBe(second);

    await clock.advance(100);
    const probeError = new Error('still down');
    await expect(breaker.execute(() => Promise.reject(probeError))).rejects.toBe(probeError);
    expect(((await breaker.execute(ok).catch((e: unknown) => e)) as Error).cause).toBe(probeError);
  });

  it('is absent while isolated by an operator', async () => {
    const breaker = createCircuitBreaker({ name: 'ops-cause', env: {} });
    await breaker.isolate();
    const refused = (await breaker.execute(ok).catch((e: unknown) => e)) as Error;
    expect(CircuitOpenError.isInstance(refused)).toBe(true);
    expect('cause' in refused).toBe(false);
  });
});

function optionError(make: () => unknown): BreakerConfigError {
  try {
    make();
  } catch (error) {
    if (BreakerConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a BreakerConfigError');
}

describe('createCircuitBreaker: wiring options', () => {
  const noop = (): void => {};

  it('refuses an empty or non-string instanceId, naming it', () => {
    for (const instanceId of ['', 5 as never]) {
      const error = optionError(() => createCircuitBreaker({ name: 'a', instanceId, env: {} }));
      expect(error.option).toBe('instanceId');
      expect(error.message).toBe(
        '@pipewell/circuit-breaker: option "instanceId" must be a non-empty string',
      );
    }
  });

  it('makes up an instanceId from the process id and a random part', () => {
    const a = createCircuitBreaker({ name: 'a', env: {} });
    const b = createCircuitBreaker({ name: 'a', env: {} });
    expect(a.instanceId).toMatch(new RegExp(`^${process.pid}-[0-9a-f]{8}$`));
    expect(b.instanceId).not.toBe(a.instanceId);
    expect(createCircuitBreaker({ name: 'a', instanceId: 'pod-7', env: {} }).instanceId).toBe(
      'pod-7',
    );
  });

  it('refuses an isFailure that is not a function, naming it', () => {
    expect(
      optionError(() => createCircuitBreaker({ name: 'a', isFailure: 3 as never, env: {} })).option,
    ).toBe('isFailure');
  });

  it('refuses anything but a logger object with warn and error methods, naming it', () => {
    const loggerLike = Object.assign(noop, { warn: noop, error: noop });
    for (const logger of [null, loggerLike, { warn: noop }, { error: noop }]) {
      const error = optionError(() =>
        createCircuitBreaker({ name: 'a', logger: logger as never, env: {} }),
      );
      expect(error.option).toBe('logger');
    }
    expect(
      createCircuitBreaker({ name: 'a', logger: { warn: noop, error: noop } as never, env: {} })
        .name,
    ).toBe('a');
  });

  it('refuses a store that lacks any of the three methods, naming it', () => {
    const store = createMemoryBreakerStore();
    const methods = {
      get: store.get,
      compareAndSet: store.compareAndSet,
      recordOutcome: store.recordOutcome,
    };
    for (const missing of ['get', 'compareAndSet', 'recordOutcome'] as const) {
      const { [missing]: _, ...partial } = methods;
      const error = optionError(() =>
        createCircuitBreaker({ name: 'a', store: partial as never, env: {} }),
      );
      expect(error.option).toBe('store');
    }
  });

  it('refuses a missing options object, naming "options"', () => {
    for (const options of [null, 'bigquery']) {
      const error = optionError(() => createCircuitBreaker(options as never));
      expect(error.option).toBe('options');
      expect(error.message).toBe(
        '@pipewell/circuit-breaker: createCircuitBreaker needs an options object with a name',
      );
    }
  });

  it('reads overrides from the env it is given', () => {
    const breaker = createCircuitBreaker({
      name: 'bigquery',
      env: { CIRCUIT_BREAKER_BIGQUERY_THRESHOLD: '2' },
    });
    expect(breaker.config.failureThreshold).toBe(2);
  });
});

describe('createCircuitBreaker: errors that are not ordinary', () => {
  it('counts a rejection with null or undefined as a failure, without blaming isFailure', async () => {
    const logger = createRecordingLogger();
    const breaker = createCircuitBreaker({ name: 'odd', failureThreshold: 2, logger, env: {} });
    await expect(breaker.execute(() => Promise.reject(null))).rejects.toBeNull();
    await expect(breaker.execute(() => Promise.reject(undefined))).rejects.toBeUndefined();
    expect(breaker.state).toBe('open');
    expect(logger.entries).toEqual([]);
  });

  it('counts a call as failed when isFailure throws, and logs the throw', async () => {
    const logger = createRecordingLogger();
    const broken = new Error('isFailure broke');
    const breaker = createCircuitBreaker({
      name: 'judge',
      failureThreshold: 1,
      isFailure: () => {
        throw broken;
      },
      logger,
      env: {},
    });
    await expect(breaker.execute(boom)).rejects.toThrow('backend down');
    expect(breaker.state).toBe('open');
    expect(logger.entries).toEqual([
      {
        level: 'error',
        fields: { err: broken, breaker: 'judge' },
        msg: 'circuit-breaker: isFailure threw; the call counts as a failure',
      },
    ]);
  });
});

describe('createCircuitBreaker: the context a call receives', () => {
  it('has a live, never-aborted signal when the caller gave none, fresh for each call', async () => {
    const breaker = createCircuitBreaker({ name: 'ctx', env: {} });
    const first = await breaker.execute(({ signal }) => signal);
    const second = await breaker.execute(({ signal }) => signal);
    expect(first).toBeInstanceOf(AbortSignal);
    expect(first.aborted).toBe(false);
    expect(second).not.toBe(first);
  });
});

describe('createCircuitBreaker: slow calls', () => {
  it('counts a call that takes exactly slowCallMs as slow, and one a millisecond faster as not', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'edge',
      clock,
      failureThreshold: 1,
      slowCallMs: 1_000,
      env: {},
    });
    const successes: unknown[] = [];
    breaker.on('success', (event) => successes.push(event));
    const taking = async (ms: number) => {
      const call = breaker.execute(() => clock.sleep(ms).then(() => ms));
      await clock.advance(ms);
      return call;
    };
    await expect(taking(999)).resolves.toBe(999);
    expect(breaker.state).toBe('closed');
    await expect(taking(1_000)).resolves.toBe(1_000);
    expect(breaker.state).toBe('open');
    expect(successes).toEqual([
      { name: 'edge', durationMs: 999, slow: false },
      { name: 'edge', durationMs: 1_000, slow: true },
    ]);
    const refused = await catchError(breaker.execute(ok), CircuitOpenError);
    expect((refused.cause as Error).message).toBe(
      'Circuit "edge": a call took 1000 ms, at least slowCallMs (1000 ms)',
    );
  });

  it('reports how long a failed call took', async () => {
    const clock = createVirtualClock({ now: 50_000 });
    const breaker = createCircuitBreaker({ name: 'timed', clock, slowCallMs: 1_000, env: {} });
    const failures: unknown[] = [];
    breaker.on('failure', (event) => failures.push(event));
    const error = new Error('late failure');
    const call = breaker
      .execute(() => clock.sleep(300).then(() => Promise.reject(error)))
      .catch((thrown: unknown) => thrown);
    await clock.advance(300);
    expect(await call).toBe(error);
    expect(failures).toEqual([{ name: 'timed', error, durationMs: 300 }]);
  });
});

describe('createCircuitBreaker: event payloads', () => {
  it('reports each untimed call with its outcome and no duration', async () => {
    const breaker = createCircuitBreaker({ name: 'plain', env: {} });
    const seen = recordEvents(breaker);
    await breaker.execute(ok);
    const error = new Error('nope');
    await breaker.execute(() => Promise.reject(error)).catch(() => {});
    expect(seen).toStrictEqual([
      ['success', { name: 'plain', durationMs: undefined, slow: false }],
      ['failure', { name: 'plain', error, durationMs: undefined }],
    ]);
  });
});

describe('createCircuitBreaker: listeners', () => {
  it('stops calling a listener once it unsubscribes, and keeps calling the others', async () => {
    const breaker = createCircuitBreaker({ name: 'subs', env: {} });
    const calls: string[] = [];
    const offFirst = breaker.on('success', () => calls.push('first'));
    breaker.on('success', () => calls.push('second'));
    const offThird = breaker.on('success', () => calls.push('third'));
    await breaker.execute(ok);
    offFirst();
    offFirst(); // a second call changes nothing
    await breaker.execute(ok);
    offThird();
    await breaker.execute(ok);
    expect(calls).toEqual(['first', 'second', 'third', 'second', 'third', 'second']);
  });

  it('lets a listener unsubscribe after close()', async () => {
    const breaker = createCircuitBreaker({ name: 'late-off', env: {} });
    const off = breaker.on('open', () => {});
    await breaker.close();
    expect(off).not.toThrow();
  });

  it('drops every listener on close()', async () => {
    const breaker = createCircuitBreaker({ name: 'closing', env: {} });
    const opened = vi.fn();
    breaker.on('open', opened);
    await breaker.close();
    await breaker.isolate(); // still switches the local state, but nobody listens any more
    expect(opened).not.toHaveBeenCalled();
  });

  it('logs nothing for listeners that return a value or a promise that resolves', async () => {
    const logger = createRecordingLogger();
    const breaker = createCircuitBreaker({ name: 'quiet', logger, env: {} });
    breaker.on('success', () => 'a value' as never);
    breaker.on('success', async () => {});
    breaker.on('success', () => {});
    await breaker.execute(ok);
    await Promise.resolve();
    expect(logger.entries).toEqual([]);
  });
});

describe('createCircuitBreaker: lifecycle', () => {
  it('[Symbol.asyncDispose]() closes the breaker, as close() does', async () => {
    const breaker = createCircuitBreaker({ name: 'disposed', env: {} });
    await breaker[Symbol.asyncDispose]();
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BreakerClosedError);
  });

  it('sync() has nothing to do without a store', async () => {
    const breaker = createCircuitBreaker({ name: 'alone', env: {} });
    await expect(breaker.sync()).resolves.toBeUndefined();
  });
});

describe('createCircuitBreaker: operator switches', () => {
  it('announces an isolation once, and a reset only when it closes something', async () => {
    const breaker = createCircuitBreaker({ name: 'switches', openTimeoutMs: 500, env: {} });
    const seen = recordEvents(breaker);
    await breaker.reset();
    expect(seen).toEqual([]);
    await breaker.isolate();
    await breaker.isolate();
    const refused = await catchError(breaker.execute(ok), CircuitOpenError);
    expect(refused).toMatchObject({ state: 'open', retryAfterMs: 500 });
    await breaker.reset();
    await breaker.reset();
    expect(seen.filter(([name]) => name === 'open' || name === 'close')).toEqual([
      ['open', { name: 'switches', reason: 'isolated', halfOpenAt: null }],
      ['close', { name: 'switches', reason: 'reset' }],
    ]);
  });
});

describe('createCircuitBreaker: the half-open probe', () => {
  it('refuses other calls while the probe runs, as half-open and for a second', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'busy',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 100,
      env: {},
    });
    await fail(breaker, 1);
    await clock.advance(100);
    const seen = recordEvents(breaker);
    void breaker.execute(() => new Promise<never>(() => {}));
    expect(seen).toEqual([['halfOpen', { name: 'busy' }]]);
    seen.length = 0;
    const refused = await catchError(breaker.execute(ok), CircuitOpenError);
    expect(refused).toMatchObject({ state: 'half-open', retryAfterMs: 1_000 });
    expect(seen).toEqual([['rejected', { name: 'busy', retryAfterMs: 1_000, state: 'half-open' }]]);
  });

  it('gives a trial slot back when the caller aborts it, so the next call becomes the trial', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'abort-trial',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 100,
      env: {},
    });
    await fail(breaker, 1);
    await clock.advance(100);
    const controller = new AbortController();
    const trial = breaker.execute(
      ({ signal }) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
      controller.signal,
    );
    controller.abort(new Error('caller gave up'));
    await expect(trial).rejects.toThrow('caller gave up');
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('decides a lapsed probe at the next call, when the lease timer has not run yet', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'due',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 1_000,
      probeLeaseMs: 5_000,
      env: {},
    });
    await fail(breaker, 1);
    await clock.advance(1_000);
    // A timer due at the same instant as the lease, but queued first: a busy event loop.
    let late: Promise<unknown> | undefined;
    clock.setTimeout(() => {
      late = breaker.execute(ok).catch((error: unknown) => error);
    }, 5_000);
    void breaker.execute(() => new Promise<never>(() => {}));
    await clock.advance(5_000);
    // The hung probe counted as failed: the call was refused as open, not as a busy probe.
    expect(await late).toMatchObject({ state: 'open', retryAfterMs: 1_000 });
  });
});

describe('createCircuitBreaker: periods and their counts', () => {
  it('counts failures afresh once it has recovered', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'afresh',
      clock,
      failureThreshold: 3,
      openTimeoutMs: 100,
      env: {},
    });
    await fail(breaker, 3);
    await clock.advance(100);
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
    await fail(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('reset() forgets the failures counted so far', async () => {
    const breaker = createCircuitBreaker({ name: 'forget', failureThreshold: 3, env: {} });
    await fail(breaker, 2);
    await breaker.reset();
    await fail(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('a late success from an earlier closed period does not reset the failures counted since', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'late-success',
      clock,
      failureThreshold: 2,
      openTimeoutMs: 100,
      env: {},
    });
    const early = deferred<string>();
    const earlyCall = breaker.execute(() => early.promise);
    await fail(breaker, 2);
    await clock.advance(100);
    await breaker.execute(ok); // closed again: a new period
    await fail(breaker, 1);
    early.resolve('late');
    await expect(earlyCall).resolves.toBe('late');
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('close() during a half-open probe leaves no timer behind', async () => {
    const clock = createVirtualClock();
    const breaker = createCircuitBreaker({
      name: 'closing-probe',
      clock,
      failureThreshold: 1,
      openTimeoutMs: 100,
      env: {},
    });
    await fail(breaker, 1);
    await clock.advance(100);
    void breaker.execute(() => new Promise<never>(() => {}));
    expect(clock.pendingTimers).toBe(1);
    await breaker.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
