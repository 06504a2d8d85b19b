import type { PhaseProcessorEntry } from '../orchestration/types.js';
import { playerGameSummaryProcessor } from './player-game-summary.js';
import {
  teamDefenseGameSummaryProcessor,
  teamOffenseGameSummaryProcessor,
} from './team-game-summaries.js';
import { upcomingPlayerGameContextProcessor } from './upcoming-player-game-context.js';
import { upcomingTeamGameContextProcessor } from './upcoming-team-game-context.js';

export { playerGameSummaryProcessor } from './player-game-summary.js';
export type { TeamScheduleContext } from './schedule.js';
export { RECENT_WINDOW_DAYS, readTeamScheduleContext } from './schedule.js';
export {
  teamDefenseGameSummaryProcessor,
  teamOffenseGameSummaryProcessor,
} from './team-game-summaries.js';
export {
  LINE_COLUMNS,
  upcomingPlayerGameContextProcessor,
} from './upcoming-player-game-context.js';
export { upcomingTeamGameContextProcessor } from './upcoming-team-game-context.js';

/**
 * The phase 3 processors for the orchestrator: five, none waiting on another (each reads the raw
 * tables only). `player_game_summary` and `upcoming_player_game_context` are critical: the 3→4
 * gate needs them.
 */
export const analyticsEntries: PhaseProcessorEntry[] = [
  { processor: playerGameSummaryProcessor, critical: true },
  { processor: teamOffenseGameSummaryProcessor },
  { processor: teamDefenseGameSummaryProcessor },
  { processor: upcomingTeamGameContextProcessor },
  { processor: upcomingPlayerGameContextProcessor, critical: true },
];
