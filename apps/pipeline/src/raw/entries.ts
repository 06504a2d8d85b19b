import {
  bdlPlayerBoxscores,
  espnTeamRosters,
  nbacSchedule,
  oddsApiPlayerProps,
} from '../catalog/raw.js';
import type { PhaseProcessorEntry } from '../orchestration/types.js';
import type { AnyTable } from '../warehouse/index.js';
import { bdlPlayerBoxscoresProcessor } from './bdl-player-boxscores.js';
import { espnTeamRostersProcessor } from './espn-team-rosters.js';
import { nbacScheduleProcessor } from './nbac-schedule.js';
import { oddsApiPlayerPropsProcessor } from './odds-api-player-props.js';
import type { RawInput } from './raw-input.js';

/**
 * Phase 2's processors for the orchestrator. None depends on another (each loads its own
 * scraper's payloads); the schedule and the box scores are critical, since phase 3's summaries
 * and coverage gate are built on them.
 */
export const rawEntries: readonly PhaseProcessorEntry<RawInput>[] = Object.freeze([
  { processor: nbacScheduleProcessor, critical: true },
  { processor: espnTeamRostersProcessor, critical: false },
  { processor: bdlPlayerBoxscoresProcessor, critical: true },
  { processor: oddsApiPlayerPropsProcessor, critical: false },
]);

/**
 * The raw processor that loads each phase 1 scraper's payloads. `odds-api-events` has none: its
 * events only feed the props scraper (and each props payload carries its event).
 */
export const rawProcessorForScraper: Readonly<Record<string, string | undefined>> = Object.freeze({
  'nbacom-schedule': nbacScheduleProcessor.name,
  'espn-rosters': espnTeamRostersProcessor.name,
  'balldontlie-stats': bdlPlayerBoxscoresProcessor.name,
  'odds-api-events': undefined,
  'odds-api-player-props': oddsApiPlayerPropsProcessor.name,
});

/** The table each raw processor writes. */
export const rawTablesByProcessor: Readonly<Record<string, AnyTable>> = Object.freeze({
  [nbacScheduleProcessor.name]: nbacSchedule,
  [espnTeamRostersProcessor.name]: espnTeamRosters,
  [bdlPlayerBoxscoresProcessor.name]: bdlPlayerBoxscores,
  [oddsApiPlayerPropsProcessor.name]: oddsApiPlayerProps,
});
