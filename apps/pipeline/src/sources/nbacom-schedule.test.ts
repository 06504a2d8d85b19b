import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { SourceParseError } from './errors.js';
import { parseNbaSchedule } from './nbacom-schedule.js';

interface TeamInput {
  teamId: number;
  teamTricode: string;
}

const BOS = { teamId: 1610612738, teamTricode: 'BOS' };
const CHI = { teamId: 1610612741, teamTricode: 'CHI' };
const NOP = { teamId: 1610612740, teamTricode: 'NOP' };

function game(gameId: string, gameCode: string, away: TeamInput, home: TeamInput, extra = {}) {
  return {
    gameId,
    gameCode,
    gameStatus: 1,
    gameStatusText: '8:00 pm ET',
    gameDateTimeUTC: '2026-01-25T01:00:00Z',
    // Eastern wall time marked Z, as NBA.com serves it: not a UTC instant.
    gameDateTimeEst: '2026-01-24T20:00:00Z',
    isNeutral: false,
    gameLabel: '',
    broadcasters: { nationalTvBroadcasters: [] },
    awayTeam: { ...away, teamName: 'x', wins: 0 },
    homeTeam: { ...home, teamName: 'y', losses: 0 },
    ...extra,
  };
}

function schedule(...games: unknown[]) {
  return {
    meta: { version: 1 },
    leagueSchedule: {
      seasonYear: '2025-26',
      leagueId: '00',
      gameDates: [{ gameDate: '01/24/2026 00:00:00', games }],
      weeks: [],
    },
  };
}

describe('parseNbaSchedule', () => {
  it('turns a regular-season game into a canonical row', () => {
    const { rows, skipped } = parseNbaSchedule(
      schedule(game('0022500647', '20260124/BOSCHI', BOS, CHI)),
    );
    expect(skipped).toEqual([]);
    expect(rows).toEqual([
      {
        game_id: '0022500647',
        game_code: '20260124/BOSCHI',
        game_key: '20260124_BOS_CHI',
        game_date: '2026-01-24',
        start_time_utc: '2026-01-25T01:00:00.000Z',
        home_team: 'CHI',
        home_team_id: 1610612741,
        away_team: 'BOS',
        away_team_id: 1610612738,
        status: 'scheduled',
        status_text: '8:00 pm ET',
        season_type: 'regular',
        is_regular_season: true,
        season: '2025-26',
        is_neutral: false,
        game_label: '',
      },
    ]);
  });

  it('dates a game by its Eastern game code, not by its UTC start', () => {
    const late = game('0022500648', '20260124/BOSCHI', BOS, CHI, {
      gameDateTimeUTC: '2026-01-25T03:30:00Z',
    });
    expect(parseNbaSchedule(schedule(late)).rows[0]?.game_date).toBe('2026-01-24');
  });

  it('keeps preseason games between NBA teams, flagged as not regular season', () => {
    const { rows } = parseNbaSchedule(
      schedule(game('0012500001', '20251003/BOSCHI', BOS, CHI, { isNeutral: true })),
    );
    expect(rows[0]).toMatchObject({
      season_type: 'preseason',
      is_regular_season: false,
      is_neutral: true,
    });
  });

  it('skips preseason games against guest clubs and All-Star games, saying why', () => {
    const guest = game('0012500009', '20251003/MELNOP', { teamId: 15016, teamTricode: 'MEL' }, NOP);
    const allStar = game(
      '0032500001',
      '20260215/LBNGNS',
      { teamId: 1610616833, teamTricode: 'LBN' },
      { teamId: 1610616834, teamTricode: 'GNS' },
    );
    const { rows, skipped } = parseNbaSchedule(schedule(guest, allStar));
    expect(rows).toEqual([]);
    expect(skipped).toEqual([
      {
        game_id: '0012500009',
        game_code: '20251003/MELNOP',
        reason: 'preseason game with non-NBA team MEL',
      },
      {
        game_id: '0032500001',
        game_code: '20260215/LBNGNS',
        reason: 'all-star game with non-NBA team LBN',
      },
    ]);
  });

  it('skips playoff games whose teams are not yet known', () => {
    const tbd = { teamId: 0, teamTricode: '' };
    const { rows, skipped } = parseNbaSchedule(schedule(game('0042500101', '20260418/', tbd, tbd)));
    expect(rows).toEqual([]);
    expect(skipped[0]?.reason).toBe('teams not yet known');
  });

  it('fails on an unknown team in a regular-season game, naming its path', async () => {
    const error = await catchError(
      () =>
        parseNbaSchedule(
          schedule(
            game('0022500647', '20260124/BOSCHI', BOS, CHI),
            game('0022500648', '20260124/BOSXXX', BOS, { teamId: 1, teamTricode: 'XXX' }),
          ),
        ),
      SourceParseError,
    );
    expect(error.message).toBe(
      'nbacom scheduleLeagueV2: leagueSchedule.gameDates[0].games[1].homeTeam.teamTricode: unknown NBA.com tricode "XXX"',
    );
  });

  it('fails when a team does not match the game code, or its id is another team’s', async () => {
    const swapped = game('0022500647', '20260124/BOSCHI', CHI, BOS);
    expect(
      (await catchError(() => parseNbaSchedule(schedule(swapped)), SourceParseError)).message,
    ).toContain('awayTeam.teamTricode: away team CHI does not match game code 20260124/BOSCHI');
    const wrongId = game('0022500647', '20260124/BOSCHI', { ...BOS, teamId: 1610612741 }, CHI);
    expect(
      (await catchError(() => parseNbaSchedule(schedule(wrongId)), SourceParseError)).message,
    ).toContain("away team id 1610612741 is not BOS's (1610612738)");
  });

  it('fails on a game of a team against itself', async () => {
    const self = game('0022500647', '20260124/BOSBOS', BOS, BOS);
    const error = await catchError(() => parseNbaSchedule(schedule(self)), SourceParseError);
    expect(error.message).toContain('games[0].gameCode: a game of BOS against itself');
  });

  it('fails on a malformed game id, game code, status or start time', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ gameId: '22500647' }, 'games[0].gameId: NBA.com game id "22500647"'],
      [{ gameCode: '2026-01-24/BOSCHI' }, 'games[0].gameCode: NBA.com game code'],
      [{ gameStatus: 7 }, 'games[0].gameStatus: unknown game status 7'],
      [{ gameDateTimeUTC: '2026-01-25 01:00' }, 'games[0].gameDateTimeUTC:'],
    ];
    for (const [extra, message] of cases) {
      const bad = game('0022500647', '20260124/BOSCHI', BOS, CHI, extra);
      const error = await catchError(() => parseNbaSchedule(schedule(bad)), SourceParseError);
      expect(error.message).toContain(message);
    }
  });

  it('maps the three statuses', () => {
    const rows = parseNbaSchedule(
      schedule(
        ...[1, 2, 3].map((gameStatus, i) =>
          game(`002250064${i}`, '20260124/BOSCHI', BOS, CHI, { gameStatus }),
        ),
      ),
    ).rows;
    expect(rows.map((r) => r.status)).toEqual(['scheduled', 'in_progress', 'final']);
  });
});
