import { PipewellError, type PipewellErrorOptions, PipewellOptionsError } from '@pipewell/core';

/** A processor definition or run input refused before anything ran; `option` names the field. */
export class ProcessorDefinitionError extends PipewellOptionsError {
  static override readonly marker: string = '@pipewell/pipeline.ProcessorDefinitionError';
  override readonly name: string = 'ProcessorDefinitionError';
  /** Always true: the same definition fails every time. */
  readonly permanent = true as const;
}

/**
 * A processor run that failed for good (its error was permanent): rethrown by `runProcessor` so
 * the queue dead-letters the message. `cause` is the processor's error.
 */
export class PermanentProcessorError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.PermanentProcessorError';
  override readonly name: string = 'PermanentProcessorError';
  /** Always true: read by `isPermanentError`. */
  readonly permanent = true as const;
  readonly processor: string;
  readonly dataDate: string;
  readonly runId: string;

  /** Create the error of run `runId` of `processor` for `dataDate`. */
  constructor(
    processor: string,
    dataDate: string,
    runId: string,
    message: string,
    options?: PipewellErrorOptions,
  ) {
    super(
      `processor ${processor} failed for good on ${dataDate} (run ${runId}): ${message}`,
      options,
    );
    this.processor = processor;
    this.dataDate = dataDate;
    this.runId = runId;
  }
}

/** A run whose signal aborted before it finished; `cause` is the signal's reason. */
export class ProcessorAbortedError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.ProcessorAbortedError';
  override readonly name: string = 'ProcessorAbortedError';
}

/** Bookkeeping rows the warehouse did not take by `close()`: `unwritten` of them are lost. */
export class BookkeepingWriteError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.BookkeepingWriteError';
  override readonly name: string = 'BookkeepingWriteError';
  /** How many rows were never written. */
  readonly unwritten: number;

  /** Create the error for `unwritten` rows; `cause` is the last warehouse error. */
  constructor(unwritten: number, options?: PipewellErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`${unwritten} bookkeeping rows are unwritten: the last flush failed${cause}`, options);
    this.unwritten = unwritten;
  }
}
