import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { catchError } from './catch-error.js';
import { PipewellError, PipewellOptionsError } from './error.js';

class LimitError extends PipewellError {
  static override readonly marker = '@pipewell/test.LimitError';
  override readonly name = 'LimitError';
  readonly limit = 5;
}

describe('catchError', () => {
  it('returns what a function threw', async () => {
    const thrown = new Error('sync');
    await expect(
      catchError(() => {
        throw thrown;
      }),
    ).resolves.toBe(thrown);
  });

  it('returns what a promise, or a function returning one, rejected with', async () => {
    const reason = new LimitError('async');
    await expect(catchError(Promise.reject(reason))).resolves.toBe(reason);
    await expect(catchError(async () => Promise.reject(reason))).resolves.toBe(reason);
  });

  it('returns the error typed as the class asked for', async () => {
    const error = await catchError(Promise.reject(new LimitError('x')), LimitError);
    expectTypeOf(error).toEqualTypeOf<LimitError>();
    expect(error.limit).toBe(5);
    const range = await catchError(() => {
      throw new RangeError('out');
    }, RangeError);
    expect(range).toBeInstanceOf(RangeError);
  });

  it('fails clearly when nothing was thrown', async () => {
    await expect(catchError(() => 42)).rejects.toThrow(
      'catchError: expected an error, but nothing was thrown',
    );
    await expect(catchError(Promise.resolve('fine'), LimitError)).rejects.toThrow(
      'nothing was thrown',
    );
  });

  it('fails clearly, keeping the error as cause, when it is of another kind', async () => {
    const other = new Error('plain');
    const failure = await catchError(catchError(Promise.reject(other), LimitError));
    expect((failure as Error).message).toBe(
      'catchError: expected a LimitError, but got Error: plain',
    );
    expect((failure as Error).cause).toBe(other);
    const options = new PipewellOptionsError('x', 'bad x');
    await expect(catchError(Promise.reject(options), LimitError)).rejects.toThrow(
      'expected a LimitError, but got PipewellOptionsError: bad x',
    );
    await expect(catchError(Promise.reject('text'), RangeError)).rejects.toThrow(
      'but got string text',
    );
  });

  it('matches a pipewell error from another installed copy by its marker', async () => {
    vi.resetModules();
    const copy = await import('./error.js');
    class CopiedLimitError extends copy.PipewellError {
      static override readonly marker = '@pipewell/test.LimitError';
    }
    const fromCopy = new CopiedLimitError('from the other copy');
    expect(fromCopy instanceof LimitError).toBe(false);
    await expect(catchError(Promise.reject(fromCopy), LimitError)).resolves.toBe(fromCopy);
  });
});
