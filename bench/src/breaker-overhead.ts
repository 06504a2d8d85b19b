import { createCircuitBreaker, createMemoryBreakerStore } from '@pipewell/circuit-breaker';
import { createRetryPolicy } from '@pipewell/retry';
import {
  ConsecutiveBreaker,
  circuitBreaker,
  retry as cockatielRetry,
  ExponentialBackoff,
  handleAll,
  SamplingBreaker,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import Opossum from 'opossum';
import { measure, report } from './measure.js';

// Success path only: every contender wraps a function that resolves at once.
const work = async (): Promise<number> => 1;

const consecutive = createCircuitBreaker({ name: 'bench-consecutive', env: {} });
const timeWindow = createCircuitBreaker({
  name: 'bench-time-window',
  policy: 'timeWindow',
  windowMs: 60_000,
  minimumCalls: 10,
  env: {},
});
// Fleet-wide failure counting on a store: its success path must stay as cheap while the count is 0.
const fleetCounted = createCircuitBreaker({
  name: 'bench-fleet-scope',
  store: createMemoryBreakerStore(),
  failureScope: 'fleet',
  env: {},
});
const retryPolicy = createRetryPolicy({ maxAttempts: 3 });
const timedRetryPolicy = createRetryPolicy({ maxAttempts: 3, attemptTimeoutMs: 10_000 });

const cockatielConsecutive = circuitBreaker(handleAll, {
  halfOpenAfter: 300_000,
  breaker: new ConsecutiveBreaker(5),
});
const cockatielSampling = circuitBreaker(handleAll, {
  halfOpenAfter: 300_000,
  breaker: new SamplingBreaker({ threshold: 0.5, duration: 60_000, minimumRps: 1 }),
});
const cockatielComposed = wrap(
  cockatielRetry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
  circuitBreaker(handleAll, { halfOpenAfter: 300_000, breaker: new ConsecutiveBreaker(5) }),
  timeout(10_000, TimeoutStrategy.Cooperative),
);

const opossum = new Opossum(work, { timeout: false, resetTimeout: 300_000 });
const opossumTimed = new Opossum(work, { timeout: 10_000, resetTimeout: 300_000 });

const results = await measure([
  { name: 'bare await fn()', call: () => work() },
  { name: 'pipewell breaker (consecutive)', call: () => consecutive.execute(work) },
  { name: 'pipewell breaker (timeWindow)', call: () => timeWindow.execute(work) },
  { name: 'pipewell breaker (fleet failureScope)', call: () => fleetCounted.execute(work) },
  { name: 'cockatiel breaker (consecutive)', call: () => cockatielConsecutive.execute(work) },
  { name: 'cockatiel breaker (sampling)', call: () => cockatielSampling.execute(work) },
  { name: 'opossum fire() (no timeout)', call: () => opossum.fire() },
  {
    name: 'pipewell retry(breaker)',
    call: () => retryPolicy.execute(() => consecutive.execute(work)),
  },
  {
    name: 'pipewell retry(breaker) + attempt timeout',
    call: () => timedRetryPolicy.execute(() => consecutive.execute(work)),
  },
  { name: 'cockatiel wrap(retry, breaker, timeout)', call: () => cockatielComposed.execute(work) },
  { name: 'opossum fire() (10 s timeout)', call: () => opossumTimed.fire() },
]);

report(`circuit breaker success-path overhead (node ${process.version}, ${process.arch})`, results);

const ns = new Map(results.map((r) => [r.name, r.nsPerCall]));
const get = (name: string): number => ns.get(name) ?? Number.NaN;
console.log(
  `\npipewell breaker is ${(get('pipewell breaker (consecutive)') / get('cockatiel breaker (consecutive)')).toFixed(2)}x ` +
    "cockatiel's consecutive breaker (target <= 1x); retry + breaker + attempt timeout costs " +
    `${(get('pipewell retry(breaker) + attempt timeout') / 1000).toFixed(2)} us/call (target < 2 us), ` +
    `cockatiel's wrap(retry, breaker, timeout) ${(get('cockatiel wrap(retry, breaker, timeout)') / 1000).toFixed(2)} us/call.`,
);

opossum.shutdown();
opossumTimed.shutdown();
await Promise.all([consecutive.close(), timeWindow.close(), fleetCounted.close()]);
