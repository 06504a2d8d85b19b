import type { DependencyDecision } from './evaluate.js';
import {
  checkGuardOptions,
  type DependencyGuardOptions,
  type GuardContext,
  type GuardedRun,
  type GuardOutcome,
  guardFrom,
  type OptionsCaller,
  optionError,
} from './guard.js';

/**
 * Options for {@link withSoftDependencies}: the processor's name in the map, and the options of
 * {@link createDependencyGuard}. Every one is checked when the class is created.
 */
export interface SoftDependenciesOptions extends DependencyGuardOptions {
  /** The processor's name in `map`, such as `'player_game_summary'`. */
  readonly processorName: string;
}

/**
 * What {@link withSoftDependencies} adds to a processor class: the dependency check, as methods.
 *
 * @example
 * ```ts
 * // A runner that takes any class-based processor with soft dependencies.
 * async function runFor(processor: SoftDependencyProcessor, dataDate: string): Promise<void> {
 *   const decision = await processor.checkDependencies(dataDate);
 *   if (decision.decision === 'blocked') log.warn({ reasons: decision.reasons }, 'not ready');
 * }
 * ```
 */
export interface SoftDependencyProcessor {
  /**
   * Evaluate this processor's dependencies for `dataDate` and return the decision, recording
   * nothing and running nothing. Rejects only when `signal` aborts.
   */
  checkDependencies(
    dataDate: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<DependencyDecision>;
  /**
   * The guard's `run` for this processor: evaluate, then call `fn` (proceed), call it with
   * `degraded: true` (degraded), or skip it (blocked). Degraded and blocked decisions are
   * recorded in the sink; `fn`'s own errors propagate.
   */
  runWithDependencies<T>(
    dataDate: string,
    fn: (context: GuardContext) => T | Promise<T>,
    options?: { readonly runId?: string; readonly signal?: AbortSignal },
  ): Promise<GuardOutcome<T>>;
}

/**
 * Any class, abstract or not, whatever its constructor takes.
 * @internal
 */
// biome-ignore lint/suspicious/noExplicitAny: TypeScript accepts only any[] as the constructor parameters of a mixin's base
type AbstractClass<T = object> = abstract new (...args: any[]) => T;

const mixinCaller: OptionsCaller = {
  name: 'withSoftDependencies',
  extraOptions: ['processorName'],
  signalGoesTo: 'checkDependencies() or runWithDependencies()',
  perRunOptions: ['signal'],
};

// The guard treats a runId or signal set to undefined as one left out.
function runOf(
  processorName: string,
  dataDate: string,
  options: { readonly runId?: string; readonly signal?: AbortSignal } | undefined,
): GuardedRun {
  return { ...options, processorName, dataDate };
}

/**
 * Add the soft-dependency check to a processor class (the original's `SoftDependencyMixin`):
 * returns a class extending `Base`, with `Base`'s constructor parameters and members, plus
 * {@link SoftDependencyProcessor.checkDependencies} and
 * {@link SoftDependencyProcessor.runWithDependencies}. An abstract `Base` gives an abstract class.
 * The check is {@link createDependencyGuard}'s, built once here: every option is checked now, and
 * a wrong one (an unknown `processorName`, `threshold: 80`) throws
 * {@link DependencyGuardOptionsError} naming it when the class is defined, not at every run.
 *
 * @example
 * ```ts
 * class PlayerGameSummary extends withSoftDependencies(AnalyticsProcessor, {
 *   map,
 *   processorName: 'player_game_summary',
 *   sink,
 * }) {
 *   run(dataDate: string) {
 *     return this.runWithDependencies(dataDate, ({ degraded }) => this.summarize(dataDate, { degraded }));
 *   }
 * }
 * ```
 */
export function withSoftDependencies<TBase extends AbstractClass>(
  Base: TBase,
  options: SoftDependenciesOptions,
): TBase & AbstractClass<SoftDependencyProcessor> {
  if (typeof Base !== 'function') {
    throw optionError(mixinCaller, 'Base', `"Base" must be a class (got ${typeof Base})`);
  }
  checkGuardOptions(options, mixinCaller);
  const { processorName, ...guardOptions } = options;
  if (typeof processorName !== 'string' || processorName === '') {
    throw optionError(
      mixinCaller,
      'processorName',
      `option "processorName" must be the processor's name in the map (got ${JSON.stringify(processorName)})`,
    );
  }
  if (!options.map.processors.has(processorName)) {
    const known = [...options.map.processors.keys()].map((name) => JSON.stringify(name));
    const listed =
      known.length === 0
        ? 'no processors'
        : known.length <= 10
          ? known.join(', ')
          : `${known.slice(0, 10).join(', ')} and ${known.length - 10} more`;
    throw optionError(
      mixinCaller,
      'processorName',
      `option "processorName" is ${JSON.stringify(processorName)}, which is not in the map (it has ${listed})`,
    );
  }
  const guard = guardFrom(guardOptions);

  abstract class WithSoftDependencies extends Base implements SoftDependencyProcessor {
    checkDependencies(
      dataDate: string,
      runOptions?: { readonly signal?: AbortSignal },
    ): Promise<DependencyDecision> {
      return guard.check(runOf(processorName, dataDate, runOptions));
    }

    runWithDependencies<T>(
      dataDate: string,
      fn: (context: GuardContext) => T | Promise<T>,
      runOptions?: { readonly runId?: string; readonly signal?: AbortSignal },
    ): Promise<GuardOutcome<T>> {
      return guard.run(runOf(processorName, dataDate, runOptions), fn);
    }
  }
  return WithSoftDependencies;
}
