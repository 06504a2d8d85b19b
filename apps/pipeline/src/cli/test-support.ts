import type {
  DateOutcome,
  GateDecision,
  PhaseRecord,
  PhaseStatus,
  PipelineEngine,
  PipelineEvent,
  ProcessorReport,
  RunDateOptions,
} from '../orchestration/types.js';
import type { Phase } from '../runtime/index.js';

/** A phase record for tests: `expected` processors all reported `success` unless given. */
export function phaseRecord(
  phase: Phase,
  dataDate: string,
  status: PhaseStatus,
  extra: Partial<Omit<PhaseRecord, 'phase' | 'dataDate' | 'status'>> = {},
): PhaseRecord {
  const expected = extra.expected ?? [`p${phase}-a`, `p${phase}-b`];
  const reports: Record<string, ProcessorReport> = {};
  for (const name of expected) {
    reports[name] = {
      status: 'success',
      rows: 10,
      runId: `run-${name}`,
      at: '2026-01-24T10:00:00.000Z',
    };
  }
  return {
    correlationId: `corr-${dataDate}`,
    reports,
    ...extra,
    phase,
    dataDate,
    status,
    expected,
  };
}

/** An open gate decision for tests. */
export function gate(
  from: Phase,
  open: boolean,
  reasons: string[],
  degraded = false,
): GateDecision {
  return {
    from,
    to: (from + 1) as Phase,
    open,
    degraded,
    reasons,
    decidedBy: 'all-reported',
    decidedAt: '2026-01-24T10:00:00.000Z',
  };
}

/** What the replay engine does for one `runDate` call. */
export interface ReplayScript {
  readonly events: readonly PipelineEvent[];
  readonly outcome: DateOutcome;
}

/** The replay engine's log: every call, in order. */
export interface ReplayEngine extends PipelineEngine {
  readonly runs: Array<{ readonly date: string; readonly phases: readonly Phase[] | undefined }>;
  readonly statusCalls: string[];
  started: boolean;
  closed: boolean;
}

/**
 * A TEST DOUBLE of {@link PipelineEngine}: `runDate` replays the events `script` gives for the
 * date and phases (through `onEvent`), then resolves with its outcome; `status` answers from
 * `records`. It runs no pipeline; the end-to-end test with the real engine comes with it.
 */
export function createReplayEngine(
  script: (date: string, phases: readonly Phase[]) => ReplayScript | Error,
  records: readonly PhaseRecord[] = [],
): ReplayEngine {
  const engine: ReplayEngine = {
    runs: [],
    statusCalls: [],
    started: false,
    closed: false,
    async start(): Promise<void> {
      engine.started = true;
    },
    async sweep(): Promise<boolean> {
      return false;
    },
    async runDate(date: string, options?: RunDateOptions): Promise<DateOutcome> {
      if (!engine.started) throw new Error('runDate before start()');
      engine.runs.push({ date, phases: options?.phases });
      const result = script(date, options?.phases ?? [1, 2, 3, 4, 5, 6]);
      if (result instanceof Error) throw result;
      for (const event of result.events) {
        await Promise.resolve();
        options?.onEvent?.(event);
      }
      return result.outcome;
    },
    async status(date: string): Promise<PhaseRecord[]> {
      engine.statusCalls.push(date);
      return records.filter((record) => record.dataDate === date);
    },
    async close(): Promise<void> {
      engine.closed = true;
    },
    async [Symbol.asyncDispose](): Promise<void> {
      await engine.close();
    },
  };
  return engine;
}

/** An outcome with the given records and figures (zero unless given). */
export function outcome(
  dataDate: string,
  phases: readonly PhaseRecord[],
  figures: Partial<Omit<DateOutcome, 'dataDate' | 'phases'>> = {},
): DateOutcome {
  return {
    dataDate,
    phases,
    games: 0,
    players: 0,
    predictions: 0,
    graded: 0,
    alerts: 0,
    degradedRuns: 0,
    blockedGates: 0,
    elapsedMs: 0,
    ...figures,
  };
}

/** Events of a phase that ran to `status`: started, each processor, finished. */
export function phaseEvents(record: PhaseRecord): PipelineEvent[] {
  return [
    { type: 'phase-started', phase: record.phase, dataDate: record.dataDate },
    ...Object.entries(record.reports).map(
      ([processor, report]): PipelineEvent => ({
        type: 'processor-finished',
        phase: record.phase,
        dataDate: record.dataDate,
        processor,
        report,
      }),
    ),
    { type: 'phase-finished', record },
  ];
}

/** A stream that keeps what is written. */
export function collector(): {
  write(text: string): boolean;
  readonly text: string;
  lines(): string[];
} {
  let text = '';
  return {
    write(chunk: string) {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
    lines() {
      return text.split('\n').filter((line) => line !== '');
    },
  };
}
