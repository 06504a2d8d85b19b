// A consumer service: uses every package's main export the way a user would, from the packed
// tarballs. Compiled to ESM and to CommonJS, and run in both.
import assert from 'node:assert/strict';
import { createAlerter, createMemorySink } from '@pipewell/alerts';
import { outboxContract } from '@pipewell/alerts/testing';
import { CircuitOpenError, createCircuitBreaker, quorumGate } from '@pipewell/circuit-breaker';
import { applyOutcome } from '@pipewell/circuit-breaker/store';
import { breakerStoreContract, createFlakyBreakerStore } from '@pipewell/circuit-breaker/testing';
import { ClientConfigError, resolveProjectId } from '@pipewell/clients';
import { sql, typed } from '@pipewell/clients/sql';
import {
  every,
  isCalendarDate,
  PipewellError,
  PipewellOptionsError,
  readEnv,
  sleep,
  systemClock,
} from '@pipewell/core';
import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { createMemoryHeartbeatStore, findStaleRuns, startHeartbeat } from '@pipewell/heartbeat';
import { runKeyId } from '@pipewell/heartbeat/store';
import { heartbeatStoreContract } from '@pipewell/heartbeat/testing';
import {
  createRetryPolicy,
  HttpError,
  isPermanentError,
  isTransientError,
  RetryError,
  retry,
  createVirtualClock as retryCreateVirtualClock,
} from '@pipewell/retry';
import { createDependencyMap, evaluateDependencies } from '@pipewell/soft-deps';
import * as coreV1 from 'core-v1';
import * as retryV1 from 'retry-v1';
import * as retryV2 from 'retry-v2';

async function main(): Promise<void> {
  // core: the shared clock, loop, logger, errors and environment, and its test kit
  const loopClock = createVirtualClock();
  const logger = createRecordingLogger();
  const loop = every(loopClock, 100, () => Promise.reject(new Error('tick failed')), { logger });
  await loopClock.advance(250);
  await loop.close();
  assert.equal(logger.at('error').length, 2);
  assert.equal(loopClock.pendingTimers, 0);
  await sleep(1, { clock: systemClock });
  assert.equal(readEnv({ A: '1' }).A, '1');
  const slept = await catchError(sleep(-1), PipewellOptionsError);
  assert.equal(slept.option, 'ms');
  // The retry re-export of the virtual clock is core's own, for one more minor version.
  assert.equal(retryCreateVirtualClock, createVirtualClock);

  // retry
  let calls = 0;
  const clock = createVirtualClock();
  const result = retry(
    async () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('busy'), { status: 503 });
      return 42;
    },
    { clock, jitter: 'none', baseDelayMs: 10 },
  );
  await clock.runAll(result);
  const answer: number = await result;
  assert.equal(answer, 42);
  assert.equal(isTransientError(Object.assign(new Error('x'), { code: 14 })), true);
  const exhausted = await createRetryPolicy({ maxAttempts: 1 })
    .execute(async () => {
      throw Object.assign(new Error('down'), { status: 503 });
    })
    .catch((error: unknown) => error);
  assert.equal(RetryError.isInstance(exhausted), true);
  assert.equal(isPermanentError(Object.assign(new Error('denied'), { code: 7 })), true);
  assert.equal(isCalendarDate('2024-02-29') && !isCalendarDate('2026-02-30'), true);
  const notFound = await HttpError.fromResponse(new Response('gone', { status: 404 }));
  assert.equal(notFound.status, 404);
  assert.equal(isPermanentError(notFound), true);

  // circuit-breaker
  const breaker = createCircuitBreaker({ name: 'consumer', failureThreshold: 1, env: {} });
  await breaker.execute(() => Promise.reject(new Error('boom'))).catch(() => {});
  const refused = await breaker.execute(async () => 'never').catch((error: unknown) => error);
  assert.equal(CircuitOpenError.isInstance(refused), true);
  assert.equal(quorumGate({ of: ['a', 'b', 'c'], minComplete: 2 }).evaluate(['a', 'b']).open, true);
  await breaker.close();

  // heartbeat
  const store = createMemoryHeartbeatStore();
  const heartbeat = startHeartbeat({
    processorName: 'p',
    dataDate: '2026-01-24',
    runId: 'r',
    store,
  });
  heartbeat.beat({ rows: 1 });
  await heartbeat.stop('succeeded');
  assert.deepEqual(await findStaleRuns(store, { staleAfterMs: 1, now: Date.now() + 60_000 }), []);

  // soft-deps
  const map = createDependencyMap({
    processors: {
      p: { upstreams: { u: { kind: 'soft', coverage: () => ({ expected: 10, actual: 9 }) } } },
    },
  });
  assert.equal((await evaluateDependencies(map, 'p', '2026-01-24')).decision, 'degraded');

  // clients (the main entry needs no Google SDK)
  assert.equal(resolveProjectId({ env: { GCP_PROJECT_ID: 'demo-consumer' } }), 'demo-consumer');
  assert.equal(
    ClientConfigError.isInstance(
      (() => {
        try {
          resolveProjectId({ env: {} });
        } catch (e) {
          return e;
        }
      })(),
    ),
    true,
  );

  // the sql tag loads without the BigQuery SDK, which this consumer does not install
  const query = sql`SELECT 1 FROM t WHERE game_date = ${typed('2026-01-24', 'DATE')}`;
  assert.deepEqual(query.params, { p0: '2026-01-24' });

  // alerts
  const memory = createMemorySink();
  const alerter = createAlerter({ sinks: [memory] });
  await alerter.alert({ severity: 'info', title: 'consumer ok' });
  assert.equal(memory.alerts.length, 1);
  await alerter.close();

  // Two versions installed side by side: each works, and errors from one are recognised by the
  // other through the Symbol.for marker, though instanceof cannot see across copies.
  const v1 = await retryV1
    .createRetryPolicy({ maxAttempts: 1 })
    .execute(async () => {
      throw Object.assign(new Error('v1 down'), { status: 503 });
    })
    .catch((error: unknown) => error);
  assert.equal(v1 instanceof retryV2.RetryError, false);
  assert.equal(retryV2.RetryError.isInstance(v1), true);
  assert.equal(retryV1.RetryError.isInstance(exhausted), true);

  // Every package's errors share core's base; a second copy of core recognises them too.
  assert.equal(PipewellError.isInstance(exhausted), true);
  assert.equal(PipewellError.isInstance(refused), true);
  assert.equal(coreV1.PipewellError.isInstance(exhausted), true);
  assert.equal(exhausted instanceof coreV1.PipewellError, false);
  const fromCopy = new coreV1.PipewellOptionsError('threshold', 'from the other copy');
  assert.equal(PipewellOptionsError.isInstance(fromCopy), true);

  // The store-author and test-kit entries load without a test runner or a Google SDK.
  for (const fn of [
    outboxContract,
    applyOutcome,
    breakerStoreContract,
    createFlakyBreakerStore,
    heartbeatStoreContract,
  ]) {
    assert.equal(typeof fn, 'function');
  }
  assert.equal(
    runKeyId({ processorName: 'p', dataDate: '2026-01-24', runId: 'r' }),
    'p__2026-01-24__r',
  );

  console.log(
    `consumer (${typeof require === 'function' ? 'commonjs' : 'esm'}): every package works`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
