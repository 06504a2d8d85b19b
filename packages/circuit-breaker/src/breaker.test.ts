import { createRetryPolicy, createVirtualClock } from '@pipewell/retry';
import { describe, expect, it, vi } from 'vitest';
import { type BreakerEvents, createCircuitBreaker } from './breaker.js';
import { CircuitOpenError } from './errors.js';

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
      store: (await import('./store.js')).createMemoryStore(),
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

  it('rejects bad options naming them', () => {
    expect(() => createCircuitBreaker({ name: '', env: {} })).toThrow('a breaker needs a name');
    expect(() => createCircuitBreaker({ name: 'a', openTimeoutMs: -1, env: {} })).toThrow(
      'option "openTimeoutMs" is invalid',
    );
    expect(() => createCircuitBreaker({ name: 'a', isFailure: 3 as never, env: {} })).toThrow(
      '"isFailure" must be a function',
    );
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
