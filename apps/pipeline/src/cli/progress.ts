import type {
  GateDecision,
  PhaseRecord,
  PipelineEvent,
  ProcessorReport,
} from '../orchestration/types.js';
import { phaseLabel } from './phases.js';

/** `4/5 processors reported`: how many of a record's expected processors reported. */
export function reportedText(record: PhaseRecord): string {
  const reported = record.expected.filter((name) => Object.hasOwn(record.reports, name)).length;
  return `${reported}/${record.expected.length} processors reported`;
}

/** `open`, `open (degraded)` or `closed`, and who decided when it was the timer. */
export function gateText(decision: GateDecision): string {
  const state = decision.open ? (decision.degraded ? 'open (degraded)' : 'open') : 'closed';
  return decision.decidedBy === 'timer' ? `${state} by the timer` : state;
}

/** `success, 412 rows`, `degraded, 30 rows (reason)`, `failed: error`, `no data`. */
export function reportText(report: ProcessorReport): string {
  switch (report.status) {
    case 'success':
      return `success, ${report.rows} rows`;
    case 'no_data':
      return 'no data';
    case 'degraded': {
      const reasons = report.degradedReasons ?? [];
      return `degraded, ${report.rows} rows${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`;
    }
    case 'failed':
      return `failed: ${report.error ?? 'no error recorded'}`;
  }
}

/**
 * The plain progress lines of one engine event, for CI logs and pipes (no colours, no cursor
 * movement), each starting with the pipeline date:
 *
 * ```text
 * 2026-01-24 phase 3 analytics: started
 * 2026-01-24 phase 3 analytics: player-game-summary success, 412 rows
 * 2026-01-24 phase 3 analytics: complete (5/5 processors reported)
 * 2026-01-24 gate 3->4: open
 * 2026-01-24   player_game_summary covers 9 of 10 games (90% >= 80%)
 * 2026-01-24 alert: Phase 4 blocked for 2026-01-24
 * ```
 */
export function formatEvent(event: PipelineEvent): string[] {
  switch (event.type) {
    case 'phase-started':
      return [`${event.dataDate} phase ${phaseLabel(event.phase)}: started`];
    case 'processor-finished':
      return [
        `${event.dataDate} phase ${phaseLabel(event.phase)}: ${event.processor} ${reportText(event.report)}`,
      ];
    case 'phase-finished': {
      const { record } = event;
      return [
        `${record.dataDate} phase ${phaseLabel(record.phase)}: ${record.status} (${reportedText(record)})`,
      ];
    }
    case 'gate': {
      const { decision } = event;
      return [
        `${event.dataDate} gate ${decision.from}->${decision.to}: ${gateText(decision)}`,
        ...decision.reasons.map((reason) => `${event.dataDate}   ${reason}`),
      ];
    }
    case 'alert':
      return [`${event.dataDate} alert: ${event.title}`];
  }
}
