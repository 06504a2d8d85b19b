import { createVirtualClock } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { retryable } from './decorator.js';
import { RetryError, RetryOptionsError } from './errors.js';
import { createRetryPolicy } from './policy.js';

const clock = createVirtualClock();
const unavailable = (): Error => Object.assign(new Error('warehouse unavailable'), { code: 503 });

class BoxScoreProcessor {
  calls: Array<{ date: string; self: unknown }> = [];
  failuresLeft: number;

  constructor(failures: number) {
    this.failuresLeft = failures;
  }

  @retryable({ clock, jitter: 'none', baseDelayMs: 100 })
  async load(date: string, _options?: { signal?: AbortSignal }): Promise<string> {
    this.calls.push({ date, self: this });
    if (this.failuresLeft-- > 0) throw unavailable();
    return `loaded ${date}`;
  }

  @retryable({ clock, jitter: 'none', baseDelayMs: 100 })
  async loadWith(date: string, _last: unknown): Promise<string> {
    this.calls.push({ date, self: this });
    if (this.failuresLeft-- > 0) throw unavailable();
    return `loaded ${date}`;
  }

  @retryable(createRetryPolicy({ clock, maxAttempts: 2, jitter: 'none', baseDelayMs: 100 }))
  async alwaysDown(): Promise<never> {
    throw unavailable();
  }
}

describe('@retryable', () => {
  it('retries the method with the same this and arguments', async () => {
    const processor = new BoxScoreProcessor(2);
    const result = processor.load('2026-01-24');
    await clock.runAll(result);
    await expect(result).resolves.toBe('loaded 2026-01-24');
    expect(processor.calls).toHaveLength(3);
    expect(
      processor.calls.every((call) => call.self === processor && call.date === '2026-01-24'),
    ).toBe(true);
  });

  it('accepts a shared policy and gives up with RetryError', async () => {
    const result = new BoxScoreProcessor(0).alwaysDown();
    await clock.runAll(result);
    const error = await result.catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    expect((error as RetryError).attempts).toBe(2);
  });

  it('stops when the signal in the last argument aborts', async () => {
    const processor = new BoxScoreProcessor(10);
    const controller = new AbortController();
    const result = processor.load('2026-01-25', { signal: controller.signal });
    await clock.advance(0);
    expect(processor.calls).toHaveLength(1);
    controller.abort(new Error('stopping'));
    await expect(result).rejects.toThrow('stopping');
    await clock.advance(10_000);
    expect(processor.calls).toHaveLength(1);
  });

  it('stops when the last argument is itself an aborting signal', async () => {
    const processor = new BoxScoreProcessor(10);
    const controller = new AbortController();
    const result = processor.loadWith('2026-01-26', controller.signal);
    await clock.advance(0);
    controller.abort(new Error('stopping'));
    await expect(result).rejects.toThrow('stopping');
    await clock.advance(10_000);
    expect(processor.calls).toHaveLength(1);
  });

  it.each([
    ['null', null],
    ['an options object whose signal is not an AbortSignal', { signal: 'SIGTERM' }],
  ])('retries as usual when the last argument is %s', async (_name, last) => {
    const processor = new BoxScoreProcessor(1);
    const result = processor.loadWith('2026-01-27', last);
    await clock.runAll(result);
    await expect(result).resolves.toBe('loaded 2026-01-27');
    expect(processor.calls).toHaveLength(2);
  });

  it('refuses options that are not an object when applied', () => {
    expect(() => retryable(null as never)).toThrow(RetryOptionsError);
    expect(() => retryable(null as never)).toThrow('options must be an object (got null)');
  });

  it('refuses to decorate anything but a method', () => {
    const decorate = retryable();
    const context = { kind: 'getter', name: 'total' } as unknown as ClassMethodDecoratorContext;
    expect(() => decorate(async () => 1, context)).toThrow(
      new TypeError('@retryable can only decorate methods (got a getter)'),
    );
  });
});
