import { appendFileSync, readFileSync } from 'node:fs';

/**
 * The environment variable that names the file emulator suites report to. The summary reporter
 * sets it in the main vitest process, so every test worker inherits it; when it is unset the
 * harness warns on the console instead.
 */
export const EMULATOR_REPORT_ENV = 'PIPEWELL_EMULATOR_REPORT';

/** The emulators the harness can start, by the name the summary prints. */
export type EmulatorKind = 'Firestore' | 'Pub/Sub';

/** One line of the report file: what happened to one emulator suite, in a test worker. */
export type EmulatorEvent =
  | { readonly event: 'available'; readonly suite: string }
  | {
      readonly event: 'skipped' | 'missing';
      readonly suite: string;
      readonly reason: string;
      /** What to do about it, printed once under the summary. */
      readonly hint?: string;
    }
  | {
      readonly event: 'started';
      readonly suite: string;
      readonly kind: EmulatorKind;
      readonly host: string;
    }
  | {
      readonly event: 'start-failed';
      readonly suite: string;
      readonly kind: EmulatorKind;
      readonly host: string;
      readonly message: string;
    };

/**
 * Append one event to the report file `env` names. Returns false when no reporter is listening
 * (the variable is unset), so the caller can fall back to the console.
 *
 * @example
 * ```ts
 * if (!recordEmulatorEvent({ event: 'skipped', suite, reason })) console.warn(message);
 * ```
 */
export function recordEmulatorEvent(
  event: EmulatorEvent,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const file = env[EMULATOR_REPORT_ENV];
  if (!file) return false;
  // One short appended line per event: O_APPEND keeps lines from parallel workers whole.
  appendFileSync(file, `${JSON.stringify(event)}\n`);
  return true;
}

/**
 * Read the events in a report file; a missing or empty file means no emulator suite ran.
 *
 * @example
 * ```ts
 * const lines = summarizeEmulatorSuites(readEmulatorEvents(file));
 * ```
 */
export function readEmulatorEvents(file: string): EmulatorEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EmulatorEvent);
}

interface SuiteOutcome {
  skipped?: string;
  missing?: string;
  started: string[];
  failed: string[];
}

/**
 * The emulator suites of one run, as the lines the summary prints: one per suite (ran, skipped,
 * missing under CI, failed to start, or not started because its tests were filtered out), then
 * one loud line when any suite was skipped or missing. Empty when no emulator suite was loaded.
 *
 * @example
 * ```ts
 * summarizeEmulatorSuites([
 *   { event: 'available', suite: '@pipewell/clients Pub/Sub' },
 *   { event: 'started', suite: '@pipewell/clients Pub/Sub', kind: 'Pub/Sub', host: '127.0.0.1:8085' },
 * ]);
 * // ['Emulator suites: 1 ran, 0 skipped',
 * //  '  ran      @pipewell/clients Pub/Sub  Pub/Sub on 127.0.0.1:8085']
 * ```
 */
export function summarizeEmulatorSuites(events: readonly EmulatorEvent[]): string[] {
  const suites = new Map<string, SuiteOutcome>();
  const hints = new Set<string>();
  for (const event of events) {
    let outcome = suites.get(event.suite);
    if (!outcome) {
      outcome = { started: [], failed: [] };
      suites.set(event.suite, outcome);
    }
    switch (event.event) {
      case 'available':
        break;
      case 'skipped':
      case 'missing':
        outcome[event.event] = event.reason;
        if (event.hint) hints.add(event.hint);
        break;
      case 'started':
        outcome.started.push(`${event.kind} on ${event.host}`);
        break;
      case 'start-failed':
        outcome.failed.push(`${event.kind} on ${event.host}: ${event.message.split('\n')[0]}`);
        break;
    }
  }
  if (suites.size === 0) return [];

  const rows: Array<[status: string, suite: string, detail: string]> = [];
  const counts = { ran: 0, skipped: 0, missing: 0, failed: 0 };
  const reasons = new Set<string>();
  for (const name of [...suites.keys()].sort()) {
    const outcome = suites.get(name) as SuiteOutcome;
    if (outcome.missing !== undefined) {
      counts.missing++;
      reasons.add(outcome.missing);
      rows.push(['MISSING', name, `${outcome.missing} (CI requires the emulators)`]);
    } else if (outcome.skipped !== undefined) {
      counts.skipped++;
      reasons.add(outcome.skipped);
      rows.push(['SKIPPED', name, outcome.skipped]);
    } else if (outcome.failed.length > 0) {
      counts.failed++;
      rows.push(['FAILED', name, `could not start ${outcome.failed.join('; ')}`]);
    } else if (outcome.started.length > 0) {
      counts.ran++;
      rows.push(['ran', name, outcome.started.join(', ')]);
    } else {
      rows.push(['idle', name, 'emulators available, none started (its tests were filtered out)']);
    }
  }
  const headline = [`${counts.ran} ran`, `${counts.skipped} skipped`];
  if (counts.missing > 0) headline.push(`${counts.missing} missing`);
  if (counts.failed > 0) headline.push(`${counts.failed} failed to start`);
  const suiteWidth = Math.max(...rows.map(([, suite]) => suite.length));
  const lines = [
    `Emulator suites: ${headline.join(', ')}`,
    ...rows.map(
      ([status, suite, detail]) => `  ${status.padEnd(8)} ${suite.padEnd(suiteWidth)}  ${detail}`,
    ),
  ];
  const notRun = counts.skipped + counts.missing;
  if (notRun > 0) {
    const suitesWord = notRun === 1 ? 'suite' : 'suites';
    lines.push(
      [
        `!!! ${notRun} emulator ${suitesWord} did not run: ${[...reasons].join('; ')}.`,
        ...hints,
      ].join(' '),
    );
  }
  return lines;
}
