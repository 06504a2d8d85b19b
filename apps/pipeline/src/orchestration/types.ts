import type { Clock, Logger } from '@pipewell/core';
import type { PredictionRequest, PredictionResult } from '../messages/index.js';
import type { MessageContext, MessageSchema, Queue, SubscriptionOptions } from '../queue/index.js';
import type {
  BookkeepingWriter,
  ObjectStore,
  Phase,
  ProcessorDefinition,
  ProcessorInput,
} from '../runtime/index.js';
import type { StateStore } from '../state/index.js';
import type { Warehouse } from '../warehouse/index.js';

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
  /** Phase 1 only: the object paths of the scraper's raw payloads (a manual phase-2 start reads them). */
  readonly payloadPaths?: readonly string[];
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
    /** ISO time: the gate into the next phase stayed shut, so nothing is published. */
    readonly blockedAt?: string;
  };
  /** The last phase of this run: no trigger goes beyond it. @default 6 */
  readonly lastPhase?: Phase;
  /** Processors whose trigger was published (marked after `publish` resolved). */
  readonly triggered?: readonly string[];
  /** ISO time the blocked-gate alert was raised (once per record). */
  readonly alertedAt?: string;
  /** How the phase ended: every processor reported, or the timer decided it. */
  readonly decidedBy?: 'all-reported' | 'timer';
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

/** Options of {@link PipelineEngine.sweep}. */
export interface SweepOptions {
  /** Only this date's records. */
  readonly dataDate?: string;
  /** The queue is idle: a running phase with nothing in flight is stalled, decide it now. */
  readonly stalled?: boolean;
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
  /** Create the subscriptions (each with its dead-letter topic) and start consuming. Idempotent. */
  start(): Promise<void>;
  /**
   * Retry unpublished triggers, and decide phases past their deadline (with `stalled`, also
   * running phases with nothing in flight: call it only when the queue is idle). Resolves with
   * whether it did anything. The engine runs it on its timer and from `runDate`.
   */
  sweep(options?: SweepOptions): Promise<boolean>;
  close(): Promise<void>;
}

/** What exposes the engine's handlers: the engine {@link createPipelineEngine} returns. */
export interface EngineHandlerSource {
  /**
   * The engine's message handlers, one per subscription, exactly as `start()` subscribes them,
   * without subscribing: for push endpoints and Cloud Functions, where the platform delivers.
   */
  handlers(): ReadonlyArray<EngineHandler>;
}

/**
 * One subscription of the engine and the handler behind it: what `start()` ensures and consumes,
 * and what a push endpoint or a Cloud Function serves.
 */
export interface EngineHandler<T = unknown> {
  /** The subscription's name, one of `engineSubscriptions`. */
  readonly subscription: string;
  /** The topic it receives from. */
  readonly topic: string;
  /** The subscription as `start()` ensures it (dead-letter topic, deadlines, backoff). */
  readonly options: SubscriptionOptions & { readonly deadLetterTopic: string };
  /** Messages that fail it are dead-lettered, never handled. */
  readonly schema: MessageSchema<T>;
  /** The most messages handled at once by one pull subscriber. */
  readonly concurrency: number;
  /**
   * Handle one message: resolve to ack; a permanent error (`isPermanentError`) dead-letters it,
   * any other error asks for a redelivery.
   */
  handle(data: T, context: MessageContext): Promise<void>;
}

/** The state-store collection of {@link PhaseRecord}s. */
export const phaseRecordsCollection = 'phase-completions';

/** The id of the {@link PhaseRecord} of `phase` on `dataDate`: `3__2026-01-24`. */
export function phaseRecordId(phase: Phase, dataDate: string): string {
  return `${phase}__${dataDate}`;
}

/** The input of a phase-2 (raw) processor: one scraper's payloads for the date. */
export interface RawInput extends ProcessorInput {
  readonly scraper: string;
  readonly payloadPaths: readonly string[];
}

/**
 * One check of a gate, measured in the warehouse: `actual` of `expected` records. A `hard` check
 * needs all of them; a `soft` one passes at `threshold` (default 0.8) and opens the gate degraded
 * below 100%. Judged by `@pipewell/soft-deps`.
 */
export interface GateCheck {
  /** `player_game_summary`, `outputs with rows`. */
  readonly name: string;
  /** @default 'soft' */
  readonly kind?: 'hard' | 'soft';
  readonly expected: number;
  readonly actual: number;
  /** In (0, 1]. @default 0.8 */
  readonly threshold?: number;
  /** What is counted, for the reasons: `games of 2026-01-23 with rows`. */
  readonly description?: string;
  /**
   * What a check that expects 0 records says: `'block'` (coverage cannot be measured: is the
   * schedule loaded?) or `'proceed'` (nothing to cover, such as no games yesterday: it passes).
   * @default 'block'
   */
  readonly whenNoneExpected?: 'proceed' | 'block';
}

/** What a gate function is told besides the date and the warehouse. */
export interface GateContext {
  /** The record of the phase the gate leads out of, as it stands. */
  readonly record: PhaseRecord;
  readonly signal?: AbortSignal;
}

/** Measures a gate's checks in the warehouse; a throw keeps the gate shut (fail closed). */
export type GateFunction = (
  dataDate: string,
  warehouse: Warehouse,
  context: GateContext,
) => Promise<readonly GateCheck[]>;

/** The gates between phases, by `from->to`. A gate left out opens once every processor reported. */
export type GateName = '2->3' | '3->4' | '4->5' | '5->6';

/** What phase 1 is told when its trigger arrives. */
export interface PhaseOneContext {
  readonly correlationId: string;
  readonly signal: AbortSignal;
}

/** What the prediction functions of phase 5 get. */
export interface PredictionDeps {
  readonly warehouse: Warehouse;
  readonly state: StateStore;
  readonly queue: Queue;
  readonly objects: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/** A prediction batch as phase 5 tracks it. */
export interface PredictionBatchSummary {
  readonly batchId: string;
  readonly dataDate: string;
  /** Requests the coordinator sent. */
  readonly expected: number;
  /** Results recorded (predicted, skipped or failed). */
  readonly completed: number;
  /** Prediction rows written, when known. */
  readonly rows?: number;
}

/**
 * Phase 5 as the engine drives it: a coordinator (run by the phase trigger) that publishes one
 * `prediction-request` per player, a worker for each request, and the batch bookkeeping.
 */
export interface PredictionsPhase {
  readonly coordinator: PhaseProcessorEntry;
  /** Predict one player; publishes its `prediction-result`. Throw to have it redelivered. */
  handleRequest(request: PredictionRequest, deps: PredictionDeps): Promise<void>;
  /** Record one result; `completedNow` is true for exactly one call per batch. */
  recordResult(
    result: PredictionResult,
    deps: PredictionDeps,
  ): Promise<{ readonly completedNow: boolean; readonly batch: PredictionBatchSummary }>;
  /**
   * Called when phase 5 stalled before `prediction_batch` reported: the queue went idle with
   * results missing (`stalledBy: 'idle'`, the embedded run: nothing more will come), or the
   * phase passed its deadline. Close the date's batch with what was recorded and resolve with
   * its summary (the engine reports it as `prediction_batch`); resolve undefined when there is
   * no batch, and the timer fails `prediction_batch`.
   */
  settleStalled(
    dataDate: string,
    deps: PredictionDeps,
    options: { readonly stalledBy: 'idle' | 'deadline' },
  ): Promise<PredictionBatchSummary | undefined>;
}

/** The figures of a date for the outcome, read from the warehouse by SQL the app supplies. */
export interface DateFigures {
  readonly games: number;
  readonly players: number;
  readonly predictions: number;
  readonly graded: number;
}

/** The pipeline the engine runs: the phases' processors, the gates and the figures. */
export interface PipelineDefinition {
  readonly phase1: {
    /** The scrapers phase 1 runs; each publishes its `scraper-complete` message. */
    readonly expected: readonly string[];
    run(dataDate: string, context: PhaseOneContext): Promise<void>;
  };
  readonly raw: {
    readonly entries: readonly PhaseProcessorEntry<RawInput>[];
    /** The raw processor that loads `scraper`'s payloads, if any. */
    processorForScraper(scraper: string): string | undefined;
  };
  readonly phases: {
    readonly 3: readonly PhaseProcessorEntry[];
    readonly 4: readonly PhaseProcessorEntry[];
    readonly 6: readonly PhaseProcessorEntry[];
  };
  readonly predictions: PredictionsPhase;
  readonly gates: Partial<Record<GateName, GateFunction>>;
  /** The figures of the outcome. @default all 0 */
  summary?(dataDate: string, warehouse: Warehouse): Promise<DateFigures>;
}

/** Where alerts go: an `@pipewell/alerts` alerter fits. */
export interface AlertTarget {
  alert(input: {
    readonly severity: 'info' | 'warning' | 'error' | 'critical';
    readonly title: string;
    readonly body?: string;
    readonly fields?: Readonly<Record<string, string>>;
    readonly key?: string;
  }): Promise<unknown>;
}

/** What {@link createPipelineEngine} runs on. */
export interface PipelineEngineDeps {
  readonly warehouse: Warehouse;
  readonly state: StateStore;
  readonly queue: Queue;
  readonly objects: ObjectStore;
  readonly bookkeeping: BookkeepingWriter;
  readonly clock: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  readonly alerts: AlertTarget;
  /** How long a phase may run before the timer decides it. @default 30 min */
  readonly phaseTimeoutMs?: number;
  /** How often the timer sweeps for phases past their deadline. @default 60 s */
  readonly sweepIntervalMs?: number;
  /** The first redelivery's wait on every subscription. @default 100 */
  readonly minBackoffMs?: number;
  /** @default 5 */
  readonly maxDeliveryAttempts?: number;
  /** How long a handler may run (phase 1 scrapes a whole date) before its lease is lost. @default 600_000 */
  readonly ackDeadlineMs?: number;
  /** Messages each subscriber handles at once. @default 8 */
  readonly concurrency?: number;
  /**
   * Prediction requests handled at once: a request is a few milliseconds of CPU and one write,
   * and the prediction writer commits the rows of every request waiting in one merge, so more in
   * flight means fewer merges per date (a date has ~300 requests).
   * @default 64
   */
  readonly predictionConcurrency?: number;
  /** A run's heartbeat interval (passed to `runProcessor`). */
  readonly heartbeatIntervalMs?: number;
}
