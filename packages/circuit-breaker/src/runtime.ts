import type { Clock, Logger } from '@pipewell/core';
import type { BreakerConfig } from './config.js';
import { type BreakerEvents, Emitter } from './events.js';

/** What every part of one breaker shares: who it is, its settings, its clock, its voice. */
export interface BreakerRuntime {
  readonly name: string;
  readonly instanceId: string;
  readonly config: BreakerConfig;
  readonly clock: Clock;
  readonly events: Emitter<BreakerEvents>;
  /** Report what the breaker cannot throw; a logger that throws is ignored. */
  log(level: 'warn' | 'error', fields: object, message: string): void;
}

/** Wire a runtime; listener errors are logged, never thrown. */
export function createRuntime(parts: {
  readonly name: string;
  readonly instanceId: string;
  readonly config: BreakerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
}): BreakerRuntime {
  const { name, instanceId, config, clock, logger } = parts;
  const log = (level: 'warn' | 'error', fields: object, message: string): void => {
    try {
      logger[level]({ ...fields, breaker: name }, `circuit-breaker: ${message}`);
    } catch {
      // A broken logger must not break the breaker.
    }
  };
  const events = new Emitter<BreakerEvents>((event, error) =>
    log('error', { err: error, event }, 'an event listener threw; the breaker ignored it'),
  );
  return { name, instanceId, config, clock, events, log };
}
