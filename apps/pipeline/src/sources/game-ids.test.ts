import { catchError } from '@pipewell/core/testing';
import { isPermanentError } from '@pipewell/retry';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GameKeyError, UnknownTeamError } from './errors.js';
import {
  canonicalTeam,
  easternDate,
  findTeam,
  formatGameKey,
  gameKeyFromBalldontlieGame,
  gameKeyFromEspnEvent,
  gameKeyFromNbaGameCode,
  gameKeyFromNbaGameId,
  gameKeyFromOddsEvent,
  isGameKey,
  parseGameKey,
  parseNbaGameId,
  TEAMS,
  type TeamCodes,
  type TeamSource,
  TRICODES,
  type Tricode,
} from './game-ids.js';

describe('team table', () => {
  it('has the 30 teams, each once, with a distinct code per source', () => {
    expect(TEAMS.map((t) => t.tricode)).toEqual([...TRICODES]);
    const picks: ((team: TeamCodes) => string | number)[] = [
      (t) => t.nbaTeamId,
      (t) => t.espn,
      (t) => t.espnId,
      (t) => t.balldontlieId,
      (t) => t.names[0],
    ];
    for (const pick of picks) expect(new Set(TEAMS.map((t) => pick(t))).size).toBe(30);
  });

  it('maps every code of every source back to its tricode', () => {
    for (const team of TEAMS) {
      const codes: [string | number, TeamSource][] = [
        [team.tricode, 'nbacom'],
        [team.nbaTeamId, 'nbacom-id'],
        [team.espn, 'espn'],
        [team.espnId, 'espn-id'],
        [team.balldontlie, 'balldontlie'],
        [team.balldontlieId, 'balldontlie-id'],
        ...team.names.map((name): [string, TeamSource] => [name, 'odds-api']),
      ];
      for (const [code, source] of codes) expect(canonicalTeam(code, source)).toBe(team.tricode);
    }
  });

  it.each([
    ['GS', 'GSW'],
    ['NY', 'NYK'],
    ['NO', 'NOP'],
    ['SA', 'SAS'],
    ['UTAH', 'UTA'],
    ['WSH', 'WAS'],
    ['BKN', 'BKN'],
    ['PHX', 'PHX'],
  ])('reads ESPN %s as %s', (espn, tricode) => {
    expect(canonicalTeam(espn, 'espn')).toBe(tricode);
  });

  it('reads numeric ids given as numbers or strings', () => {
    expect(canonicalTeam(10, 'balldontlie-id')).toBe('GSW');
    expect(canonicalTeam('10', 'balldontlie-id')).toBe('GSW');
    expect(canonicalTeam(1610612744, 'nbacom-id')).toBe('GSW');
    expect(canonicalTeam('9', 'espn-id')).toBe('GSW');
  });

  it('reads both spellings of the Clippers', () => {
    expect(canonicalTeam('Los Angeles Clippers', 'odds-api')).toBe('LAC');
    expect(canonicalTeam('LA Clippers', 'odds-api')).toBe('LAC');
    expect(canonicalTeam('Golden State Warriors', 'odds-api')).toBe('GSW');
  });

  it('refuses a code of another source, naming the code and the source', async () => {
    const error = await catchError(() => canonicalTeam('GS', 'nbacom'), UnknownTeamError);
    expect(error.message).toBe('unknown team "GS" for source "nbacom"');
    expect(error.teamCode).toBe('GS');
    expect(error.source).toBe('nbacom');
    expect(isPermanentError(error)).toBe(true);
    expect(() => canonicalTeam('UTA', 'espn')).toThrow('unknown team "UTA" for source "espn"');
    expect(findTeam('MEL', 'nbacom')).toBeUndefined();
  });
});

describe('game keys', () => {
  it('formats and parses YYYYMMDD_AWAY_HOME', () => {
    expect(formatGameKey({ date: '2026-01-24', away: 'BOS', home: 'CHI' })).toBe(
      '20260124_BOS_CHI',
    );
    expect(parseGameKey('20260124_BOS_CHI')).toEqual({
      date: '2026-01-24',
      away: 'BOS',
      home: 'CHI',
    });
  });

  it('round-trips any real date and pair of teams', () => {
    const tricode = fc.constantFrom(...TRICODES);
    const day = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 11, 31) });
    fc.assert(
      fc.property(day, tricode, tricode, (ms, away, home) => {
        fc.pre(away !== home);
        const parts = { date: new Date(ms).toISOString().slice(0, 10), away, home };
        expect(parseGameKey(formatGameKey(parts))).toEqual(parts);
      }),
    );
  });

  it.each([
    '2026-01-24_BOS_CHI',
    '20260124-BOS-CHI',
    '20260124_bos_chi',
    '20260124_BOS_XXX',
    '20260230_BOS_CHI',
    '20260124_BOS_BOS',
    '20260124_BOS_CHI ',
  ])('refuses the malformed key %j', async (key) => {
    expect(isGameKey(key)).toBe(false);
    expect((await catchError(() => parseGameKey(key), GameKeyError)).value).toBe(key);
  });

  it('refuses to format an impossible date, a non-tricode or a team against itself', () => {
    expect(() => formatGameKey({ date: '2026-02-29', away: 'BOS', home: 'CHI' })).toThrow(
      GameKeyError,
    );
    expect(() => formatGameKey({ date: '2026-01-24', away: 'GS' as Tricode, home: 'CHI' })).toThrow(
      UnknownTeamError,
    );
    expect(() => formatGameKey({ date: '2026-01-24', away: 'CHI', home: 'CHI' })).toThrow(
      'against itself',
    );
  });
});

describe('NBA.com ids', () => {
  it('builds a key from a game code', () => {
    expect(gameKeyFromNbaGameCode('20260124/BOSCHI')).toBe('20260124_BOS_CHI');
  });

  it('refuses a malformed game code and a guest club', () => {
    expect(() => gameKeyFromNbaGameCode('20260124BOSCHI')).toThrow(GameKeyError);
    expect(() => gameKeyFromNbaGameCode('20260132/BOSCHI')).toThrow(GameKeyError);
    expect(() => gameKeyFromNbaGameCode('20251003/MELNOP')).toThrow(
      'unknown team "MEL" for source "nbacom"',
    );
  });

  it.each([
    ['0022500647', 'regular', 2025, 647],
    ['0012500008', 'preseason', 2025, 8],
    ['0032400001', 'all-star', 2024, 1],
    ['0042400101', 'playoffs', 2024, 101],
    ['0052400111', 'play-in', 2024, 111],
    ['0062500001', 'cup-final', 2025, 1],
    ['0029900001', 'regular', 1999, 1],
  ])('reads game id %s', (id, seasonType, seasonStartYear, sequence) => {
    expect(parseNbaGameId(id)).toEqual({ seasonType, seasonStartYear, sequence });
  });

  it.each(['22500647', '0072500001', '0022500647 ', '1022500647'])('refuses game id %j', (id) => {
    expect(() => parseNbaGameId(id)).toThrow(GameKeyError);
  });

  it('builds a key from a game id and its schedule row, and refuses another game’s row', () => {
    const row = { game_id: '0022500647', game_code: '20260124/BOSCHI' };
    expect(gameKeyFromNbaGameId('0022500647', row)).toBe('20260124_BOS_CHI');
    expect(() => gameKeyFromNbaGameId('0022500648', row)).toThrow(
      'schedule row for game 0022500647 was given for game 0022500648',
    );
  });
});

describe('balldontlie games', () => {
  it('builds a key from nested teams, from team ids, and from the older midnight-UTC date', () => {
    const nested = {
      date: '2025-02-20',
      visitor_team: { abbreviation: 'CHA' },
      home_team: { abbreviation: 'DEN' },
    };
    expect(gameKeyFromBalldontlieGame(nested)).toBe('20250220_CHA_DEN');
    expect(
      gameKeyFromBalldontlieGame({ date: '2025-02-20', visitor_team_id: 4, home_team_id: 8 }),
    ).toBe('20250220_CHA_DEN');
    expect(gameKeyFromBalldontlieGame({ ...nested, date: '2025-02-20T00:00:00.000Z' })).toBe(
      '20250220_CHA_DEN',
    );
  });

  it('refuses a date with a time of day, which would not be the Eastern date', () => {
    expect(() =>
      gameKeyFromBalldontlieGame({
        date: '2025-02-21T02:00:00.000Z',
        visitor_team_id: 4,
        home_team_id: 8,
      }),
    ).toThrow(GameKeyError);
  });
});

describe('Eastern dates', () => {
  it.each([
    // Winter (EST, UTC-5): a 00:30Z tip-off is the previous evening.
    ['2024-01-16T00:30:00Z', '2024-01-15'],
    ['2024-01-16T04:59:59Z', '2024-01-15'],
    ['2024-01-16T05:00:00Z', '2024-01-16'],
    // Summer (EDT, UTC-4).
    ['2025-06-23T00:30:00Z', '2025-06-22'],
    ['2025-06-23T03:59:59Z', '2025-06-22'],
    ['2025-06-23T04:00:00Z', '2025-06-23'],
    // Spring forward, 2024-03-10: midnight is 05:00Z before and 04:00Z after.
    ['2024-03-10T04:59:59Z', '2024-03-09'],
    ['2024-03-10T05:00:00Z', '2024-03-10'],
    ['2024-03-11T03:59:59Z', '2024-03-10'],
    ['2024-03-11T04:00:00Z', '2024-03-11'],
    // Fall back, 2024-11-03: midnight is 04:00Z before and 05:00Z after.
    ['2024-11-03T03:59:59Z', '2024-11-02'],
    ['2024-11-03T04:00:00Z', '2024-11-03'],
    ['2024-11-04T04:30:00Z', '2024-11-03'],
    ['2024-11-04T05:00:00Z', '2024-11-04'],
    // ESPN writes no seconds; offsets other than Z are honoured.
    ['2024-01-16T00:30Z', '2024-01-15'],
    ['2024-01-15T19:30:00-05:00', '2024-01-15'],
    ['2024-01-16T01:30:00+01:00', '2024-01-15'],
  ])('%s is on %s in New York', (instant, date) => {
    expect(easternDate(instant)).toBe(date);
  });

  it('refuses an instant without a zone, which Date would read as local time', () => {
    expect(() => easternDate('2024-01-16T00:30:00')).toThrow(GameKeyError);
    expect(() => easternDate('2024-01-16')).toThrow(GameKeyError);
  });
});

describe('Odds API events', () => {
  it('keys an evening game that starts after midnight UTC to the previous day', () => {
    expect(
      gameKeyFromOddsEvent({
        commence_time: '2024-02-23T00:30:00Z',
        away_team: 'Orlando Magic',
        home_team: 'Cleveland Cavaliers',
      }),
    ).toBe('20240222_ORL_CLE');
    expect(
      gameKeyFromOddsEvent({
        commence_time: '2024-02-23T00:30:00Z',
        away_team: 'LA Clippers',
        home_team: 'Golden State Warriors',
      }),
    ).toBe('20240222_LAC_GSW');
  });

  it('keys an afternoon game to its own day', () => {
    expect(
      gameKeyFromOddsEvent({
        commence_time: '2024-02-23T20:00:00Z',
        away_team: 'Orlando Magic',
        home_team: 'Cleveland Cavaliers',
      }),
    ).toBe('20240223_ORL_CLE');
  });
});

describe('ESPN events', () => {
  const event = {
    date: '2024-01-16T00:30Z',
    competitions: [
      {
        competitors: [
          { homeAway: 'home', team: { abbreviation: 'BKN' } },
          { homeAway: 'away', team: { abbreviation: 'GS' } },
        ],
      },
    ],
  };

  it('keys by the Eastern date and canonical codes, whatever the competitor order', () => {
    expect(gameKeyFromEspnEvent(event)).toBe('20240115_GSW_BKN');
  });

  it('refuses an event without an away competitor', () => {
    const competitors = [{ homeAway: 'home', team: { abbreviation: 'BKN' } }];
    expect(() => gameKeyFromEspnEvent({ ...event, competitions: [{ competitors }] })).toThrow(
      GameKeyError,
    );
  });
});
