import type { EngineHandler } from '../orchestration/index.js';
import type { EntryOptions } from './deliver.js';

/** What a deployed entry point serves: the engine's handlers and where dead letters go. */
export interface EntryRuntime extends EntryOptions {
  readonly handlers: ReadonlyArray<EngineHandler>;
}

/** Opens the {@link EntryRuntime} of a deployed process (once, on its first message). */
export type OpenEntryRuntime = () => Promise<EntryRuntime>;

/**
 * `open` called once and shared; a failed open is tried again on the next call, so a cold start
 * that met a transient error does not poison the instance.
 */
export function onceRuntime(open: OpenEntryRuntime): OpenEntryRuntime {
  let opening: Promise<EntryRuntime> | undefined;
  return () => {
    if (opening === undefined) {
      const attempt = open();
      opening = attempt;
      attempt.catch(() => {
        if (opening === attempt) opening = undefined;
      });
    }
    return opening;
  };
}
