import { createVirtualClock } from '@pipewell/core/testing';
import {
  createRetryBudget,
  type RetryOptions,
  type RetryPolicyOptions,
  retry,
} from '@pipewell/retry';

// The experiment from Marc Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog,
// 2015; simulator at github.com/aws-samples/aws-arch-backoff-simulator), rerun on pipewell's own
// retry() in virtual time.
//
// The model, as in that simulator:
// - One server holds one row with a version number. N clients start at time 0; each wants to
//   update the row exactly once, with optimistic concurrency: read the version, then write with
//   it, and the write succeeds only if nobody wrote since the read (compare-and-set).
// - Every message crosses the network with a delay of |normal(10 ms, sd 2 ms)| (the post's
//   "mean of 10ms and variance of 4ms"). Not an exponential distribution: its sd of 10 ms would
//   spread the clients out by itself and hide most of what backoff does. A read and a write
//   are a round trip each, so one attempt is four crossings: the server reads the version when
//   the read arrives and applies the compare-and-set when the write arrives. The row never
//   slows down under load, so extra calls cost the clients no time, only the server work.
// - A client whose write lost learns so when the reply arrives, backs off, and starts over with
//   a new read. The backoff is pipewell's retry(): the conflict is a gRPC ABORTED error (what
//   Firestore and Spanner return for a lost transaction), which its default classification
//   retries, with no attempt limit.
// - Calls are the writes that reach the server (the simulator counts those, not reads), that is
//   the attempts summed over all clients. Completion time is when the last client learns its
//   outcome.
//
// Where pipewell's backoff differs from the simulator's:
// - pipewell's first retry waits up to baseDelayMs (5 ms) and doubles from there; the
//   simulator's first backoff is 2 × base (10 ms), so its exponential ceilings are twice ours.
//   The "full, base 10" row is pipewell's full jitter on the simulator's ceilings, to show what
//   that difference does to the ratios.
// - pipewell's decorrelated jitter draws uniformly in [base, min(cap, 3 × previous)]; the
//   simulator draws in [base, 3 × previous] and then clips to the cap, which piles delays onto
//   the cap once they reach it.
//
//   BENCH_SEEDS=5 tsx src/contention.ts

const seeds = Number(process.env.BENCH_SEEDS ?? 5);
if (!Number.isInteger(seeds) || seeds < 1) {
  throw new RangeError(`BENCH_SEEDS must be a whole number >= 1 (got ${process.env.BENCH_SEEDS})`);
}
const clientCounts = [10, 25, 50, 100, 200] as const;
const networkMeanMs = 10;
const networkSdMs = 2;
const baseDelayMs = 5;
const maxDelayMs = 2_000;

interface Strategy {
  readonly name: string;
  /** The retry options that set this strategy apart. */
  readonly options: Pick<RetryPolicyOptions, 'jitter' | 'backoff' | 'baseDelayMs'>;
  /** Share one retry budget, with createRetryBudget()'s defaults, among all N clients of a run. */
  readonly budget?: true;
  /** The published ratio to full jitter, for the comparison printed at the end. */
  readonly published?: { readonly calls: string; readonly time: string };
}

const strategies: readonly Strategy[] = [
  // No backoff at all: a client that lost reads again at once.
  { name: 'none', options: { backoff: () => 0 }, published: { calls: '3.6x', time: '-' } },
  {
    name: 'exponential',
    options: { backoff: 'exponential', jitter: 'none' },
    published: { calls: '2.6x', time: '13x' },
  },
  { name: 'equal', options: { backoff: 'exponential', jitter: 'equal' } },
  { name: 'full', options: { backoff: 'exponential', jitter: 'full' } },
  {
    name: 'decorrelated',
    options: { backoff: 'exponential', jitter: 'decorrelated' },
    published: { calls: '1.3x', time: '< 1x' },
  },
  { name: 'full + budget', options: { backoff: 'exponential', jitter: 'full' }, budget: true },
  {
    name: 'full, base 10',
    options: { backoff: 'exponential', jitter: 'full', baseDelayMs: 10 },
  },
];

/** mulberry32: a small seeded generator, so every run is reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** |normal(mean, sd)| by Box-Muller, as the simulator's abs(random.normalvariate(mean, sd)). */
function networkDelay(random: () => number): number {
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.abs(networkMeanMs + networkSdMs * z);
}

/** A lost compare-and-set: gRPC ABORTED, which retry() classifies as transient. */
class WriteConflictError extends Error {
  override readonly name = 'WriteConflictError';
  readonly code = 10;
}

interface RunResult {
  readonly calls: number;
  readonly timeMs: number;
  readonly gaveUp: number;
}

async function simulate(strategy: Strategy, clients: number, seed: number): Promise<RunResult> {
  const clock = createVirtualClock();
  // One stream for network delays and jitter alike: the seed fixes the event order, so it fixes
  // every draw too.
  const random = seededRandom(seed);
  let version = 0;
  let calls = 0;

  const roundTrip = async <T>(serve: () => T): Promise<T> => {
    await clock.sleep(networkDelay(random));
    const reply = serve();
    await clock.sleep(networkDelay(random));
    return reply;
  };
  const updateOnce = async (): Promise<void> => {
    const seen = await roundTrip(() => version);
    const written = await roundTrip(() => {
      calls++;
      if (version !== seen) return false;
      version++;
      return true;
    });
    if (!written) throw new WriteConflictError('the row changed since it was read');
  };

  const options: RetryOptions = {
    baseDelayMs,
    maxDelayMs,
    maxAttempts: Number.POSITIVE_INFINITY,
    ...strategy.options,
    clock,
    random,
    ...(strategy.budget ? { budget: createRetryBudget() } : {}),
  };
  let finishedAt = 0;
  let gaveUp = 0;
  const finish = (): void => {
    finishedAt = clock.now();
  };
  const runs = Array.from({ length: clients }, () =>
    retry(updateOnce, options).then(finish, () => {
      gaveUp++;
      finish();
    }),
  );
  // No promise given, so no real-time pause between timers; no cap on their number either (no
  // backoff at 200 clients runs more than 40 000 timers).
  await clock.runAll(undefined, Number.POSITIVE_INFINITY);
  await Promise.all(runs);
  return { calls, timeMs: finishedAt, gaveUp };
}

interface Row {
  readonly strategy: Strategy;
  readonly clients: number;
  readonly calls: number;
  readonly timeMs: number;
  readonly gaveUp: number;
}

const started = performance.now();
const rows: Row[] = [];
for (const strategy of strategies) {
  for (const clients of clientCounts) {
    let calls = 0;
    let timeMs = 0;
    let gaveUp = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      // Every strategy gets the same seeds.
      const result = await simulate(strategy, clients, seed * 1_000 + clients);
      calls += result.calls;
      timeMs += result.timeMs;
      gaveUp += result.gaveUp;
    }
    rows.push({
      strategy,
      clients,
      calls: calls / seeds,
      timeMs: timeMs / seeds,
      gaveUp: gaveUp / seeds,
    });
  }
}
const realSeconds = (performance.now() - started) / 1_000;

const rowOf = (name: string, clients: number): Row | undefined =>
  rows.find((row) => row.strategy.name === name && row.clients === clients);
const ratio = (value: number, baseline: number | undefined): string =>
  baseline === undefined ? '-' : `${(value / baseline).toFixed(2)}x`;

console.log(
  `\njitter under contention: N clients each update one row once by compare-and-set; network ` +
    `delay |normal(${networkMeanMs}, ${networkSdMs})| ms, base ${baseDelayMs} ms, cap ${maxDelayMs} ms; ` +
    `virtual time, mean of ${seeds} seeds (node ${process.version}, ${realSeconds.toFixed(1)} s real)`,
);
console.log(
  `${'strategy'.padEnd(15)}${'N'.padStart(5)}${'calls'.padStart(9)}${'time ms'.padStart(10)}` +
    `${'calls/full'.padStart(12)}${'time/full'.padStart(11)}${'gave up'.padStart(9)}`,
);
for (const row of rows) {
  const full = rowOf('full', row.clients);
  console.log(
    `${row.strategy.name.padEnd(15)}${String(row.clients).padStart(5)}` +
      `${row.calls.toFixed(0).padStart(9)}${row.timeMs.toFixed(0).padStart(10)}` +
      `${ratio(row.calls, full?.calls).padStart(12)}${ratio(row.timeMs, full?.timeMs).padStart(11)}` +
      `${row.gaveUp.toFixed(1).padStart(9)}`,
  );
}

// Summed over every N, so the large N, where contention matters, weigh the most.
const totals = (name: string): { calls: number; timeMs: number } => {
  const mine = rows.filter((row) => row.strategy.name === name);
  return {
    calls: mine.reduce((sum, row) => sum + row.calls, 0),
    timeMs: mine.reduce((sum, row) => sum + row.timeMs, 0),
  };
};
const full = totals('full');
const full10 = totals('full, base 10');
console.log(
  '\nagainst the published shape: ratios summed over every N, to full jitter (base 5) and to ' +
    "full jitter on the simulator's ceilings (base 10)",
);
console.log(
  `${'strategy'.padEnd(15)}${'calls'.padStart(8)}${'base 10'.padStart(9)}${'published'.padStart(11)}` +
    `${'time'.padStart(9)}${'base 10'.padStart(9)}${'published'.padStart(11)}`,
);
for (const strategy of strategies) {
  if (strategy.name === 'full') continue;
  const mine = totals(strategy.name);
  console.log(
    `${strategy.name.padEnd(15)}${ratio(mine.calls, full.calls).padStart(8)}` +
      `${ratio(mine.calls, full10.calls).padStart(9)}${(strategy.published?.calls ?? '-').padStart(11)}` +
      `${ratio(mine.timeMs, full.timeMs).padStart(9)}${ratio(mine.timeMs, full10.timeMs).padStart(9)}` +
      `${(strategy.published?.time ?? '-').padStart(11)}`,
  );
}

console.log(
  '\nretry budget (createRetryBudget() defaults, one shared by all N clients) against full jitter alone:',
);
for (const row of rows) {
  const baseline = rowOf('full', row.clients);
  if (!row.strategy.budget || baseline === undefined) continue;
  console.log(
    `N=${String(row.clients).padEnd(5)}${(baseline.calls - row.calls).toFixed(0).padStart(6)} ` +
      `calls saved (${((1 - row.calls / baseline.calls) * 100).toFixed(0)}%), ` +
      `${row.gaveUp.toFixed(1)} of ${row.clients} clients gave up (budgetExhausted) without writing`,
  );
}
