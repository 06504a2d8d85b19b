import { describe, expectTypeOf, it } from 'vitest';
import {
  createRetryPolicy,
  HttpError,
  type RetryContext,
  retry,
  retryable,
  throwIfNotOk,
} from './index.js';

describe('types', () => {
  it('infers the result type from fn', () => {
    expectTypeOf(retry(async () => 42)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(retry(() => 'sync')).toEqualTypeOf<Promise<string>>();
    const policy = createRetryPolicy();
    expectTypeOf(policy.execute(async (ctx) => ctx.attempt)).toEqualTypeOf<Promise<number>>();
    expectTypeOf<Parameters<Parameters<typeof retry>[0]>[0]>().toEqualTypeOf<RetryContext>();
  });

  it('types retryOnResult by the result', () => {
    retry(async () => [1, 2], { retryOnResult: (rows) => rows.length === 0 });
    // @ts-expect-error rows is number[], which has no .size
    retry(async () => [1, 2], { retryOnResult: (rows) => rows.size === 0 });
  });

  it('rejects unknown jitter names at compile time', () => {
    // @ts-expect-error 'fuzzy' is not a Jitter
    createRetryPolicy({ jitter: 'fuzzy' });
  });

  it('decorates async methods only', () => {
    class Ok {
      @retryable()
      async run(): Promise<number> {
        return 1;
      }
    }
    expectTypeOf(new Ok().run()).toEqualTypeOf<Promise<number>>();
  });

  it('keeps the Response type through throwIfNotOk', () => {
    const url = 'http://127.0.0.1:1/';
    expectTypeOf(fetch(url).then(throwIfNotOk)).toEqualTypeOf<Promise<Response>>();
    expectTypeOf(retry(() => fetch(url).then(throwIfNotOk))).toEqualTypeOf<Promise<Response>>();
    expectTypeOf(HttpError.fromResponse(new Response())).toEqualTypeOf<Promise<HttpError>>();
    // @ts-expect-error a string is not a response
    throwIfNotOk('nope');
  });
});
