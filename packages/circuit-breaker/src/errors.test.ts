import { describe, expect, it } from 'vitest';
import {
  BreakerClosedError,
  BreakerConfigError,
  BreakerContentionError,
  BreakerRecordError,
  CircuitOpenError,
} from './errors.js';

describe('error classes', () => {
  it.each([
    ['CircuitOpenError', new CircuitOpenError('b', 10, 'open')],
    ['BreakerConfigError', new BreakerConfigError('failureThreshold', 'bad')],
    ['BreakerClosedError', new BreakerClosedError('b')],
    ['BreakerContentionError', new BreakerContentionError('b', 'trip', 5)],
    ['BreakerRecordError', new BreakerRecordError('breakers/b', 'version')],
  ] as const)('%s carries its name', (name, error) => {
    expect(error.name).toBe(name);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it.each<[string, (error: unknown) => boolean]>([
    ['@pipewell/circuit-breaker.CircuitOpenError', (e) => CircuitOpenError.isInstance(e)],
    ['@pipewell/circuit-breaker.BreakerConfigError', (e) => BreakerConfigError.isInstance(e)],
    ['@pipewell/circuit-breaker.BreakerClosedError', (e) => BreakerClosedError.isInstance(e)],
    [
      '@pipewell/circuit-breaker.BreakerContentionError',
      (e) => BreakerContentionError.isInstance(e),
    ],
    ['@pipewell/circuit-breaker.BreakerRecordError', (e) => BreakerRecordError.isInstance(e)],
  ])('recognises an error of another installed copy by its marker %s', (marker, isInstance) => {
    const fromAnotherCopy = Object.assign(new Error('elsewhere'), { [Symbol.for(marker)]: true });
    expect(isInstance(fromAnotherCopy)).toBe(true);
    expect(isInstance(new Error('plain'))).toBe(false);
  });
});

describe('BreakerContentionError', () => {
  it("says an operator's write left the fleet as it was", () => {
    expect(new BreakerContentionError('bq', 'isolate', 5).message).toBe(
      'Circuit "bq": isolate() lost the compare-and-set race 5 times; the fleet is not isolated (this instance is)',
    );
    expect(new BreakerContentionError('bq', 'reset', 5).message).toBe(
      'Circuit "bq": reset() lost the compare-and-set race 5 times; the fleet is not reset (this instance is)',
    );
  });

  it('says a published verdict is retried on the next sync', () => {
    expect(new BreakerContentionError('bq', 'close', 5).message).toBe(
      'Circuit "bq": the fleet close lost the compare-and-set race 5 times in a row; it is retried on the next sync',
    );
  });
});
