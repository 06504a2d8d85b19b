export type {
  BalldontlieGameRow,
  BalldontliePlayerGameRow,
  BalldontliePlayerRow,
} from './balldontlie.js';
export {
  balldontlieNextCursor,
  parseBalldontlieBoxScores,
  parseBalldontlieGame,
  parseBalldontlieGames,
  parseBalldontliePlayers,
  parseBalldontlieStats,
} from './balldontlie.js';
export type { SourceIssue } from './errors.js';
export { GameKeyError, SourceParseError, UnknownTeamError } from './errors.js';
export type {
  EspnEventRow,
  EspnRosterRow,
  EspnScoreboardResult,
  EspnSeasonType,
  SkippedEspnEvent,
} from './espn.js';
export { parseEspnRoster, parseEspnScoreboard } from './espn.js';
export type {
  BalldontlieGameLike,
  EspnEventLike,
  GameKeyParts,
  NbaGameCodeParts,
  NbaGameIdParts,
  NbaSeasonType,
  OddsEventLike,
  TeamCodes,
  TeamSource,
  Tricode,
} from './game-ids.js';
export {
  canonicalTeam,
  easternDate,
  espnEventTeams,
  findTeam,
  formatGameKey,
  gameKeyFromBalldontlieGame,
  gameKeyFromEspnEvent,
  gameKeyFromNbaGameCode,
  gameKeyFromNbaGameId,
  gameKeyFromOddsEvent,
  isGameKey,
  isTricode,
  parseGameKey,
  parseInstant,
  parseNbaGameId,
  splitNbaGameCode,
  TEAMS,
  TRICODES,
  teamCodes,
} from './game-ids.js';
export { minutesSchema, readMinutes } from './minutes.js';
export type { NbaPlayerBoxRow } from './nbacom-boxscore.js';
export {
  parseNbaBoxScoreV2,
  parseNbaBoxScoreV3,
  parseNbaLeagueGameLog,
  parseNbaLiveBoxScore,
} from './nbacom-boxscore.js';
export type {
  GameStatus,
  NbaScheduleResult,
  NbaScheduleRow,
  SkippedNbaGame,
} from './nbacom-schedule.js';
export { nbaGameStatus, parseNbaSchedule } from './nbacom-schedule.js';
export type { NbaScoreboardResult, NbaScoreboardRow } from './nbacom-scoreboard.js';
export { parseNbaScoreboardV2, parseNbaScoreboardV3 } from './nbacom-scoreboard.js';
export type {
  OddsEventOddsResult,
  OddsEventRow,
  OddsPlayerPropRow,
  PriceFormat,
} from './odds-api.js';
export { parseOddsEventOdds, parseOddsEvents } from './odds-api.js';
export { normalizePlayerName } from './player-name.js';
