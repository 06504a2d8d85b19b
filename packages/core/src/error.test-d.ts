import { describe, expectTypeOf, it } from 'vitest';
import { PipewellError, PipewellOptionsError } from './error.js';

class QuotaError extends PipewellError {
  static override readonly marker = '@pipewell/test.QuotaError';
  override readonly name = 'QuotaError';
  readonly limit = 1;
}

describe('isInstance', () => {
  it('narrows to the class it is called on', () => {
    const error: unknown = undefined;
    if (QuotaError.isInstance(error)) expectTypeOf(error).toEqualTypeOf<QuotaError>();
    if (PipewellError.isInstance(error)) expectTypeOf(error).toEqualTypeOf<PipewellError>();
    if (PipewellOptionsError.isInstance(error)) expectTypeOf(error.option).toEqualTypeOf<string>();
  });
});
