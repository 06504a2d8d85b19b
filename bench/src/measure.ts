/** One contender: an async call whose per-call cost is measured. */
export interface Contender {
  readonly name: string;
  readonly call: () => Promise<unknown>;
}

export interface Measurement {
  readonly name: string;
  /** Median over rounds of the mean nanoseconds per call within a round. */
  readonly nsPerCall: number;
  /** Spread of the rounds' means: (max - min) / median. */
  readonly spread: number;
}

async function timeBatch(call: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await call();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * Time each contender in batches (a per-call timer would cost more than the calls measured),
 * interleaving the contenders round by round so machine noise hits all of them alike.
 */
export async function measure(
  contenders: readonly Contender[],
  { rounds = 9, roundMs = 150 }: { rounds?: number; roundMs?: number } = {},
): Promise<Measurement[]> {
  const iterations = new Map<string, number>();
  for (const { name, call } of contenders) {
    // Warm up (lets the JIT settle), then size a batch to about roundMs.
    await timeBatch(call, 20_000);
    const ns = await timeBatch(call, 20_000);
    iterations.set(name, Math.max(1_000, Math.round((roundMs * 1e6) / ns)));
  }
  const samples = new Map<string, number[]>(contenders.map(({ name }) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const { name, call } of contenders) {
      samples.get(name)?.push(await timeBatch(call, iterations.get(name) ?? 1_000));
    }
  }
  return contenders.map(({ name }) => {
    const sorted = [...(samples.get(name) ?? [])].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    const spread = ((sorted[sorted.length - 1] ?? 0) - (sorted[0] ?? 0)) / median;
    return { name, nsPerCall: median, spread };
  });
}

/** Print a table of ns/call and the ratio to the baseline (the first contender). */
export function report(title: string, results: readonly Measurement[]): void {
  const baseline = results[0]?.nsPerCall ?? Number.NaN;
  console.log(`\n${title}`);
  console.log(
    `${'contender'.padEnd(40)}${'ns/call'.padStart(10)}${'x bare'.padStart(9)}${'spread'.padStart(9)}`,
  );
  for (const { name, nsPerCall, spread } of results) {
    console.log(
      `${name.padEnd(40)}${nsPerCall.toFixed(1).padStart(10)}${(nsPerCall / baseline).toFixed(2).padStart(9)}${`${(spread * 100).toFixed(0)}%`.padStart(9)}`,
    );
  }
}
