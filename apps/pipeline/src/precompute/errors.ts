import { PipewellError } from '@pipewell/core';
import type { DependencyDecision } from '@pipewell/soft-deps';

/**
 * A precompute run refused because an upstream's coverage is below its threshold. Transient
 * (not `permanent`): the upstream may still arrive, so the queue redelivers and the orchestrator
 * decides on its timer. `decision` is the soft-deps decision, with every upstream's coverage.
 */
export class UpstreamCoverageError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.UpstreamCoverageError';
  override readonly name: string = 'UpstreamCoverageError';
  readonly processor: string;
  readonly dataDate: string;
  readonly decision: DependencyDecision;

  /** Create the error of `decision` (blocked) for its processor and date. */
  constructor(decision: DependencyDecision) {
    super(
      `${decision.processorName} on ${decision.dataDate}: upstreams not ready (${decision.reasons.join('; ')})`,
    );
    this.processor = decision.processorName;
    this.dataDate = decision.dataDate;
    this.decision = decision;
  }
}
