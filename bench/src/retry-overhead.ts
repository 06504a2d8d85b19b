import { createRetryPolicy, retry } from '@pipewell/retry';
import { retry as cockatielRetry, ExponentialBackoff, handleAll } from 'cockatiel';
import pRetry from 'p-retry';
import { measure, report } from './measure.js';

// The success path: every wrapper calls a function that resolves at once, so what is measured
// is each library's own per-call overhead.
const work = async (): Promise<number> => 1;

const pipewellPolicy = createRetryPolicy();
const pipewellOptions = { maxAttempts: 3 };
const pipewellTimed = createRetryPolicy({ attemptTimeoutMs: 10_000 });
// Presets set maxElapsedMs, which costs one clock read per call and nothing else.
const pipewellPreset = createRetryPolicy({ preset: 'bigquery', env: {} });
const callerSignal = new AbortController().signal;
const cockatielPolicy = cockatielRetry(handleAll, {
  maxAttempts: 2,
  backoff: new ExponentialBackoff(),
});

const results = await measure([
  { name: 'bare await fn()', call: () => work() },
  { name: 'pipewell retry(fn)', call: () => retry(work) },
  { name: 'pipewell retry(fn, options)', call: () => retry(work, pipewellOptions) },
  { name: 'pipewell policy.execute(fn)', call: () => pipewellPolicy.execute(work) },
  { name: 'pipewell execute(fn), attemptTimeoutMs', call: () => pipewellTimed.execute(work) },
  { name: 'pipewell execute(fn), bigquery preset', call: () => pipewellPreset.execute(work) },
  { name: 'pipewell execute(fn, signal)', call: () => pipewellPolicy.execute(work, callerSignal) },
  { name: 'cockatiel retry policy.execute(fn)', call: () => cockatielPolicy.execute(work) },
  { name: 'p-retry pRetry(fn, { retries: 2 })', call: () => pRetry(work, { retries: 2 }) },
]);

report(`retry success-path overhead (node ${process.version}, ${process.arch})`, results);

const byName = new Map(results.map((r) => [r.name, r.nsPerCall]));
const bare = byName.get('bare await fn()') ?? Number.NaN;
const pipewell = byName.get('pipewell retry(fn)') ?? Number.NaN;
const cockatiel = byName.get('cockatiel retry policy.execute(fn)') ?? Number.NaN;
console.log(
  `\npipewell retry(fn) is ${(pipewell / bare).toFixed(2)}x a bare await (target <= 2x) and ` +
    `${(pipewell / cockatiel).toFixed(2)}x cockatiel's retry (target <= 1x).`,
);
