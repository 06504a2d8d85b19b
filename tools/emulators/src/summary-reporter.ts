import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reporter, Vitest } from 'vitest/node';
import { EMULATOR_REPORT_ENV, readEmulatorEvents, summarizeEmulatorSuites } from './report.js';

/**
 * A vitest reporter that ends each run with one summary of the emulator suites: which ran (and
 * on which emulator and port), which were skipped and why, which were missing under CI. It runs
 * in the main vitest process; the suites report from their workers through a file whose path it
 * puts in `PIPEWELL_EMULATOR_REPORT` before any worker starts, so a skip is printed once for the
 * run rather than once per suite. List it after the reporter that prints the results.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({
 *   test: { reporters: ['default', createEmulatorSummaryReporter()] },
 * });
 * ```
 */
export function createEmulatorSummaryReporter(): Reporter {
  let file: string | undefined;
  let log: (text: string) => void = () => {};
  return {
    onInit(vitest: Vitest): void {
      const dir = mkdtempSync(join(tmpdir(), 'pipewell-emulators-'));
      file = join(dir, 'events.jsonl');
      writeFileSync(file, '');
      // Workers copy process.env when the pool starts them, which is after onInit.
      process.env[EMULATOR_REPORT_ENV] = file;
      log = (text) => vitest.logger.log(text);
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    },
    onTestRunStart(): void {
      // Watch mode reruns: each summary covers its own run.
      if (file) writeFileSync(file, '');
    },
    onTestRunEnd(): void {
      if (!file) return;
      let lines: string[];
      try {
        lines = summarizeEmulatorSuites(readEmulatorEvents(file));
      } catch (error) {
        lines = [`Emulator suites: no summary (${(error as Error).message})`];
      }
      if (lines.length > 0) log(`\n${lines.join('\n')}\n`);
    },
  };
}
