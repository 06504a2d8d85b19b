import type { SqlQuery } from '@pipewell/clients/sql';
import {
  defineProcessor,
  type ProcessorContext,
  type ProcessorDefinition,
} from '../runtime/index.js';
import type { AnyTable, TableRowInput } from '../warehouse/index.js';
import { type PrecomputeOptions, type PrecomputeUpstream, withUpstreams } from './dependencies.js';
import { countExpected } from './expected.js';

/** What a precompute processor is given: `dataDate` is the day whose games it prepares. */
export interface PrecomputeInput {
  readonly dataDate: string;
}

/** How one precompute processor is built by {@link definePrecompute}. */
export interface PrecomputeSpec<T extends AnyTable> {
  readonly name: string;
  readonly output: T;
  /** The expected keys of the date (players or teams), as a one-column sub-query. */
  readonly expected: (dataDate: string) => SqlQuery;
  readonly upstreams: Readonly<Record<string, PrecomputeUpstream>>;
  /** The rows of the output partition `dataDate`, computed from games before it only. */
  compute(dataDate: string, ctx: ProcessorContext): Promise<Array<TableRowInput<T>>>;
}

/**
 * A phase 4 processor: with nothing expected (opening day: no history) it empties its partition
 * and writes nothing without asking soft-deps (which cannot measure an empty expectation);
 * otherwise it checks its upstreams, computes, and replaces the partition of `dataDate` in one
 * call, so a re-run never duplicates nor keeps stale rows.
 */
export function definePrecompute<T extends AnyTable>(
  spec: PrecomputeSpec<T>,
  options: PrecomputeOptions = {},
): ProcessorDefinition<PrecomputeInput> {
  return defineProcessor<PrecomputeInput>({
    name: spec.name,
    phase: 4,
    outputs: [spec.output],
    async run({ dataDate }, ctx) {
      if ((await countExpected(ctx.warehouse, spec.expected(dataDate))) === 0) {
        ctx.logger.info(
          { dataDate },
          `${spec.name}: no expected rows for ${dataDate} (no history yet)`,
        );
        await ctx.warehouse.replacePartition(spec.output, dataDate, [], { signal: ctx.signal });
        return { rows: 0 };
      }
      const rows = await withUpstreams(spec.name, spec.upstreams, ctx, options, async () => {
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
