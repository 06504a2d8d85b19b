import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env, Logger } from '@pipewell/core';
import { openPipelineApp, type PipelineApp } from '../app/index.js';
import type { EntryRuntime } from './runtime.js';

/** Options for {@link openAppEntryRuntime}. */
export interface AppEntryOptions {
  /** Backends per port and provider settings, as the CLI reads them. @default process.env */
  readonly env?: Env;
  /** @default `PIPEWELL_DATA_DIR`, else `<tmpdir>/pipewell` */
  readonly dataDir?: string;
  readonly logger?: Logger;
}

/**
 * Open the app (backends per port from `env`, as `src/app/backends.ts` picks them) and serve its
 * engine's handlers, dead-lettering through its queue. The app opens without pull subscribers
 * (`start: false`): Pub/Sub pushes to this process instead.
 */
export async function openAppEntryRuntime(options: AppEntryOptions = {}): Promise<EntryRuntime> {
  const env = options.env ?? process.env;
  const appOptions = {
    dataDir: options.dataDir ?? env.PIPEWELL_DATA_DIR ?? join(tmpdir(), 'pipewell'),
    command: 'serve (push entry point)',
    env,
    start: false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
  const app: PipelineApp = await openPipelineApp(appOptions);
  const { engine, queue } = app;
  return {
    handlers: engine.handlers(),
    deadLetters: queue,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
}
