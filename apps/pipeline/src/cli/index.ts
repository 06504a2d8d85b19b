export type { CliDeps, CliIo, CliStream, OpenEngineOptions } from './cli.js';
export { defaultDataDir, defaultSeed, runCli } from './cli.js';
export { openExistingDataDir } from './data-dir-access.js';
export { addDays, checkDate, datesBetween } from './dates.js';
export { CliInputError, ProviderUnreachableError } from './errors.js';
export type { ExitCode } from './exit-code.js';
export { exitCodeOfOutcomes, exitCodeOfRecord, exitCodeOfRecords, exitCodes } from './exit-code.js';
export { allPhases, parsePhases, phaseLabel, phaseNames } from './phases.js';
export type { DateStep, PlanDatesOptions } from './plan.js';
export { isPhaseDone, planDates } from './plan.js';
export { formatEvent, gateText, reportedText, reportText } from './progress.js';
export {
  formatJsonLines,
  formatRows,
  queryReadOnly,
  queryWarehouseFile,
  readOnlyProblem,
} from './query.js';
export type { StepsResult } from './run-steps.js';
export { runStepsListr, runStepsPlain, stepTitle } from './run-steps.js';
export type { LeagueSchedule, LoadScheduleOptions } from './schedule.js';
export { loadSchedule, schedulePath } from './schedule.js';
export { formatStatus, readPhaseRecords } from './status.js';
export { formatElapsed, summaryColumns, summaryRow, summaryTable } from './summary.js';
export type { RenderTableOptions } from './table.js';
export { renderTable } from './table.js';
