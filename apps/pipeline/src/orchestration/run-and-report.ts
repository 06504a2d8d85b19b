import { isPermanentError } from '@pipewell/retry';
import { type PhaseCompletion, phaseCompletionSchema, topics } from '../messages/index.js';
import type { MessageContext, Queue } from '../queue/index.js';
import {
  PermanentProcessorError,
  type Phase,
  type ProcessorInput,
  type RunProcessorDeps,
  runProcessor,
} from '../runtime/index.js';
import type { PhaseProcessorEntry } from './types.js';

const maxAttribute = 1_000;

function cut(text: string): string {
  return text.length > maxAttribute ? `${text.slice(0, maxAttribute - 1)}…` : text;
}

/** The message of `error`, for a report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Publish a {@link PhaseCompletion} on `phase-complete`, with the error or degradation reasons
 * it carries (each cut to a bounded size).
 */
export async function publishCompletion(
  queue: Pick<Queue, 'publish'>,
  completion: PhaseCompletion,
  extra: { readonly error?: string; readonly degradedReasons?: readonly string[] } = {},
): Promise<void> {
  const message: PhaseCompletion = {
    ...completion,
    ...(extra.error === undefined || extra.error === '' ? {} : { error: cut(extra.error) }),
    ...(extra.degradedReasons === undefined || extra.degradedReasons.length === 0
      ? {}
      : { degradedReasons: extra.degradedReasons.slice(0, 50).map((reason) => cut(reason)) }),
  };
  await queue.publish(topics.phaseComplete, phaseCompletionSchema.parse(message));
}

/** What {@link runAndReport} needs: `runProcessor`'s ports and the subscription's attempt limit. */
export interface RunAndReportDeps extends Omit<RunProcessorDeps, 'attempt' | 'signal'> {
  readonly maxDeliveryAttempts: number;
}

/**
 * Run `entry`'s processor for one delivery of its trigger and publish its completion. A
 * permanent error, or any error on the last delivery, is reported `failed` first (so the phase
 * ends without waiting for the timer); the error is then rethrown for the queue: dead-letter
 * (permanent) or NACK and redelivery (transient).
 */
export async function runAndReport(
  entry: PhaseProcessorEntry,
  phase: Phase,
  input: ProcessorInput,
  correlationId: string,
  context: Pick<MessageContext, 'deliveryAttempt' | 'signal'>,
  deps: RunAndReportDeps,
): Promise<void> {
  const { processor } = entry;
  const base = {
    phase,
    processor: processor.name,
    dataDate: input.dataDate,
    outputs: processor.outputs.map((table) => table.name),
    correlationId,
  };
  try {
    const result = await runProcessor(processor, input, {
      ...deps,
      attempt: context.deliveryAttempt,
      signal: context.signal,
    });
    await publishCompletion(
      deps.queue,
      { ...base, runId: result.runId, status: result.status, rows: result.rows },
      { degradedReasons: result.degradedReasons },
    );
  } catch (error) {
    if (isPermanentError(error) || context.deliveryAttempt >= deps.maxDeliveryAttempts) {
      const runId =
        error instanceof PermanentProcessorError
          ? error.runId
          : `${processor.name}__${input.dataDate}__a${context.deliveryAttempt}__failed`;
      await publishCompletion(
        deps.queue,
        { ...base, runId, status: 'failed', rows: 0 },
        { error: messageOf(error) },
      );
    }
    throw error;
  }
}
