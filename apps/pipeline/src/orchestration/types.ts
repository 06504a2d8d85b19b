import type { Phase, ProcessorDefinition, ProcessorInput } from '../runtime/index.js';

/**
 * A processor as its phase lists it for the orchestrator: the definition, the processors of the
 * same phase that must have reported first, and whether the gate out of the phase needs it.
 */
export interface PhaseProcessorEntry<I extends ProcessorInput = ProcessorInput> {
  readonly processor: ProcessorDefinition<I>;
  /** Names of processors of the same phase that must have completed before this one starts. */
  readonly dependsOn?: readonly string[];
  /** The gate out of this phase needs this processor's output. @default false */
  readonly critical?: boolean;
}

/** The status of one (phase, date) completion record. */
export type PhaseStatus =
  /** Not triggered yet. */
  | 'pending'
  /** Triggered; processors running or awaited. */
  | 'running'
  /** Every processor reported success or empty-ok. */
  | 'complete'
  /** Every processor reported; some degraded, or a gate passed on partial outputs. */
  | 'degraded'
  /** A processor failed for good, or the timer ran out. */
  | 'failed'
  /** The gate into this phase refused to open (fail closed); reasons recorded. */
  | 'blocked';

/** What one processor reported into a completion record. */
export interface ProcessorReport {
  readonly status: 'success' | 'degraded' | 'failed' | 'no_data';
  readonly rows: number;
  readonly runId: string;
  /** ISO time. */
  readonly at: string;
  readonly degradedReasons?: readonly string[];
  readonly error?: string;
}

/** A gate's decision between two phases, as recorded on the later phase's record. */
export interface GateDecision {
  readonly from: Phase;
  readonly to: Phase;
  readonly open: boolean;
  /** Opened on partial outputs (the next phase then runs, and its record says so). */
  readonly degraded: boolean;
  /** One line per check, passed or failed: `player_game_summary covers 9 of 10 games (90% >= 80%)`. */
  readonly reasons: readonly string[];
  /** `'all-reported'` when the last processor reported; `'timer'` when the deadline passed. */
  readonly decidedBy: 'all-reported' | 'timer';
  /** ISO time. */
  readonly decidedAt: string;
}

/** One completion record per (phase, date), in the state store, updated atomically. */
export interface PhaseRecord {
  readonly phase: Phase;
  readonly dataDate: string;
  readonly correlationId: string;
  readonly status: PhaseStatus;
  /** The processors (scrapers for phase 1) this phase runs for the date. */
  readonly expected: readonly string[];
  readonly reports: Readonly<Record<string, ProcessorReport>>;
  /** The gate into this phase (absent for phase 1 and for a phase triggered by hand). */
  readonly gate?: GateDecision;
  /** The next phase's trigger: marked published only after `publish` resolved. */
  readonly nextTrigger?: {
    readonly publishedAt?: string;
    readonly attempts: number;
    readonly lastError?: string;
  };
  /** ISO times. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** When the timer decides the phase if it has not completed. ISO time. */
  readonly deadlineAt?: string;
}

/** What the engine reports while it runs, for progress displays. */
export type PipelineEvent =
  | { readonly type: 'phase-started'; readonly phase: Phase; readonly dataDate: string }
  | {
      readonly type: 'processor-finished';
      readonly phase: Phase;
      readonly dataDate: string;
      readonly processor: string;
      readonly report: ProcessorReport;
    }
  | { readonly type: 'phase-finished'; readonly record: PhaseRecord }
  | { readonly type: 'gate'; readonly dataDate: string; readonly decision: GateDecision }
  | { readonly type: 'alert'; readonly dataDate: string; readonly title: string };

/** What {@link PipelineEngine.runDate} resolves with. */
export interface DateOutcome {
  readonly dataDate: string;
  /** The record of every phase asked for, in phase order. */
  readonly phases: readonly PhaseRecord[];
  /** Figures for the summary table, read from the warehouse. */
  readonly games: number;
  readonly players: number;
  readonly predictions: number;
  readonly graded: number;
  readonly alerts: number;
  readonly degradedRuns: number;
  readonly blockedGates: number;
  readonly elapsedMs: number;
}

/** Options of {@link PipelineEngine.runDate}. */
export interface RunDateOptions {
  /** A contiguous run of phases, such as `[1, 2, 3]`. @default [1, 2, 3, 4, 5, 6] */
  readonly phases?: readonly Phase[];
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: PipelineEvent) => void;
}

/** The pipeline on its ports, as the CLI drives it. */
export interface PipelineEngine extends AsyncDisposable {
  /**
   * Run `phases` of the pipeline date `dataDate` to the end through the queue: publish the
   * first phase's trigger, let the orchestrator's gates trigger the rest, decide stalled phases
   * on the timer, and resolve once nothing is left to do.
   */
  runDate(dataDate: string, options?: RunDateOptions): Promise<DateOutcome>;
  /** The completion record of every phase of `dataDate` (phases never started are absent). */
  status(dataDate: string): Promise<PhaseRecord[]>;
  close(): Promise<void>;
}

/** The state-store collection of {@link PhaseRecord}s. */
export const phaseRecordsCollection = 'phase-completions';

/** The id of the {@link PhaseRecord} of `phase` on `dataDate`: `3__2026-01-24`. */
export function phaseRecordId(phase: Phase, dataDate: string): string {
  return `${phase}__${dataDate}`;
}
