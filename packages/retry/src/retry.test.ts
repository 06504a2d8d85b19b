import { getEventListeners } from 'node:events';
import { systemClock } from '@pipewell/core';
import { createVirtualClock } from '@pipewell/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { createRetryBudget } from './budget.js';
import {
  AttemptTimeoutError,
  RetryableResultError,
  RetryError,
  RetryOptionsError,
} from './errors.js';
import { parseRetryOptions, type RetryEvent } from './options.js';
import { createRetryPolicy } from './policy.js';
import { retry } from './retry.js';

const unavailable = (message = 'unavailable'): Error =>
  Object.assign(new Error(message), { code: 14 });

/** A function that fails with the given errors in turn, then returns `value`. */
function failing<T>(errors: unknown[], value: T) {
  const calls: Array<{ attempt: number; at: number }> = [];
  const fn = vi.fn(({ attempt }: { attempt: number }) => {
    calls.push({ attempt, at: -1 });
    const error = errors[attempt - 1];
    if (error !== undefined) return Promise.reject(error);
    return Promise.resolve(value);
  });
  return { fn, calls };
}

describe('retry', () => {
  it('returns the first result without waiting', async () => {
    const clock = createVirtualClock();
    const fn = vi.fn(async ({ attempt, signal }: { attempt: number; signal: AbortSignal }) => {
      expect(signal).toBeInstanceOf(AbortSignal);
      expect(signal.aborted).toBe(false);
      return `ok on ${attempt}`;
    });
    await expect(retry(fn, { clock })).resolves.toBe('ok on 1');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(clock.now()).toBe(0);
  });

  it('retries transient errors with exponential delays and reports each wait', async () => {
    const clock = createVirtualClock();
    const waits: RetryEvent[] = [];
    const attemptsAt: number[] = [];
    const errors = [unavailable('one'), unavailable('two')];
    const result = retry(
      async ({ attempt }) => {
        attemptsAt.push(clock.now());
        if (attempt <= errors.length) throw errors[attempt - 1];
        return 'loaded';
      },
      { clock, jitter: 'none', onRetry: (event) => waits.push(event) },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('loaded');
    expect(attemptsAt).toEqual([0, 1000, 3000]);
    expect(waits).toEqual([
      { attempt: 1, error: errors[0], delayMs: 1000 },
      { attempt: 2, error: errors[1], delayMs: 2000 },
    ]);
  });

  it('rethrows a non-retryable error unchanged after one call', async () => {
    const clock = createVirtualClock();
    const bad = new TypeError('row 3 has no game_id');
    const { fn } = failing([bad], 'never');
    const onGiveUp = vi.fn();
    await expect(retry(fn, { clock, onGiveUp })).rejects.toBe(bad);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(onGiveUp).toHaveBeenCalledWith({
      attempts: 1,
      error: bad,
      reason: 'nonRetryable',
      elapsedMs: 0,
    });
  });

  it('gives up after maxAttempts with a RetryError holding every error', async () => {
    const clock = createVirtualClock({ now: 5_000 });
    const errors = [unavailable('a'), unavailable('b'), unavailable('c')];
    const { fn } = failing(errors, 'never');
    const result = retry(fn, { clock, jitter: 'none' });
    await clock.runAll(result);
    const error = await result.catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(RetryError);
    const retryError = error as RetryError;
    expect(retryError.attempts).toBe(3);
    expect(retryError.errors).toEqual(errors);
    expect(retryError.droppedErrors).toBe(0);
    expect(retryError.nextDelayMs).toBeUndefined();
    expect(retryError.lastError).toBe(errors[2]);
    expect(retryError.cause).toBe(errors[2]);
    expect(retryError.reason).toBe('maxAttempts');
    expect(retryError.elapsedMs).toBe(3000);
    expect(retryError.name).toBe('RetryError');
    expect(retryError.message).toBe('Gave up after 3 attempts: c');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('measures maxElapsedMs on a clock that does not start at zero', async () => {
    const clock = createVirtualClock({ now: Date.parse('2026-11-25T12:00:00Z') });
    const onGiveUp = vi.fn();
    const { fn } = failing([unavailable(), unavailable(), unavailable(), unavailable()], 'x');
    const result = retry(fn, {
      clock,
      jitter: 'none',
      maxAttempts: 10,
      maxElapsedMs: 5_000,
      onGiveUp,
    });
    await clock.runAll(result);
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    expect(error).toMatchObject({ reason: 'maxElapsed', attempts: 3, elapsedMs: 3_000 });
    expect(onGiveUp).toHaveBeenCalledWith(expect.objectContaining({ elapsedMs: 3_000 }));
  });

  it('counts elapsedMs from the first failure on the plain path, which skips the clock at the call', async () => {
    const clock = createVirtualClock();
    const policy = createRetryPolicy({ clock, maxAttempts: 2, jitter: 'none', baseDelayMs: 100 });
    const result = policy.execute(async () => {
      await clock.sleep(5_000);
      throw unavailable();
    });
    await clock.runAll(result);
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    // The first attempt's 5 s are not counted: a 100 ms wait, then the second 5 s attempt.
    expect(error.elapsedMs).toBe(5_100);
  });

  it.each(['onRetry', 'onGiveUp', 'onSuccess'])(
    'counts elapsedMs from the call when %s is set',
    async (hook) => {
      const clock = createVirtualClock();
      const policy = createRetryPolicy({
        clock,
        maxAttempts: 2,
        jitter: 'none',
        baseDelayMs: 100,
        [hook]: () => {},
      });
      const result = policy.execute(async () => {
        await clock.sleep(5_000);
        throw unavailable();
      });
      await clock.runAll(result);
      const error = (await result.catch((e: unknown) => e)) as RetryError;
      expect(error.elapsedMs).toBe(10_100);
    },
  );

  it('gives up rather than start a wait that would pass maxElapsedMs', async () => {
    const clock = createVirtualClock();
    const { fn } = failing([unavailable(), unavailable(), unavailable(), unavailable()], 'x');
    const result = retry(fn, { clock, jitter: 'none', maxAttempts: 10, maxElapsedMs: 5_000 });
    await clock.runAll(result);
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    expect(error.reason).toBe('maxElapsed');
    // Waits of 1000 and 2000 fit; the next (4000) would end at 7000 > 5000.
    expect(error.attempts).toBe(3);
    expect(error.elapsedMs).toBe(3000);
  });

  it('aborting during a backoff rejects at once with the reason and never calls again', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      throw unavailable();
    });
    const onGiveUp = vi.fn();
    const result = retry(fn, {
      clock,
      baseDelayMs: 10_000,
      maxDelayMs: 10_000,
      jitter: 'none',
      signal: controller.signal,
      onGiveUp,
    });
    const settled = vi.fn();
    result.then(settled, settled);
    await clock.advance(1_000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(clock.pendingTimers).toBe(1);
    const reason = new Error('shutdown');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    expect(onGiveUp).toHaveBeenCalledWith({
      attempts: 1,
      error: reason,
      reason: 'aborted',
      elapsedMs: 1_000,
    });
    expect(clock.now()).toBe(1_000);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(60_000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('aborting during a real-clock backoff rejects within a few milliseconds', async () => {
    const controller = new AbortController();
    let calls = 0;
    const result = retry(
      async () => {
        calls++;
        setImmediate(() => controller.abort(new Error('deploy')));
        throw unavailable();
      },
      {
        clock: systemClock,
        baseDelayMs: 60_000,
        maxDelayMs: 60_000,
        jitter: 'none',
        signal: controller.signal,
      },
    );
    const started = performance.now();
    await expect(result).rejects.toThrow('deploy');
    expect(performance.now() - started).toBeLessThan(50);
    expect(calls).toBe(1);
  });

  it('never calls fn when the signal is already aborted', async () => {
    const fn = vi.fn(async () => 1);
    const reason = new Error('too late');
    await expect(retry(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects with the reason when the caller aborts mid-attempt, even if fn ignores its signal', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const result = retry(
      ({ signal }) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      { signal: controller.signal },
    );
    await Promise.resolve();
    controller.abort(new Error('user cancelled'));
    await expect(result).rejects.toThrow('user cancelled');
    expect(seen?.aborted).toBe(true);
  });

  it("ends with reason 'aborted' when the caller aborts mid-attempt, leaving no listener", async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    const onGiveUp = vi.fn();
    const result = retry(() => new Promise<never>(() => {}), {
      clock,
      signal: controller.signal,
      onGiveUp,
    });
    await clock.advance(250);
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    expect(onGiveUp).toHaveBeenCalledWith({
      attempts: 1,
      error: reason,
      reason: 'aborted',
      elapsedMs: 250,
    });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('leaves no listener on the caller signal after a success or a non-retryable failure', async () => {
    const controller = new AbortController();
    const policy = createRetryPolicy({ clock: createVirtualClock() });
    await expect(policy.execute(async () => 'rows', controller.signal)).resolves.toBe('rows');
    const bad = new TypeError('row 3 has no game_id');
    await expect(
      policy.execute(async () => {
        throw bad;
      }, controller.signal),
    ).rejects.toBe(bad);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('retries a synchronous throw on a call with a signal', async () => {
    const clock = createVirtualClock();
    let calls = 0;
    const result = retry(
      () => {
        if (++calls === 1) throw unavailable();
        return 'rows';
      },
      { clock, signal: new AbortController().signal },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    expect(calls).toBe(2);
  });

  it.each([
    ['an untimed', undefined],
    ['a timed', 5_000],
  ])(
    'ends %s call with the abort reason when the clock cannot cut its wait short',
    async (_kind, attemptTimeoutMs) => {
      const virtual = createVirtualClock();
      // A Clock may ignore the signal passed to sleep(): the wait then runs to its end.
      const clock = {
        now: virtual.now,
        setTimeout: virtual.setTimeout,
        sleep: (ms: number) => virtual.sleep(ms),
      };
      const controller = new AbortController();
      const onGiveUp = vi.fn();
      const result = retry(
        async ({ attempt }) => {
          if (attempt === 1) throw unavailable();
          return 'rows after the abort';
        },
        {
          clock,
          jitter: 'none',
          baseDelayMs: 1_000,
          ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }),
          signal: controller.signal,
          onGiveUp,
        },
      );
      await virtual.advance(500);
      const reason = new Error('shutdown');
      controller.abort(reason);
      await virtual.runAll(result);
      await expect(result).rejects.toBe(reason);
      expect(onGiveUp).toHaveBeenCalledWith(expect.objectContaining({ reason: 'aborted' }));
    },
  );

  it('times out an attempt, aborting its signal, and retries it', async () => {
    const clock = createVirtualClock();
    const signals: AbortSignal[] = [];
    const result = retry(
      ({ attempt, signal }) => {
        signals.push(signal);
        if (attempt === 1) return new Promise<string>(() => {});
        return Promise.resolve('second time lucky');
      },
      { clock, attemptTimeoutMs: 500, jitter: 'none', baseDelayMs: 100 },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('second time lucky');
    const [first, second] = signals as [AbortSignal, AbortSignal];
    expect(first.aborted).toBe(true);
    expect(AttemptTimeoutError.isInstance(first.reason)).toBe(true);
    expect((first.reason as AttemptTimeoutError).timeoutMs).toBe(500);
    expect(second.aborted).toBe(false);
    expect(clock.now()).toBe(600);
    expect(clock.pendingTimers).toBe(0);
  });

  it('gives a timed-out attempt an aborted signal even when it reads the signal late', async () => {
    const clock = createVirtualClock();
    let readLate: (() => AbortSignal) | undefined;
    const result = retry(
      (context) => {
        readLate = () => context.signal;
        return new Promise<never>(() => {});
      },
      { clock, attemptTimeoutMs: 100, maxAttempts: 1 },
    );
    await clock.runAll(result);
    await expect(result).rejects.toThrow(
      'Gave up after 1 attempt: Attempt 1 timed out after 100 ms',
    );
    const signal = readLate?.();
    expect(signal?.aborted).toBe(true);
    expect(AttemptTimeoutError.isInstance(signal?.reason)).toBe(true);
  });

  it('gives a timed attempt one signal, however often it is read', async () => {
    const clock = createVirtualClock();
    const seen: AbortSignal[] = [];
    const result = retry(
      (context) => {
        seen.push(context.signal, context.signal);
        return new Promise<never>(() => {});
      },
      { clock, attemptTimeoutMs: 100, maxAttempts: 1 },
    );
    await clock.runAll(result);
    await expect(result).rejects.toThrow('timed out after 100 ms');
    expect(seen[1]).toBe(seen[0]);
    expect(seen[0]?.aborted).toBe(true);
  });

  it('retries a timed attempt that fails before its timeout, with its own error', async () => {
    const clock = createVirtualClock();
    const refused = unavailable('refused');
    const waits: RetryEvent[] = [];
    const result = retry(
      async ({ attempt }) => {
        if (attempt === 1) throw refused;
        return 'rows';
      },
      {
        clock,
        attemptTimeoutMs: 1_000,
        jitter: 'none',
        baseDelayMs: 100,
        onRetry: (event) => waits.push(event),
      },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    expect(waits).toEqual([{ attempt: 1, error: refused, delayMs: 100 }]);
    expect(clock.now()).toBe(100);
  });

  it('lets an attempt take its time when attemptTimeoutMs is not set', async () => {
    const clock = createVirtualClock({ now: Date.parse('2026-11-25T12:00:00Z') });
    const onSuccess = vi.fn();
    const result = retry(
      async () => {
        await clock.sleep(8_000);
        return 'rows';
      },
      { clock, onSuccess },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    expect(onSuccess).toHaveBeenCalledWith({ attempts: 1, result: 'rows', elapsedMs: 8_000 });
  });

  it('aborts a timed attempt at once when the caller aborts', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const result = retry(
      ({ signal }) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      { clock, attemptTimeoutMs: 10_000, signal: controller.signal },
    );
    await clock.advance(5);
    controller.abort(new Error('operator stop'));
    await expect(result).rejects.toThrow('operator stop');
    expect(seen?.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('gives up with AttemptTimeoutErrors when every attempt hangs', async () => {
    const clock = createVirtualClock();
    const result = retry(() => new Promise<never>(() => {}), {
      clock,
      attemptTimeoutMs: 200,
      maxAttempts: 2,
      jitter: 'none',
      baseDelayMs: 50,
    });
    await clock.runAll(result);
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    expect(error.reason).toBe('maxAttempts');
    expect(error.errors.map((e) => AttemptTimeoutError.isInstance(e))).toEqual([true, true]);
    expect(error.elapsedMs).toBe(450);
  });

  it('removes its listener from the caller signal after each timed attempt', async () => {
    const controller = new AbortController();
    const policy = createRetryPolicy({ attemptTimeoutMs: 1_000 });
    for (let i = 0; i < 20; i++) await policy.execute(async () => i, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('retries results that retryOnResult rejects and reports the last one when out of attempts', async () => {
    const clock = createVirtualClock();
    const pages = [[], [], ['row']];
    const ok = retry(async ({ attempt }) => pages[attempt - 1] ?? [], {
      clock,
      retryOnResult: (rows) => rows.length === 0,
    });
    await clock.runAll(ok);
    await expect(ok).resolves.toEqual(['row']);

    const empty = retry(async () => [] as string[], {
      clock,
      maxAttempts: 2,
      retryOnResult: (rows) => rows.length === 0,
    });
    await clock.runAll(empty);
    const error = (await empty.catch((e: unknown) => e)) as RetryError;
    expect(error.reason).toBe('maxAttempts');
    expect(RetryableResultError.isInstance(error.lastError)).toBe(true);
    expect((error.lastError as RetryableResultError<string[]>).result).toEqual([]);
  });

  it('takes a Retry-After hint as the floor of the next delay', async () => {
    const clock = createVirtualClock();
    const throttled = Object.assign(new Error('429'), {
      status: 429,
      response: { headers: { 'Retry-After': '7' } },
    });
    const hinted = Object.assign(new Error('busy'), { status: 503, retryAfterMs: 4_500 });
    const { fn } = failing([throttled, hinted], 'done');
    const delays: number[] = [];
    const result = retry(fn, {
      clock,
      baseDelayMs: 100,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });
    await clock.runAll(result);
    await expect(result).resolves.toBe('done');
    expect(delays).toEqual([7_000, 4_500]);
    expect(clock.now()).toBe(11_500);
  });

  it('uses constant and custom delays', async () => {
    const clock = createVirtualClock();
    const constant: number[] = [];
    const a = retry(failing([unavailable(), unavailable()], 1).fn, {
      clock,
      backoff: 'constant',
      jitter: 'none',
      baseDelayMs: 250,
      onRetry: ({ delayMs }) => constant.push(delayMs),
    });
    await clock.runAll(a);
    expect(constant).toEqual([250, 250]);

    const custom: number[] = [];
    const b = retry(failing([unavailable(), unavailable()], 2).fn, {
      clock,
      backoff: ({ retry: n, previousDelayMs }) => previousDelayMs + n * 10,
      baseDelayMs: 5,
      onRetry: ({ delayMs }) => custom.push(delayMs),
    });
    await clock.runAll(b);
    await expect(b).resolves.toBe(2);
    expect(custom).toEqual([15, 35]);
  });

  it.each([Number.NaN, -1])(
    'rejects with RetryOptionsError when a custom delay function returns %s',
    async (delayMs) => {
      const clock = createVirtualClock();
      const error = await retry(failing([unavailable()], 1).fn, {
        clock,
        backoff: () => delayMs,
      }).catch((e: unknown) => e);
      expect(RetryOptionsError.isInstance(error)).toBe(true);
      expect((error as RetryOptionsError).option).toBe('backoff');
      expect((error as Error).message).toContain(
        `"backoff" function must return a finite number of milliseconds >= 0 (got ${delayMs})`,
      );
    },
  );

  it('retries at once when a custom delay function returns 0', async () => {
    const clock = createVirtualClock();
    const result = retry(failing([unavailable()], 'rows').fn, { clock, backoff: () => 0 });
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    expect(clock.now()).toBe(0);
  });

  it('draws full jitter from the random option', async () => {
    const clock = createVirtualClock();
    const delays: number[] = [];
    const result = retry(failing([unavailable(), unavailable()], 'rows').fn, {
      clock,
      random: () => 0.25,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    expect(delays).toEqual([250, 500]);
  });

  it('reports success with the attempt count', async () => {
    const clock = createVirtualClock({ now: 5_000 });
    const onSuccess = vi.fn();
    const result = retry(failing([unavailable()], 'v').fn, { clock, jitter: 'none', onSuccess });
    await clock.runAll(result);
    await result;
    expect(onSuccess).toHaveBeenCalledWith({ attempts: 2, result: 'v', elapsedMs: 1000 });
  });

  it('reports a first-attempt success to onSuccess', async () => {
    const onSuccess = vi.fn();
    const policy = createRetryPolicy({ clock: createVirtualClock(), onSuccess });
    await expect(policy.execute(async () => 'rows')).resolves.toBe('rows');
    expect(onSuccess).toHaveBeenCalledWith({ attempts: 1, result: 'rows', elapsedMs: 0 });
  });

  it('catches synchronous throws and plain values', async () => {
    const clock = createVirtualClock();
    let calls = 0;
    const result = retry(
      () => {
        calls++;
        if (calls === 1) throw unavailable();
        return 42;
      },
      { clock },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe(42);
  });

  it('rejects a call without a function', async () => {
    const error = await retry(undefined as never).catch((e: unknown) => e);
    expect(RetryOptionsError.isInstance(error)).toBe(true);
    expect((error as RetryOptionsError).option).toBe('fn');
    expect((error as Error).message).toContain(
      'execute() needs a function to retry (got undefined)',
    );
  });
});

describe('retry budget', () => {
  it('stops retrying across policies once the shared budget is spent', async () => {
    const clock = createVirtualClock();
    const budget = createRetryBudget({ maxTokens: 3 });
    const options = { clock, budget, jitter: 'none' as const, maxAttempts: 5, baseDelayMs: 10 };
    const load = createRetryPolicy(options);
    const query = createRetryPolicy(options);
    const outage = vi.fn(async () => {
      throw unavailable('backend down');
    });

    const first = load.execute(outage);
    await clock.runAll(first);
    const firstError = (await first.catch((e: unknown) => e)) as RetryError;
    expect(firstError.reason).toBe('budgetExhausted');
    expect(firstError.attempts).toBe(4);
    expect(budget.tokens).toBe(0);

    const second = query.execute(outage);
    await clock.runAll(second);
    const secondError = (await second.catch((e: unknown) => e)) as RetryError;
    expect(secondError.reason).toBe('budgetExhausted');
    expect(secondError.attempts).toBe(1);
    expect(secondError.message).toBe(
      'Gave up after 1 attempt: the retry budget is exhausted: backend down',
    );
    expect(outage).toHaveBeenCalledTimes(5);
  });

  it('earns retries back from successes', async () => {
    const clock = createVirtualClock();
    const budget = createRetryBudget({ maxTokens: 1, successRefill: 0.25 });
    const policy = createRetryPolicy({ clock, budget, jitter: 'none' });
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    for (let i = 0; i < 4; i++) await policy.execute(async () => i);
    expect(budget.tokens).toBeCloseTo(1);
    const result = policy.execute(failing([unavailable()], 'recovered').fn);
    await clock.runAll(result);
    await expect(result).resolves.toBe('recovered');
  });

  it('never refuses a first attempt', async () => {
    const budget = createRetryBudget({ maxTokens: 1 });
    budget.tryAcquire();
    await expect(retry(async () => 'first', { budget })).resolves.toBe('first');
  });

  it('validates its options', () => {
    expect(() => createRetryBudget({ maxTokens: 0 })).toThrow(
      '"maxTokens" must be a finite number > 0 (got 0)',
    );
    expect(() => createRetryBudget({ successRefill: -1 })).toThrow(RetryOptionsError);
  });
});

describe('RetryError with unbounded attempts', () => {
  it('keeps the first error and the 10 most recent, and counts the rest', async () => {
    const clock = createVirtualClock();
    const made: Error[] = [];
    const result = retry(
      async ({ attempt }) => {
        const error = unavailable(`failure ${attempt}`);
        made.push(error);
        throw error;
      },
      // Unbounded attempts; time is what ends the call: 1 s apart, up to 1000 s.
      {
        clock,
        maxAttempts: Number.POSITIVE_INFINITY,
        backoff: 'constant',
        jitter: 'none',
        maxElapsedMs: 999_000,
      },
    );
    await clock.runAll(result);
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    expect(error.reason).toBe('maxElapsed');
    expect(error.attempts).toBe(1000);
    expect(made).toHaveLength(1000);
    expect(error.errors).toHaveLength(11);
    expect(error.errors[0]).toBe(made[0]);
    expect(error.errors.slice(1)).toEqual(made.slice(-10));
    expect(error.droppedErrors).toBe(989);
    expect(error.errors.length + error.droppedErrors).toBe(error.attempts);
    expect(error.lastError).toBe(made[999]);
    expect(error.cause).toBe(made[999]);
    expect(error.message).toBe(
      'Gave up after 1000 attempts in 999000 ms: the next wait of 1000 ms would pass maxElapsedMs: failure 1000',
    );
  });

  it('keeps every error up to 11 attempts', async () => {
    const clock = createVirtualClock();
    const made: Error[] = [];
    const result = retry(
      async () => {
        const error = unavailable(`failure ${made.length + 1}`);
        made.push(error);
        throw error;
      },
      { clock, maxAttempts: 11, baseDelayMs: 1 },
    );
    await clock.runAll(result);
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    expect(error.errors).toEqual(made);
    expect(error.droppedErrors).toBe(0);
  });
});

describe('wait hints', () => {
  /** Shaped like @pipewell/circuit-breaker's CircuitOpenError: transient, with retryAfterMs. */
  const breakerOpen = (retryAfterMs: number): Error =>
    Object.assign(new Error(`Circuit "warehouse" is open; retry in ${retryAfterMs} ms`), {
      name: 'CircuitOpenError',
      transient: true,
      retryAfterMs,
    });

  it('gives up at once, without sleeping, when a hint is longer than maxRetryAfterMs', async () => {
    const clock = createVirtualClock();
    const onGiveUp = vi.fn();
    const onRetry = vi.fn();
    const open = breakerOpen(300_000);
    const fn = vi.fn(async () => {
      throw open;
    });
    const result = retry(fn, {
      clock,
      maxAttempts: 5,
      maxRetryAfterMs: 120_000,
      onGiveUp,
      onRetry,
    });
    // No clock movement at all: the call must settle on its own.
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    expect(RetryError.isInstance(error)).toBe(true);
    expect(error.reason).toBe('maxRetryAfter');
    expect(error.attempts).toBe(1);
    expect(error.nextDelayMs).toBe(300_000);
    expect(error.lastError).toBe(open);
    expect(error.message).toBe(
      'Gave up after 1 attempt: the server asked for a wait of 300000 ms, longer than maxRetryAfterMs: Circuit "warehouse" is open; retry in 300000 ms',
    );
    expect(fn).toHaveBeenCalledTimes(1);
    expect(onRetry).not.toHaveBeenCalled();
    expect(onGiveUp).toHaveBeenCalledWith({
      attempts: 1,
      error,
      reason: 'maxRetryAfter',
      elapsedMs: 0,
    });
    expect(clock.now()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('limits hints to 60 s by default, so an open breaker does not hold a caller for minutes', async () => {
    const clock = createVirtualClock();
    expect(parseRetryOptions({}).maxRetryAfterMs).toBe(60_000);
    const long = retry(
      async () => {
        throw breakerOpen(60_001);
      },
      { clock },
    );
    await expect(long).rejects.toMatchObject({ reason: 'maxRetryAfter' });

    let calls = 0;
    const short = retry(
      async () => {
        if (++calls === 1) throw breakerOpen(60_000);
        return 'rows';
      },
      { clock },
    );
    await clock.runAll(short);
    await expect(short).resolves.toBe('rows');
    expect(clock.now()).toBe(60_000);
  });

  it('honours any hint with maxRetryAfterMs: Infinity', async () => {
    const clock = createVirtualClock();
    let calls = 0;
    const result = retry(
      async () => {
        if (++calls === 1) throw breakerOpen(300_000);
        return 'rows';
      },
      { clock, maxRetryAfterMs: Number.POSITIVE_INFINITY },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    expect(clock.now()).toBe(300_000);
  });

  it('does not give up over a hint the backoff would out-wait anyway', async () => {
    const clock = createVirtualClock();
    const delays: number[] = [];
    let calls = 0;
    const result = retry(
      async () => {
        if (++calls === 1) throw breakerOpen(3_000);
        return 'rows';
      },
      {
        clock,
        baseDelayMs: 5_000,
        jitter: 'none',
        maxRetryAfterMs: 1_000,
        onRetry: ({ delayMs }) => delays.push(delayMs),
      },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    expect(delays).toEqual([5_000]);
  });

  it('does not give up over a hint equal to the backoff delay', async () => {
    const clock = createVirtualClock();
    const delays: number[] = [];
    let calls = 0;
    const result = retry(
      async () => {
        if (++calls === 1) throw breakerOpen(5_000);
        return 'rows';
      },
      {
        clock,
        baseDelayMs: 5_000,
        jitter: 'none',
        maxRetryAfterMs: 1_000,
        onRetry: ({ delayMs }) => delays.push(delayMs),
      },
    );
    await clock.runAll(result);
    await expect(result).resolves.toBe('rows');
    expect(delays).toEqual([5_000]);
  });

  it('gives up at once with maxElapsed when a hinted wait would pass maxElapsedMs', async () => {
    const clock = createVirtualClock();
    const onRetry = vi.fn();
    const throttled = Object.assign(new Error('429'), {
      status: 429,
      headers: { 'retry-after': '120' },
    });
    const fn = vi.fn(async () => {
      throw throttled;
    });
    const policy = createRetryPolicy({
      clock,
      maxAttempts: 5,
      maxElapsedMs: 60_000,
      maxRetryAfterMs: 300_000,
      onRetry,
    });
    const error = (await policy.execute(fn).catch((e: unknown) => e)) as RetryError;
    expect(error.reason).toBe('maxElapsed');
    expect(error.nextDelayMs).toBe(120_000);
    expect(error.message).toBe(
      'Gave up after 1 attempt in 0 ms: the next wait of 120000 ms would pass maxElapsedMs: 429',
    );
    expect(fn).toHaveBeenCalledTimes(1);
    expect(onRetry).not.toHaveBeenCalled();
    expect(clock.now()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('counts maxElapsedMs from the call on the fast path too', async () => {
    const clock = createVirtualClock();
    const policy = createRetryPolicy({ clock, maxElapsedMs: 10_000, maxRetryAfterMs: 60_000 });
    const result = policy.execute(async () => {
      // The first attempt itself takes 8 s; a 3 s hint would then end at 11 s.
      await clock.sleep(8_000);
      throw breakerOpen(3_000);
    });
    await clock.runAll(result);
    const error = (await result.catch((e: unknown) => e)) as RetryError;
    expect(error.reason).toBe('maxElapsed');
    expect(error.elapsedMs).toBe(8_000);
    expect(clock.now()).toBe(8_000);
  });
});
