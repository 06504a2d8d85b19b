import type { DateOutcome } from '../orchestration/types.js';
import { renderTable } from './table.js';

/** The summary table's columns, in order. */
export const summaryColumns: readonly string[] = [
  'date',
  'games',
  'players',
  'predictions',
  'graded',
  'alerts',
  'degraded runs',
  'blocked gates',
  'elapsed',
];

/** `350 ms`, `2.41 s`. */
export function formatElapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** The cells of one summary row, in {@link summaryColumns} order. */
export function summaryRow(
  label: string,
  outcome: Omit<DateOutcome, 'dataDate' | 'phases'>,
): string[] {
  return [
    label,
    String(outcome.games),
    String(outcome.players),
    String(outcome.predictions),
    String(outcome.graded),
    String(outcome.alerts),
    String(outcome.degradedRuns),
    String(outcome.blockedGates),
    formatElapsed(outcome.elapsedMs),
  ];
}

/**
 * The end-of-run table: one row per date run, and a `total` row (sums of every figure and of
 * the elapsed times) when more than one date ran.
 */
export function summaryTable(outcomes: readonly DateOutcome[]): string {
  const rows = outcomes.map((outcome) => summaryRow(outcome.dataDate, outcome));
  if (outcomes.length > 1) {
    const sum = (pick: (o: DateOutcome) => number): number =>
      outcomes.reduce((total, outcome) => total + pick(outcome), 0);
    rows.push(
      summaryRow('total', {
        games: sum((o) => o.games),
        players: sum((o) => o.players),
        predictions: sum((o) => o.predictions),
        graded: sum((o) => o.graded),
        alerts: sum((o) => o.alerts),
        degradedRuns: sum((o) => o.degradedRuns),
        blockedGates: sum((o) => o.blockedGates),
        elapsedMs: sum((o) => o.elapsedMs),
      }),
    );
  }
  return renderTable(summaryColumns, rows, { rightAligned: [1, 2, 3, 4, 5, 6, 7, 8] });
}
