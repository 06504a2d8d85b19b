import { describe, expectTypeOf, it } from 'vitest';
import type { SinkContext } from './sinks.js';
import { createLoggerSink, createMemorySink } from './sinks.js';

describe('SinkContext', () => {
  it('has a signal a sink can pass straight to fetch', () => {
    expectTypeOf<SinkContext['signal']>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<SinkContext['signal']>().toExtend<NonNullable<RequestInit['signal']>>();
  });
});

describe('sink factories', () => {
  it('take an options object', () => {
    expectTypeOf(createMemorySink).toBeCallableWith({ name: 'm', limit: 10 });
    expectTypeOf(createMemorySink).toBeCallableWith();
    // @ts-expect-error the logger goes in the options object
    createLoggerSink({ name: 'x' });
  });
});
