import { type Clock, type Logger, silentLogger, systemClock } from '@pipewell/core';
import { DependencyGuardOptionsError } from './errors.js';
import {
  type DependencyDecision,
  type EvaluateOptions,
  type EvaluateOptionsArgument,
  evaluateDependencies,
} from './evaluate.js';
import type { DependencyMap } from './map.js';
import type { DecisionSink } from './sink.js';

/**
 * Options for {@link createDependencyGuard}, every one checked when the guard is created.
 * `threshold` is the call-level threshold: an upstream's own threshold, then its processor's,
 * win over it. `C` is the type of the `context` each run passes to the map's coverage functions.
 */
export interface DependencyGuardOptions<C = undefined>
  extends Omit<EvaluateOptions, 'signal' | 'context'> {
  /** The dependency map, from {@link createDependencyMap} or {@link parseDependencyMap}. */
  readonly map: DependencyMap<C>;
  /** Where degraded and blocked decisions are recorded. @default none */
  readonly sink?: DecisionSink;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Sink failures are logged here, never thrown. @default silentLogger */
  readonly logger?: Logger;
}

const guardOptionNames: readonly string[] = [
  'map',
  'sink',
  'threshold',
  'degradationBudget',
  'strict',
  'clock',
  'logger',
];
const loggerMethods = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Who checks the options, for the messages: the function the user called, the options it takes
 * besides the guard's, and where a per-run `signal` goes instead.
 * @internal
 */
export interface OptionsCaller {
  readonly name: string;
  readonly extraOptions: readonly string[];
  /** Where the per-run options go instead. */
  readonly signalGoesTo: string;
  /** The per-run options it takes (`signal`, `context`), named in the hint when given here. */
  readonly perRunOptions: readonly string[];
}

const guardCaller: OptionsCaller = {
  name: 'createDependencyGuard',
  extraOptions: [],
  signalGoesTo: 'guard.run()',
  perRunOptions: ['signal', 'context'],
};

/**
 * A {@link DependencyGuardOptionsError} naming `option`, its message prefixed by the caller.
 * @internal
 */
export function optionError(
  caller: OptionsCaller,
  option: string,
  message: string,
): DependencyGuardOptionsError {
  return new DependencyGuardOptionsError(option, `${caller.name}: ${message}`);
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}

function share(caller: OptionsCaller, option: string, value: unknown, lowerOpen: boolean): void {
  if (value === undefined) return;
  const inRange = typeof value === 'number' && (lowerOpen ? value > 0 : value >= 0) && value <= 1;
  if (inRange) return;
  // A whole percentage where a share is wanted is the likely slip: say so.
  const hint =
    Number.isInteger(value) && (value as number) > 1 && (value as number) <= 100
      ? `; a share, so ${(value as number) / 100}?`
      : '';
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw optionError(
    caller,
    option,
    `option "${option}" must be a share in ${lowerOpen ? '(0, 1]' : '[0, 1]'} (got ${shown}${hint})`,
  );
}

/**
 * Check every option once, so a bad one fails at start-up rather than skipping every run.
 * @internal
 */
export function checkGuardOptions<C>(
  options: DependencyGuardOptions<C>,
  caller: OptionsCaller = guardCaller,
): void {
  if (typeof options !== 'object' || options === null) {
    throw optionError(caller, 'options', 'needs an options object with { map }');
  }
  const names = [...guardOptionNames, ...caller.extraOptions];
  for (const name of Object.keys(options)) {
    if (!names.includes(name)) {
      throw optionError(
        caller,
        name,
        `"${name}" is not an option (options: ${names.join(', ')}${caller.perRunOptions.includes(name) ? `; pass ${name} to ${caller.signalGoesTo}` : ''})`,
      );
    }
  }
  const map = options.map as Partial<DependencyMap> | undefined;
  if (typeof map?.processors?.get !== 'function' || typeof map.threshold !== 'number') {
    throw optionError(caller, 'map', 'option "map" must be a map from createDependencyMap()');
  }
  if (options.sink !== undefined && !hasMethods(options.sink, ['record'])) {
    throw optionError(caller, 'sink', 'option "sink" must be a DecisionSink with record(entry)');
  }
  share(caller, 'threshold', options.threshold, true);
  share(caller, 'degradationBudget', options.degradationBudget, false);
  if (options.strict !== undefined && typeof options.strict !== 'boolean') {
    throw optionError(
      caller,
      'strict',
      `option "strict" must be a boolean (got ${JSON.stringify(options.strict)})`,
    );
  }
  if (options.clock !== undefined && !hasMethods(options.clock, ['now'])) {
    throw optionError(caller, 'clock', 'option "clock" must be a Clock from @pipewell/core');
  }
  if (options.logger !== undefined && !hasMethods(options.logger, loggerMethods)) {
    throw optionError(
      caller,
      'logger',
      `option "logger" must be a Logger with ${loggerMethods.join(', ')} methods`,
    );
  }
}

/**
 * Which run a guard is asked about. `C` is the type of the map's `context`: `context` is optional
 * when `C` admits `undefined` (the default), required otherwise.
 */
export type GuardedRun<C = undefined> = {
  readonly processorName: string;
  readonly dataDate: string;
  readonly runId?: string;
  readonly signal?: AbortSignal;
} & (undefined extends C
  ? {
      /** Passed to every coverage function as `context`. @default undefined */
      readonly context?: C;
    }
  : {
      /** Passed to every coverage function as `context` (the run's warehouse, say). */
      readonly context: C;
    });

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

/** Wraps processor runs in a dependency check; `C` is the type of each run's `context`. */
export interface DependencyGuard<C = undefined> {
  /**
   * Evaluate the run's dependencies, then call `fn` (proceed), call it marked degraded, or skip
   * it (blocked). Degraded and blocked decisions go to the sink. `fn`'s own errors propagate.
   * `run.context` reaches the coverage functions.
   */
  run<T>(
    run: GuardedRun<C>,
    fn: (context: GuardContext) => T | Promise<T>,
  ): Promise<GuardOutcome<T>>;
  /**
   * Evaluate the run's dependencies with the guard's options and return the decision, without
   * running anything or recording it in the sink: for asking ahead ("may the 2026-01-24 run
   * start?"). `run` is the one that records.
   */
  check(run: GuardedRun<C>): Promise<DependencyDecision>;
}

/**
 * Create a guard so a processor opts into soft dependencies with one line. Every option is
 * checked here: a wrong one throws {@link DependencyGuardOptionsError} naming it (`threshold: 80`
 * is refused at once instead of blocking every run).
 *
 * @example
 * ```ts
 * const deps = createDependencyGuard({ map, sink, threshold: 0.8 });
 * // in the processor:
 * return deps.run({ processorName: 'player_game_summary', dataDate }, ({ degraded }) => this.process(dataDate, { degraded }));
 * ```
 *
 * @example
 * ```ts
 * // Built once: the coverage functions read the warehouse each run passes as `context`.
 * const map = createDependencyMap<Warehouse>({
 *   processors: {
 *     player_game_summary: {
 *       upstreams: { gamebook: { coverage: (date, { context }) => context.coverage('gamebook', date) } },
 *     },
 *   },
 * });
 * const deps = createDependencyGuard({ map });
 * await deps.run({ processorName: 'player_game_summary', dataDate, context: warehouse }, summarize);
 * ```
 */
export function createDependencyGuard<C = undefined>(
  options: DependencyGuardOptions<C>,
): DependencyGuard<C> {
  checkGuardOptions(options);
  return guardFrom(options);
}

/**
 * The guard for options already checked by {@link checkGuardOptions}.
 * @internal
 */
export function guardFrom<C>(options: DependencyGuardOptions<C>): DependencyGuard<C> {
  const { map, sink, clock = systemClock, logger = silentLogger, ...evaluateOptions } = options;
  const check = (run: GuardedRun<C>): Promise<DependencyDecision> => {
    const { context } = run as { readonly context?: C };
    const evaluate: EvaluateOptions<C> = {
      ...evaluateOptions,
      ...(run.signal === undefined ? {} : { signal: run.signal }),
      ...(context === undefined ? {} : { context }),
    };
    // The run's type already required a context when the map needs one.
    return evaluateDependencies(
      map,
      run.processorName,
      run.dataDate,
      ...([evaluate] as EvaluateOptionsArgument<C>),
    );
  };
  return {
    check,
    async run(run, fn) {
      const decision = await check(run);
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
