import { join } from 'node:path';
import { type Clock, type Env, type Logger, silentLogger, systemClock } from '@pipewell/core';
import { Command, CommanderError, Option } from 'commander';
import { backendsFromEnv, openStateStoreOf } from '../app/index.js';
import type { PhaseRecord, PipelineEngine } from '../orchestration/types.js';
import { fileExists, openExistingDataDir } from './data-dir-access.js';
import { addDays, checkDate, datesBetween } from './dates.js';
import { addDeployCommands, type OpenPubSub } from './deploy-command.js';
import { CliInputError } from './errors.js';
import { type ExitCode, exitCodeOfOutcomes, exitCodeOfRecords, exitCodes } from './exit-code.js';
import { parsePhases } from './phases.js';
import { planDates } from './plan.js';
import { formatJsonLines, formatRows, queryWarehouseFile, readOnlyProblem } from './query.js';
import { runStepsListr, runStepsPlain } from './run-steps.js';
import { type LeagueSchedule, type LoadScheduleOptions, loadSchedule } from './schedule.js';
import { formatStatus, readPhaseRecords } from './status.js';
import { summaryTable } from './summary.js';

/** Where the CLI writes: `process.stdout` / `process.stderr`, or a test's collector. */
export interface CliStream {
  write(text: string): unknown;
}

/** The process around the CLI, injected so tests run it in process. */
export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** The environment (`NBA_CDN_BASE_URL` and the other provider variables, passed to the engine). */
  readonly env: Env;
  /**
   * Whether stdout is a terminal: the live listr2 display (which then draws on `stdout`, so it
   * must be a writable stream), else plain lines.
   */
  readonly isTTY: boolean;
  /** Aborts a run (the bin entry wires SIGINT to it). */
  readonly signal?: AbortSignal;
}

/** What the CLI hands the app assembly to open the pipeline on a data directory. */
export interface OpenEngineOptions {
  /** The data directory as the user gave it (`--data-dir`, default `./.pipewell`); created when missing. */
  readonly dataDir: string;
  /** Seed of the built-in provider's league (`--seed`, default 42). */
  readonly seed: number | string;
  /** The environment: provider URLs and keys (`sourceConfigFromEnv`), settings. */
  readonly env: Env;
  readonly clock: Clock;
  readonly logger: Logger;
  /** What holds the data directory's lock, shown to a second process: `'pipewell run'`. */
  readonly command: string;
}

/** What the CLI needs from outside; the bin entry passes the real ones. */
export interface CliDeps {
  /**
   * Open the pipeline on its ports in `options.dataDir` (taking the directory's lock, throwing
   * `DataDirBusyError` or `DataDirError` when it cannot). The CLI closes the engine.
   */
  openEngine(options: OpenEngineOptions): Promise<PipelineEngine>;
  /** The season schedule dates are checked against before a run. @default loadSchedule */
  loadSchedule?(options: LoadScheduleOptions): Promise<LeagueSchedule>;
  /** The Pub/Sub client `deploy check` reads the project with. @default a PubSub of the project (the emulator under PUBSUB_EMULATOR_HOST) */
  readonly openPubSub?: OpenPubSub;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
}

/** The data directory when `--data-dir` is not given. */
export const defaultDataDir = './.pipewell';

/** The league seed when `--seed` is not given (the built-in provider's default). */
export const defaultSeed = '42';

interface RunOptions {
  readonly date?: string;
  readonly from?: string;
  readonly to?: string;
  readonly season?: string;
  readonly phases: string;
  readonly dataDir: string;
  readonly seed: string;
  readonly historyDays: string;
  readonly plain?: boolean;
}

/** The error's message on one line, never a stack. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

function parseSeed(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new CliInputError('--seed', '--seed is empty: give a number such as 42');
  return /^-?\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed))
    ? Number(trimmed)
    : trimmed;
}

function parseHistoryDays(text: string): number {
  const days = Number(text);
  if (!/^\d+$/.test(text.trim()) || days > 366) {
    throw new CliInputError(
      '--history-days',
      `--history-days must be a whole number from 0 to 366 (got ${JSON.stringify(text)})`,
    );
  }
  return days;
}

/** The dates `run` was asked for, before they are checked against the schedule. */
type DateSelection =
  | { readonly kind: 'date'; readonly date: string }
  | { readonly kind: 'range'; readonly from: string; readonly to: string }
  | { readonly kind: 'season'; readonly season: string };

function selectionOf(options: RunOptions): DateSelection {
  const given = [
    options.date !== undefined && '--date',
    (options.from !== undefined || options.to !== undefined) && '--from/--to',
    options.season !== undefined && '--season',
  ].filter((name): name is string => name !== false);
  if (given.length === 0) {
    throw new CliInputError(
      '--date',
      'run needs the dates to run: --date D, --from D --to D, or --season 2025-26',
    );
  }
  if (given.length > 1) {
    throw new CliInputError(
      '--date',
      `give one of --date, --from/--to and --season (got ${given.join(' and ')})`,
    );
  }
  if (options.date !== undefined) return { kind: 'date', date: checkDate('--date', options.date) };
  if (options.season !== undefined) return { kind: 'season', season: options.season };
  if (options.from === undefined || options.to === undefined) {
    throw new CliInputError(
      options.from === undefined ? '--from' : '--to',
      `${options.from === undefined ? '--to' : '--from'} needs ${options.from === undefined ? '--from' : '--to'} too`,
    );
  }
  const from = checkDate('--from', options.from);
  const to = checkDate('--to', options.to);
  if (from > to) throw new CliInputError('--from', `--from ${from} is after --to ${to}`);
  return { kind: 'range', from, to };
}

function nearestGameDates(schedule: LeagueSchedule, date: string): string {
  const before = schedule.gameDates.filter((d) => d < date).at(-1);
  const after = schedule.gameDates.find((d) => d > date);
  const near = [before, after].filter((d): d is string => d !== undefined);
  return near.length === 0 ? '' : `; the nearest game dates are ${near.join(' and ')}`;
}

function targetsOf(selection: DateSelection, schedule: LeagueSchedule): string[] {
  const where = `in the ${schedule.season} season (${schedule.source})`;
  switch (selection.kind) {
    case 'date':
      if (schedule.gameCount(selection.date) === 0) {
        throw new CliInputError(
          '--date',
          `${selection.date} has no games ${where}${nearestGameDates(schedule, selection.date)}`,
        );
      }
      return [selection.date];
    case 'range': {
      const dates = datesBetween(selection.from, selection.to).filter((d) =>
        isPipelineDateOf(schedule, d),
      );
      if (dates.length === 0) {
        throw new CliInputError(
          '--from',
          `no games from ${selection.from} to ${selection.to} ${where}${nearestGameDates(schedule, selection.from)}`,
        );
      }
      return dates;
    }
    case 'season':
      if (selection.season !== schedule.season) {
        throw new CliInputError(
          '--season',
          `unknown season ${JSON.stringify(selection.season)}: ${schedule.source} has the ${schedule.season} season`,
        );
      }
      // Every date with games, and every day after one (its box scores are scraped and its
      // predictions graded then), so a day without games never leaves a hole in the history.
      return [...new Set(schedule.gameDates.flatMap((d) => [d, addDays(d, 1)]))].sort();
  }
}

/**
 * A date the pipeline runs on: it has games, or the day before had some (phase 1 scrapes the
 * day before's box scores, phase 6 grades its predictions).
 */
function isPipelineDateOf(schedule: LeagueSchedule, date: string): boolean {
  return schedule.gameCount(date) > 0 || schedule.gameCount(addDays(date, -1)) > 0;
}

/**
 * Run the `pipewell` command line `argv` (the arguments after the program, as
 * `process.argv.slice(2)`) and resolve with its exit code: 0 when every phase completed, 1 when
 * they completed with degraded runs or warnings, 2 when a phase failed or was blocked, or the
 * command could not run (bad input: one line on stderr, nothing written).
 *
 * @example
 * ```ts
 * const code = await runCli(['run', '--date', '2026-01-24'], { stdout, stderr, env, isTTY: false }, { openEngine });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps): Promise<ExitCode> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const load = deps.loadSchedule ?? loadSchedule;
  let exitCode: ExitCode = exitCodes.ok;
  const line = (stream: CliStream, text: string): void => {
    stream.write(`${text}\n`);
  };

  const program = new Command('pipewell')
    .description(
      'Run the six-phase NBA player-props pipeline on the embedded backend, and look into it.',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`pipewell: ${oneLine(text.replace(/^error: /, ''))}\n`),
    });

  program
    .command('run')
    .description('Run pipeline dates, with the days before them that the warehouse lacks.')
    .option('--date <date>', 'one pipeline date, YYYY-MM-DD')
    .option('--from <date>', 'first date of a range (with --to); dates without games are skipped')
    .option('--to <date>', 'last date of a range, included')
    .option('--season <season>', 'every game date of a season, such as 2025-26')
    .option('--phases <phases>', 'a contiguous run of phases: 1-3, 1,2,3, raw-analytics', '1-6')
    .option('--data-dir <path>', 'the data directory', defaultDataDir)
    .option('--seed <seed>', 'league seed of the built-in provider', defaultSeed)
    .option('--history-days <days>', 'days before the first date the plan brings up to date', '14')
    .addOption(new Option('--plain', 'plain progress lines even on a terminal'))
    .action(async (options: RunOptions) => {
      exitCode = await runCommand(options);
    });

  program
    .command('query')
    .description('Run a read-only SQL query on the warehouse and print its rows.')
    .argument('<sql>', 'one SELECT (or WITH ...) statement')
    .option('--data-dir <path>', 'the data directory', defaultDataDir)
    .option('--json', 'print JSON lines, one object per row')
    .action(async (text: string, options: { dataDir: string; json?: boolean }) => {
      exitCode = await queryCommand(text, options);
    });

  program
    .command('status')
    .description("Print each phase's completion record of a date.")
    .requiredOption('--date <date>', 'the pipeline date, YYYY-MM-DD')
    .option('--data-dir <path>', 'the data directory', defaultDataDir)
    .action(async (options: { date: string; dataDir: string }) => {
      exitCode = await statusCommand(options);
    });

  addDeployCommands(
    program,
    io,
    (code) => {
      exitCode = code;
    },
    deps.openPubSub,
  );

  async function runCommand(options: RunOptions): Promise<ExitCode> {
    let engine: PipelineEngine | undefined;
    try {
      const selection = selectionOf(options);
      const phases = parsePhases(options.phases);
      const historyDays = parseHistoryDays(options.historyDays);
      const seed = parseSeed(options.seed);
      const schedule = await load({
        seed,
        env: io.env,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
      });
      const targets = targetsOf(selection, schedule);
      engine = await deps.openEngine({
        dataDir: options.dataDir,
        seed,
        env: io.env,
        clock,
        logger,
        command: 'pipewell run',
      });
      await engine.start();
      const first = targets[0] as string;
      const isPipelineDate = (date: string): boolean => isPipelineDateOf(schedule, date);
      const records: PhaseRecord[] = [];
      for (let back = historyDays; back >= 1; back--) {
        const date = addDays(first, -back);
        if (isPipelineDate(date)) records.push(...(await engine.status(date)));
      }
      const steps = planDates({ targets, phases, historyDays, records, isPipelineDate });
      const result =
        io.isTTY && options.plain !== true
          ? await runStepsListr(
              steps,
              engine,
              io.stdout as NodeJS.WriteStream,
              io.stderr as NodeJS.WriteStream,
              io.signal,
            )
          : await runStepsPlain(steps, engine, (text) => line(io.stdout, text), io.signal);
      if (result.outcomes.length > 0) line(io.stdout, summaryTable(result.outcomes));
      if (result.error !== undefined) {
        line(
          io.stderr,
          `pipewell run: ${result.error.step.date} stopped: ${oneLine(result.error.error)}`,
        );
        return exitCodes.failed;
      }
      return exitCodeOfOutcomes(result.outcomes);
    } catch (error) {
      line(io.stderr, `pipewell run: ${oneLine(error)}`);
      return exitCodes.failed;
    } finally {
      await engine?.close().catch((error: unknown) => {
        line(io.stderr, `pipewell run: closing the engine failed: ${oneLine(error)}`);
      });
    }
  }

  async function queryCommand(
    text: string,
    options: { dataDir: string; json?: boolean },
  ): Promise<ExitCode> {
    try {
      const problem = readOnlyProblem(text);
      if (problem !== undefined) throw new CliInputError('sql', problem);
      await using dataDir = await openExistingDataDir(options.dataDir, 'pipewell query', clock);
      if (!(await fileExists(dataDir.warehousePath))) {
        throw new CliInputError(
          '--data-dir',
          `${options.dataDir} has no warehouse yet (${join(options.dataDir, 'warehouse.duckdb')}): run \`pipewell run\` first`,
        );
      }
      const rows = await queryWarehouseFile(dataDir.warehousePath, text, io.signal);
      const out = options.json === true ? formatJsonLines(rows) : formatRows(rows);
      if (out !== '') line(io.stdout, out);
      return exitCodes.ok;
    } catch (error) {
      line(io.stderr, `pipewell query: ${oneLine(error)}`);
      return exitCodes.failed;
    }
  }

  async function statusCommand(options: { date: string; dataDir: string }): Promise<ExitCode> {
    try {
      const date = checkDate('--date', options.date);
      await using dataDir = await openExistingDataDir(options.dataDir, 'pipewell status', clock);
      const state = await openStateStoreOf(
        backendsFromEnv(io.env),
        dataDir.stateDir,
        io.env,
        clock,
        logger,
      );
      let records: PhaseRecord[];
      try {
        records = await readPhaseRecords(state, date);
      } finally {
        await state.close();
      }
      if (records.length === 0) {
        throw new CliInputError(
          '--date',
          `no phase records for ${date} in ${options.dataDir}: that date has not run`,
        );
      }
      line(io.stdout, formatStatus(records));
      return exitCodeOfRecords(records);
    } catch (error) {
      line(io.stderr, `pipewell status: ${oneLine(error)}`);
      return exitCodes.failed;
    }
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; commander already printed the usage error as one line.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.failed;
    }
    line(io.stderr, `pipewell: ${oneLine(error)}`);
    return exitCodes.failed;
  }
}
