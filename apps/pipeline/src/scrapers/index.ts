export type { BoxScoresInput } from './box-scores.js';
export { boxScoresScraper, scrapeBoxScores } from './box-scores.js';
export type { SourceHttp, SourceHttpOptions, SourceRequest, SourceResponse } from './http.js';
export { createSourceHttp } from './http.js';
export { oddsEventsScraper, scrapeOddsEvents } from './odds-events.js';
export type { PlayerPropsInput } from './player-props.js';
export { PLAYER_PROP_MARKETS, playerPropsScraper, scrapePlayerProps } from './player-props.js';
export type { RostersInput } from './rosters.js';
export { rostersScraper, scrapeRosters } from './rosters.js';
export type { RunScraperDeps, ScraperRunRow } from './run-scraper.js';
export { runScraper } from './run-scraper.js';
export {
  parsedScheduleOf,
  parsedScheduleStats,
  rememberParsedSchedule,
  scheduleScraper,
  scrapeSchedule,
} from './schedule.js';
export type { MissingGame, ScrapeDateDeps } from './scrape-date.js';
export {
  missingGamesCollection,
  phase1Scrapers,
  previousDate,
  previousDayBoxScoresScraper,
  ScrapeDateError,
  scrapeDate,
  teamsPlayingOn,
  UpstreamScraperError,
} from './scrape-date.js';
export type {
  FetchedPayload,
  ScrapeInput,
  ScrapeResult,
  Scraper,
  ScraperPorts,
} from './scraper.js';
export { rawPath, ScraperInputError } from './scraper.js';
export type { SourceConfig, SourceName } from './source-config.js';
export { sourceConfigFromEnv } from './source-config.js';
