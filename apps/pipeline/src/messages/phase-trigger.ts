import { z } from 'zod';
import { calendarDate, correlationId, phaseNumber, processorName } from './fields.js';

/**
 * Starts a phase for a day: because its gate opened (`gate`), for a backfill, or by hand.
 * `processors` limits the run to those processors of the phase (all of them when absent).
 */
export const phaseTriggerSchema = z.object({
  phase: phaseNumber,
  dataDate: calendarDate,
  correlationId,
  reason: z.enum(['gate', 'backfill', 'manual']),
  processors: z.array(processorName).min(1).optional(),
});

/** A phase-trigger message, as {@link phaseTriggerSchema} parses it. */
export type PhaseTrigger = z.infer<typeof phaseTriggerSchema>;
