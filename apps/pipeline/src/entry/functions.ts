/**
 * The Cloud Functions entry: `functions-framework --target=<name>` loads this module, which
 * registers every engine handler by name (see {@link registerFunctions}).
 */
import { openAppEntryRuntime } from './app-entry.js';
import { registerFunctions } from './register-functions.js';

/** The function names registered, by subscription. */
export const registered: ReturnType<typeof registerFunctions> = registerFunctions(() =>
  openAppEntryRuntime(),
);
