import { DefaultRenderer, Listr, ListrLogger, type ListrTaskWrapper, ProcessOutput } from 'listr2';
import type {
  DateOutcome,
  PhaseRecord,
  PipelineEngine,
  PipelineEvent,
} from '../orchestration/types.js';
import type { Phase } from '../runtime/index.js';
import { phaseLabel } from './phases.js';
import type { DateStep } from './plan.js';
import { formatEvent, reportedText, reportText } from './progress.js';

/** What running a plan's steps came to. */
export interface StepsResult {
  /** The outcome of every step that ran to its end, in order. */
  readonly outcomes: DateOutcome[];
  /** The step whose `runDate` threw (the engine broke, or the run was aborted); later steps did not run. */
  readonly error?: { readonly step: DateStep; readonly error: unknown };
}

const roleText: Readonly<Record<DateStep['role'], string>> = {
  history: ' (history)',
  'previous-day': ' (previous day)',
  target: '',
};

/** `2026-01-23 phases 1-5 (previous day)`. */
export function stepTitle(step: DateStep): string {
  const first = step.phases[0];
  const last = step.phases[step.phases.length - 1];
  const phases = first === last ? `phase ${first}` : `phases ${first}-${last}`;
  return `${step.date} ${phases}${roleText[step.role]}`;
}

/**
 * Run `steps` one after the other, writing plain lines (a `== <step>` header, then
 * {@link formatEvent}'s lines for each engine event): the display for CI logs and pipes.
 */
export async function runStepsPlain(
  steps: readonly DateStep[],
  engine: PipelineEngine,
  writeLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<StepsResult> {
  const outcomes: DateOutcome[] = [];
  for (const step of steps) {
    writeLine(`== ${stepTitle(step)}`);
    try {
      const outcome = await engine.runDate(step.date, {
        phases: step.phases,
        ...(signal === undefined ? {} : { signal }),
        onEvent: (event) => {
          for (const line of formatEvent(event)) writeLine(line);
        },
      });
      outcomes.push(outcome);
    } catch (error) {
      return { outcomes, error: { step, error } };
    }
  }
  return { outcomes };
}

interface PhaseWatch {
  readonly finished: Promise<PhaseRecord | undefined>;
  resolve(record: PhaseRecord | undefined): void;
  reject(error: unknown): void;
  output?: (text: string) => void;
}

function watchPhases(phases: readonly Phase[]): Map<Phase, PhaseWatch> {
  const watches = new Map<Phase, PhaseWatch>();
  for (const phase of phases) {
    let resolve!: (record: PhaseRecord | undefined) => void;
    let reject!: (error: unknown) => void;
    const finished = new Promise<PhaseRecord | undefined>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    // A phase whose task has not started yet must not count as an unhandled rejection.
    finished.catch(() => undefined);
    watches.set(phase, { finished, resolve, reject });
  }
  return watches;
}

type Wrapper = ListrTaskWrapper<unknown, typeof TerminalRenderer, typeof TerminalRenderer>;

/**
 * listr2's default (live) renderer on the streams given: listr2 would otherwise pick its
 * fallback renderer whenever `process.stdout` is not a terminal, whatever stream it draws on.
 * The CLI chooses this display only when its own stdout is a terminal.
 */
class TerminalRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

/**
 * Run `steps` under a live listr2 display on a terminal: a task per step, a subtask per phase
 * that turns green, yellow (degraded) or red (failed, blocked) as the engine's
 * `phase-finished` events arrive, and shows the last processor that reported.
 */
export async function runStepsListr(
  steps: readonly DateStep[],
  engine: PipelineEngine,
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
  signal?: AbortSignal,
): Promise<StepsResult> {
  const outcomes: DateOutcome[] = [];
  let failure: StepsResult['error'];
  const list = new Listr(
    steps.map((step) => ({
      title: stepTitle(step),
      skip: () => failure !== undefined,
      task: (_context: unknown, task: Wrapper) => {
        const watches = watchPhases(step.phases);
        const onEvent = (event: PipelineEvent): void => {
          if (event.type === 'phase-finished' && event.record.dataDate === step.date) {
            watches.get(event.record.phase)?.resolve(event.record);
          } else if (event.type === 'processor-finished' && event.dataDate === step.date) {
            watches.get(event.phase)?.output?.(`${event.processor} ${reportText(event.report)}`);
          } else if (event.type === 'alert') {
            task.output = `alert: ${event.title}`;
          }
        };
        const running = engine
          .runDate(step.date, {
            phases: step.phases,
            ...(signal === undefined ? {} : { signal }),
            onEvent,
          })
          .then(
            (outcome) => {
              outcomes.push(outcome);
              for (const [phase, watch] of watches) {
                watch.resolve(outcome.phases.find((record) => record.phase === phase));
              }
            },
            (error: unknown) => {
              failure = { step, error };
              for (const watch of watches.values()) watch.reject(error);
            },
          );
        return task.newListr(
          step.phases.map((phase, index) => ({
            title: `phase ${phaseLabel(phase)}`,
            task: async (_c: unknown, sub: Wrapper) => {
              const watch = watches.get(phase) as PhaseWatch;
              watch.output = (text) => {
                sub.output = text;
              };
              const record = await watch.finished;
              // The last phase waits for the outcome, so the step ends when runDate does.
              if (index === step.phases.length - 1) await running;
              if (record === undefined) {
                sub.skip(`phase ${phaseLabel(phase)}: not run`);
                return;
              }
              sub.title = `phase ${phaseLabel(phase)}: ${record.status} (${reportedText(record)})`;
              if (record.status !== 'complete' && record.status !== 'degraded') {
                throw new Error(sub.title);
              }
            },
          })),
          { exitOnError: false },
        );
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: TerminalRenderer,
      fallbackRendererCondition: () => false,
      rendererOptions: {
        collapseSubtasks: false,
        logger: new ListrLogger({ processOutput: new ProcessOutput(stdout, stderr) }),
      },
    },
  );
  await list.run().catch(() => undefined);
  return failure === undefined ? { outcomes } : { outcomes, error: failure };
}
