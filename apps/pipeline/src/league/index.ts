export type { BoxScore, DnpReason, PlayerBox, StatLine, TeamBox } from './box-score.js';
export type { Game } from './game.js';
export { isBackToBack } from './game.js';
export type { GenerateLeagueOptions, League, Season } from './generate.js';
export { generateLeague, LeagueOptionsError } from './generate.js';
export type {
  Bookmaker,
  BookmakerProps,
  GameProps,
  MarketProps,
  PropLine,
  PropMarket,
} from './props.js';
export { americanOdds, BOOKMAKERS, PROP_MARKETS } from './props.js';
export type { Random } from './random.js';
export { createRandom, hashSeed } from './random.js';
export type { InjurySpell, Player, PlayerSkill, Position, Role, TeamRating } from './rosters.js';
export { isInjured } from './rosters.js';
export type { Conference, Division, Team, TeamTimeZone } from './teams.js';
export { NBA_TEAMS, teamByTricode } from './teams.js';
