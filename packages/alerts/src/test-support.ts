import type { Logger } from '@pipewell/core';
import { createRecordingLogger } from '@pipewell/core/testing';

/** For this package's tests: a logger whose every line is kept as JSON, to search for secrets. */
export function recordingLogger(): { logger: Logger; readonly lines: string[] } {
  const logger = createRecordingLogger();
  return {
    logger,
    get lines() {
      return logger.entries.map((entry) => JSON.stringify(entry));
    },
  };
}
