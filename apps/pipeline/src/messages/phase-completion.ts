import { z } from 'zod';
import { calendarDate, correlationId, phaseNumber, processorName } from './fields.js';

/**
 * Published when a processor run of a phase ends: how it went, how many rows it wrote and into
 * which tables (`dataset.table`), so the orchestrator can decide whether the next phase may start.
 */
export const phaseCompletionSchema = z.object({
  phase: phaseNumber,
  processor: processorName,
  dataDate: calendarDate,
  runId: z.string().min(1),
  status: z.enum(['success', 'degraded', 'failed']),
  rows: z.number().int().nonnegative(),
  outputs: z.array(
    z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, { message: 'must be dataset.table' }),
  ),
  correlationId,
  /** Why a `failed` run failed: the error's message. */
  error: z.string().min(1).max(4000).optional(),
  /** Why a `degraded` run is degraded, one reason each. */
  degradedReasons: z.array(z.string().min(1).max(1000)).max(50).optional(),
});

/** A phase-completion message, as {@link phaseCompletionSchema} parses it. */
export type PhaseCompletion = z.infer<typeof phaseCompletionSchema>;
