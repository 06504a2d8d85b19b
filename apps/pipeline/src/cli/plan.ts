import type { PhaseRecord } from '../orchestration/types.js';
import type { Phase } from '../runtime/index.js';
import { addDays } from './dates.js';

/** One `runDate` call of a plan: a date and the phases to run on it. */
export interface DateStep {
  readonly date: string;
  readonly phases: readonly Phase[];
  /**
   * `'history'`: a day D-H..D-2 whose analytics are missing; `'previous-day'`: D-1, whose
   * predictions phase 6 of D grades; `'target'`: a date the user asked for.
   */
  readonly role: 'history' | 'previous-day' | 'target';
}

/** Options of {@link planDates}. */
export interface PlanDatesOptions {
  /** The dates asked for (`--date`, or every game date of `--from`/`--to` or `--season`). */
  readonly targets: readonly string[];
  /** The phases asked for, run on every target. */
  readonly phases: readonly Phase[];
  /** How many days before the first target the warehouse needs. @default 14 */
  readonly historyDays?: number;
  /** The phase records already stored for the days before the first target (others are ignored). */
  readonly records: readonly PhaseRecord[];
  /**
   * Whether a day before the first target has pipeline work (games on it or on the day before);
   * days without are left out of the plan.
   * @default every day
   */
  readonly isPipelineDate?: (date: string) => boolean;
}

const historyPhases: readonly Phase[] = [1, 2, 3];
const previousDayPhases: readonly Phase[] = [1, 2, 3, 4, 5];

/**
 * Whether a phase record means the phase has run to its end with usable output: `complete`, or
 * `degraded` (every processor reported, some on partial inputs; running it again would
 * repeat the same scrape).
 */
export function isPhaseDone(record: PhaseRecord | undefined): boolean {
  return record?.status === 'complete' || record?.status === 'degraded';
}

/**
 * The `runDate` calls that bring the warehouse to the asked dates, in order. For the first
 * target D (a warehouse without history needs the days before): each day D-H..D-2 whose phase 3
 * is not done, with phases 1-3 (rolling features read them); D-1 with phases 1-5 unless its
 * phase 5 is done (phase 6 on D grades D-1's predictions); then every target, in date order,
 * with the asked phases. Targets already in order need no history of their own: the dates
 * before them are in the plan. Pure: the caller reads the records.
 *
 * @example
 * ```ts
 * planDates({ targets: ['2026-01-24'], phases: [1, 2, 3, 4, 5, 6], historyDays: 2, records: [] });
 * // [{ date: '2026-01-22', phases: [1, 2, 3], role: 'history' },
 * //  { date: '2026-01-23', phases: [1, 2, 3, 4, 5], role: 'previous-day' },
 * //  { date: '2026-01-24', phases: [1, 2, 3, 4, 5, 6], role: 'target' }]
 * ```
 */
export function planDates(options: PlanDatesOptions): DateStep[] {
  const historyDays = options.historyDays ?? 14;
  if (!Number.isInteger(historyDays) || historyDays < 0) {
    throw new RangeError(`historyDays must be a whole number >= 0 (got ${historyDays})`);
  }
  const targets = [...new Set(options.targets)].sort();
  const first = targets[0];
  if (first === undefined) return [];
  const isPipelineDate = options.isPipelineDate ?? (() => true);
  const record = (phase: Phase, date: string): PhaseRecord | undefined =>
    options.records.find((r) => r.phase === phase && r.dataDate === date);

  const steps: DateStep[] = [];
  for (let back = historyDays; back >= 1; back--) {
    const date = addDays(first, -back);
    if (!isPipelineDate(date)) continue;
    if (back >= 2) {
      if (!isPhaseDone(record(3, date))) {
        steps.push({ date, phases: historyPhases, role: 'history' });
      }
    } else if (!isPhaseDone(record(5, date))) {
      steps.push({ date, phases: previousDayPhases, role: 'previous-day' });
    }
  }
  for (const date of targets) steps.push({ date, phases: options.phases, role: 'target' });
  return steps;
}
