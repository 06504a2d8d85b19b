import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/retry';
import { type DependencyDecision, type EvaluateOptions, evaluateDependencies } from './evaluate.js';
import type { DependencyMap } from './map.js';
import type { DecisionSink } from './sink.js';

/** Options for {@link createDependencyGuard}. */
export interface DependencyGuardOptions extends Omit<EvaluateOptions, 'signal'> {
  readonly map: DependencyMap;
  /** Where degraded and blocked decisions are recorded. @default none */
  readonly sink?: DecisionSink;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Sink failures are logged here, never thrown. @default silentLogger */
  readonly logger?: Logger;
}

/** Which run a guard is asked about. */
export interface GuardedRun {
  readonly processorName: string;
  readonly dataDate: string;
  readonly runId?: string;
  readonly signal?: AbortSignal;
}

/** What the guarded function receives. */
export interface GuardContext {
  readonly decision: DependencyDecision;
  /** True when some soft upstream is incomplete: process what is there and mark the output. */
  readonly degraded: boolean;
  readonly signal: AbortSignal | undefined;
}

/** What {@link DependencyGuard.run} did. */
export type GuardOutcome<T> =
  | { readonly status: 'ran'; readonly decision: DependencyDecision; readonly result: T }
  | { readonly status: 'ran-degraded'; readonly decision: DependencyDecision; readonly result: T }
  | { readonly status: 'skipped'; readonly decision: DependencyDecision };

/** Wraps processor runs in a dependency check. */
export interface DependencyGuard {
  /**
   * Evaluate the run's dependencies, then call `fn` (proceed), call it marked degraded, or skip
   * it (blocked). Degraded and blocked decisions go to the sink. `fn`'s own errors propagate.
   */
  run<T>(run: GuardedRun, fn: (context: GuardContext) => T | Promise<T>): Promise<GuardOutcome<T>>;
}

/**
 * Create a guard so a processor opts into soft dependencies with one line.
 *
 * @example
 * ```ts
 * const deps = createDependencyGuard({ map, sink, threshold: 0.8 });
 * // in the processor:
 * return deps.run({ processorName: 'player_game_summary', dataDate }, ({ degraded }) => this.process(dataDate, { degraded }));
 * ```
 */
export function createDependencyGuard(options: DependencyGuardOptions): DependencyGuard {
  const { map, sink, clock = systemClock, logger = silentLogger, ...evaluateOptions } = options;
  if (typeof map?.processors?.get !== 'function') {
    throw new TypeError(
      '@pipewell/soft-deps: createDependencyGuard needs { map } from createDependencyMap()',
    );
  }
  return {
    async run(run, fn) {
      const decision = await evaluateDependencies(map, run.processorName, run.dataDate, {
        ...evaluateOptions,
        ...(run.signal === undefined ? {} : { signal: run.signal }),
      });
      if (decision.decision !== 'proceed' && sink !== undefined) {
        try {
          await sink.record({ ...decision, at: clock.now(), runId: run.runId });
        } catch (error) {
          logger.warn(
            { err: error, processorName: run.processorName, dataDate: run.dataDate },
            'soft-deps: could not record a decision',
          );
        }
      }
      if (decision.decision === 'blocked') {
        logger.warn(
          { processorName: run.processorName, dataDate: run.dataDate, reasons: decision.reasons },
          'soft-deps: run skipped',
        );
        return { status: 'skipped', decision };
      }
      const degraded = decision.decision === 'degraded';
      const result = await fn({ decision, degraded, signal: run.signal });
      return degraded
        ? { status: 'ran-degraded', decision, result }
        : { status: 'ran', decision, result };
    },
  };
}
