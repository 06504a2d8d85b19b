import {
  defineProcessor,
  type ProcessorContext,
  type ProcessorDefinition,
} from '../runtime/index.js';
import type { AnyTable, TableRowInput } from '../warehouse/index.js';
import {
  type PrecomputeOptions,
  type PrecomputeUpstream,
  precomputeGuard,
  withUpstreams,
} from './dependencies.js';

/** What a precompute processor is given: `dataDate` is the day whose games it prepares. */
export interface PrecomputeInput {
  readonly dataDate: string;
}

/** How one precompute processor is built by {@link definePrecompute}. */
export interface PrecomputeSpec<T extends AnyTable> {
  readonly name: string;
  readonly output: T;
  readonly upstreams: Readonly<Record<string, PrecomputeUpstream>>;
  /** The rows of the output partition `dataDate`, computed from games before it only. */
  compute(dataDate: string, ctx: ProcessorContext): Promise<Array<TableRowInput<T>>>;
}

/**
 * A phase 4 processor: it checks its upstreams (its soft-deps guard is built once, here), computes,
 * and replaces the partition of `dataDate` in one call, so a re-run never duplicates nor keeps
 * stale rows. With nothing expected (opening day: no history) the upstreams proceed and the
 * computed partition is empty.
 */
export function definePrecompute<T extends AnyTable>(
  spec: PrecomputeSpec<T>,
  options: PrecomputeOptions = {},
): ProcessorDefinition<PrecomputeInput> {
  const guard = precomputeGuard(spec.name, spec.upstreams, options);
  return defineProcessor<PrecomputeInput>({
    name: spec.name,
    phase: 4,
    outputs: [spec.output],
    async run({ dataDate }, ctx) {
      const rows = await withUpstreams(guard, spec.name, ctx, async () => {
        const computed = await spec.compute(dataDate, ctx);
        ctx.heartbeat.progress({ rows: computed.length });
        await ctx.warehouse.replacePartition(spec.output, dataDate, computed, {
          signal: ctx.signal,
        });
        return computed.length;
      });
      return { rows };
    },
  });
}

/** `value` rounded to 4 decimals, or null when it is null or not finite. */
export function round4(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Math.round(value * 10_000) / 10_000;
}

/** `numerator / denominator`, or null when the denominator is 0 or either is missing. */
export function ratio(
  numerator: number | null | undefined,
  denominator: number | null | undefined,
): number | null {
  if (numerator == null || denominator == null || denominator === 0) return null;
  return numerator / denominator;
}
