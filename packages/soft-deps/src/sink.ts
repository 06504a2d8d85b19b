import type { DependencyDecision } from './evaluate.js';

/** A degraded or blocked decision as recorded, with when and for which run. */
export interface DecisionRecord extends DependencyDecision {
  /** Epoch ms of the decision. */
  readonly at: number;
  /** The run it was made for, when known. */
  readonly runId: string | undefined;
}

/** Where degraded and blocked decisions go (the app stores them for its dashboard). */
export interface DecisionSink {
  /** Keep one degraded or blocked decision. */
  record(entry: DecisionRecord): Promise<void>;
}

/** An in-memory {@link DecisionSink} that keeps what it was given. */
export interface MemoryDecisionSink extends DecisionSink {
  readonly entries: readonly DecisionRecord[];
}

/** Create an in-memory decision sink, for one process and for tests. */
export function createMemoryDecisionSink(): MemoryDecisionSink {
  const entries: DecisionRecord[] = [];
  return {
    entries,
    async record(entry) {
      entries.push(structuredClone(entry));
    },
  };
}
