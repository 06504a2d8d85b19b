import { describe, expect, it } from 'vitest';
import { createRetryBudget } from './budget.js';
import { RetryOptionsError } from './errors.js';

function optionError(make: () => unknown): RetryOptionsError {
  try {
    make();
  } catch (error) {
    if (RetryOptionsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a RetryOptionsError');
}

describe('createRetryBudget', () => {
  it.each([
    ['maxTokens', Number.NaN, 'must be a finite number > 0 (got NaN)'],
    ['maxTokens', Number.POSITIVE_INFINITY, '(got Infinity)'],
    ['retryCost', -1, 'option "retryCost" must be a finite number >= 0 (got -1)'],
    ['retryCost', '1', '(got 1)'],
    ['successRefill', Number.NaN, 'must be a finite number >= 0 (got NaN)'],
  ])('refuses %s = %o, naming the option', (option, value, message) => {
    const error = optionError(() => createRetryBudget({ [option]: value } as never));
    expect(error.option).toBe(option);
    expect(error.message).toContain(message);
  });

  it('allows free retries (retryCost 0) and no refill (successRefill 0)', () => {
    const free = createRetryBudget({ maxTokens: 1, retryCost: 0 });
    for (let i = 0; i < 5; i++) expect(free.tryAcquire()).toBe(true);
    expect(free.tokens).toBe(1);

    const noRefill = createRetryBudget({ maxTokens: 1, successRefill: 0 });
    expect(noRefill.tryAcquire()).toBe(true);
    noRefill.recordSuccess();
    expect(noRefill.tokens).toBe(0);
    expect(noRefill.tryAcquire()).toBe(false);
  });

  it('counts ten refills of 0.1 as one retry despite float rounding', () => {
    const budget = createRetryBudget({ maxTokens: 1 });
    expect(budget.tryAcquire()).toBe(true);
    for (let i = 0; i < 10; i++) budget.recordSuccess();
    expect(budget.tokens).toBeLessThan(1);
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tokens).toBe(0);
  });

  it('pays for a retry with a balance within 1e-9 of its cost', () => {
    const budget = createRetryBudget({ maxTokens: 0.999999999, retryCost: 1 });
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tokens).toBe(0);
    expect(budget.tryAcquire()).toBe(false);
  });

  it('reset fills the bucket back up', () => {
    const budget = createRetryBudget({ maxTokens: 2 });
    budget.tryAcquire();
    budget.tryAcquire();
    expect(budget.tryAcquire()).toBe(false);
    budget.reset();
    expect(budget.tokens).toBe(2);
    expect(budget.tryAcquire()).toBe(true);
  });
});
