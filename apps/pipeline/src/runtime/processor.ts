import type { Clock, Logger } from '@pipewell/core';
import type { HeartbeatDetails } from '@pipewell/heartbeat';
import type { Queue } from '../queue/index.js';
import type { StateStore } from '../state/index.js';
import type { AnyTable, Warehouse } from '../warehouse/index.js';
import { ProcessorDefinitionError } from './errors.js';
import type { ObjectStore } from './ports.js';

/** One of the six phases: scrapers, raw, analytics, precompute, predictions, grading. */
export type Phase = 1 | 2 | 3 | 4 | 5 | 6;

/** What every processor input carries: the day it processes. */
export interface ProcessorInput {
  /** `YYYY-MM-DD`, a calendar date. */
  readonly dataDate: string;
}

/** What a processor's `run` resolves with. */
export interface ProcessorResult {
  /** Rows written. */
  readonly rows: number;
  /** Why the run finished on partial inputs; any reason makes the run `degraded`. */
  readonly degradedReasons?: readonly string[];
}

/** What a processor run sees: its identity, the ports, time, logging, cancellation and progress. */
export interface ProcessorContext {
  readonly runId: string;
  readonly processor: string;
  readonly phase: Phase;
  readonly dataDate: string;
  /** 1 on the first attempt, then the delivery attempt of the message that started it. */
  readonly attempt: number;
  readonly warehouse: Warehouse;
  readonly state: StateStore;
  readonly queue: Queue;
  readonly objects: ObjectStore;
  readonly clock: Clock;
  /** Logs with `runId` and `processor` added to every entry. */
  readonly logger: Logger;
  /** Aborts when the run must stop (a lost lease, shutdown): give up the work in hand. */
  readonly signal: AbortSignal;
  readonly heartbeat: {
    /** Record progress and a checkpoint (plain JSON); cheap and synchronous. */
    progress(details?: HeartbeatDetails): void;
  };
  /** Note that the run works on partial inputs; the run ends `degraded` with this reason. */
  markDegraded(reason: string): void;
}

/** A processor: its name, phase, the tables it writes, and its work. */
export interface ProcessorDefinition<I extends ProcessorInput = ProcessorInput> {
  /** Lower-case letters, digits, `_` and `-`, starting with a letter. */
  readonly name: string;
  readonly phase: Phase;
  /** The tables it writes, named in its phase-completion message. */
  readonly outputs: readonly AnyTable[];
  run(input: I, context: ProcessorContext): Promise<ProcessorResult>;
}

const namePattern = /^[a-z][a-z0-9_-]*$/;

/**
 * Define a processor, checked at once: a name of lower-case letters, digits, `_` and `-`, a phase
 * from 1 to 6, a `run` function. Throws {@link ProcessorDefinitionError} naming the field.
 *
 * @example
 * ```ts
 * const boxScores = defineProcessor({
 *   name: 'bdl_box_scores',
 *   phase: 2,
 *   outputs: [bdlBoxScores],
 *   run: async ({ dataDate }, ctx) => ({ rows: (await ctx.warehouse.merge(bdlBoxScores, rows)).inserted }),
 * });
 * ```
 */
export function defineProcessor<I extends ProcessorInput>(
  definition: ProcessorDefinition<I>,
): ProcessorDefinition<I> {
  const { name, phase, outputs, run } = definition;
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw new ProcessorDefinitionError(
      'name',
      `a processor name must be lower-case letters, digits, "_" or "-", starting with a letter (got ${JSON.stringify(name)})`,
    );
  }
  if (!Number.isInteger(phase) || phase < 1 || phase > 6) {
    throw new ProcessorDefinitionError(
      'phase',
      `processor ${name}: phase must be 1 to 6 (got ${String(phase)})`,
    );
  }
  if (!Array.isArray(outputs)) {
    throw new ProcessorDefinitionError(
      'outputs',
      `processor ${name}: outputs must be an array of tables`,
    );
  }
  if (typeof run !== 'function') {
    throw new ProcessorDefinitionError('run', `processor ${name}: run must be a function`);
  }
  return Object.freeze({ ...definition, outputs: Object.freeze([...outputs]) });
}
