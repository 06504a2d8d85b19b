import { describe, expect, it, vi } from 'vitest';
import { PipewellError, PipewellOptionsError } from './error.js';

class QuotaError extends PipewellError {
  static override readonly marker: string = '@pipewell/test.QuotaError';
  override readonly name: string = 'QuotaError';
  readonly limit: number;
  constructor(limit: number, options?: { cause?: unknown }) {
    super(`over the quota of ${limit}`, options);
    this.limit = limit;
  }
}

class HardQuotaError extends QuotaError {
  static override readonly marker = '@pipewell/test.HardQuotaError';
  override readonly name = 'HardQuotaError';
}

class OtherError extends PipewellError {
  static override readonly marker = '@pipewell/test.OtherError';
  override readonly name = 'OtherError';
}

describe('PipewellError', () => {
  it('is an Error with a name, a message, a cause and readonly fields', () => {
    const cause = new Error('429');
    const error = new QuotaError(10, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('QuotaError');
    expect(error.message).toBe('over the quota of 10');
    expect(error.cause).toBe(cause);
    expect(error.limit).toBe(10);
    expect(String(error)).toBe('QuotaError: over the quota of 10');
    expect(Object.hasOwn(new QuotaError(1), 'cause')).toBe(false);
  });

  it('recognises instances of the class it is called on and of its subclasses only', () => {
    const quota = new QuotaError(1);
    const hard = new HardQuotaError(2);
    const other = new OtherError('x');
    expect(QuotaError.isInstance(quota)).toBe(true);
    expect(QuotaError.isInstance(hard)).toBe(true);
    expect(HardQuotaError.isInstance(hard)).toBe(true);
    expect(HardQuotaError.isInstance(quota)).toBe(false);
    expect(QuotaError.isInstance(other)).toBe(false);
    expect(OtherError.isInstance(quota)).toBe(false);
    for (const error of [quota, hard, other]) expect(PipewellError.isInstance(error)).toBe(true);
    for (const value of [new Error('plain'), null, undefined, 'QuotaError', { name: 'QuotaError' }])
      expect(QuotaError.isInstance(value)).toBe(false);
    expect(PipewellError.isInstance(new Error('plain'))).toBe(false);
  });

  it('recognises errors from another installed copy of the package, where instanceof fails', async () => {
    vi.resetModules();
    const copy = await import('./error.js');
    expect(copy.PipewellError).not.toBe(PipewellError);
    class CopiedQuotaError extends copy.PipewellError {
      static override readonly marker = '@pipewell/test.QuotaError';
      override readonly name = 'QuotaError';
    }
    const fromCopy = new CopiedQuotaError('from the other copy');
    expect(fromCopy instanceof QuotaError).toBe(false);
    expect(fromCopy instanceof PipewellError).toBe(false);
    expect(QuotaError.isInstance(fromCopy)).toBe(true);
    expect(PipewellError.isInstance(fromCopy)).toBe(true);
    expect(CopiedQuotaError.isInstance(new QuotaError(1))).toBe(true);
    expect(copy.PipewellError.isInstance(new OtherError('x'))).toBe(true);
    expect(HardQuotaError.isInstance(fromCopy)).toBe(false);
  });

  it('recognises an error marked the way packages marked them before core existed', () => {
    class Legacy extends Error {}
    Object.defineProperty(Legacy.prototype, Symbol.for('@pipewell/test.QuotaError'), {
      value: true,
    });
    expect(QuotaError.isInstance(new Legacy('old copy'))).toBe(true);
  });

  it('keeps the marker off the instance: nothing new to serialise or compare', () => {
    const error = new QuotaError(3);
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
    expect(Object.keys(error)).toEqual(['name', 'limit']);
  });

  it('fails loudly for a subclass that forgot its marker', () => {
    class Forgetful extends QuotaError {
      override readonly name = 'Forgetful';
    }
    expect(() => new Forgetful(1)).toThrow(
      /Forgetful extends PipewellError without its own static marker/,
    );
    expect(() => Forgetful.isInstance(new QuotaError(1))).toThrow(TypeError);
  });

  it('says how to call isInstance when it is detached from its class', () => {
    const { isInstance } = QuotaError;
    // @ts-expect-error: the compiler refuses a detached call too
    expect(() => isInstance(new QuotaError(1))).toThrow(/call it on the class/);
  });
});

describe('PipewellOptionsError', () => {
  class ThingOptionsError extends PipewellOptionsError {
    static override readonly marker = '@pipewell/test.ThingOptionsError';
    override readonly name = 'ThingOptionsError';
  }

  it('names the option that is wrong, in the one field every package uses', () => {
    const error = new ThingOptionsError('intervalMs', 'option "intervalMs" must be > 0 (got 0)');
    expect(error.option).toBe('intervalMs');
    expect(error.name).toBe('ThingOptionsError');
    expect(ThingOptionsError.isInstance(error)).toBe(true);
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(PipewellError.isInstance(error)).toBe(true);
    expect(PipewellOptionsError.isInstance(new QuotaError(1))).toBe(false);
  });
});
