export { bdlPlayerBoxscoresProcessor } from './bdl-player-boxscores.js';
export { rawEntries, rawProcessorForScraper, rawTablesByProcessor } from './entries.js';
export { espnTeamRostersProcessor } from './espn-team-rosters.js';
export { nbacScheduleProcessor } from './nbac-schedule.js';
export { oddsApiPlayerPropsProcessor } from './odds-api-player-props.js';
export type { RawInput } from './raw-input.js';
export {
  RawInputError,
  RawPayloadMissingError,
  rawInputFromCompletion,
} from './raw-input.js';
