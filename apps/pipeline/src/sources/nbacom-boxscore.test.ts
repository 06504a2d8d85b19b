import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { SourceParseError } from './errors.js';
import {
  parseNbaBoxScoreV2,
  parseNbaBoxScoreV3,
  parseNbaLeagueGameLog,
  parseNbaLiveBoxScore,
} from './nbacom-boxscore.js';

const liveStats = (minutes: string, points: number) => ({
  minutes,
  minutesCalculated: 'PT07M',
  points,
  reboundsTotal: 1,
  assists: 2,
  threePointersMade: 0,
  steals: 0,
  blocks: 0,
  turnovers: 1,
});

function live(players: unknown[]) {
  return {
    meta: {},
    game: {
      gameId: '0022000001',
      gameCode: '20201222/GSWBKN',
      gameTimeUTC: '2020-12-23T00:00:00Z',
      awayTeam: { teamTricode: 'GSW', teamId: 1610612744, players },
      homeTeam: { teamTricode: 'BKN', teamId: 1610612751, players: [] },
    },
  };
}

describe('parseNbaLiveBoxScore', () => {
  it('reads ISO durations, string flags, and inactive players with their reasons', () => {
    const rows = parseNbaLiveBoxScore(
      live([
        {
          personId: 1,
          name: 'A One',
          starter: '1',
          played: '1',
          status: 'ACTIVE',
          statistics: liveStats('PT06M36.00S', 8),
        },
        {
          personId: 2,
          name: 'B Two',
          starter: '0',
          played: '0',
          status: 'INACTIVE',
          notPlayingReason: 'INACTIVE_INJURY',
          notPlayingDescription: 'Left Knee; Contusion ',
          statistics: liveStats('PT00M00.00S', 0),
        },
        // No description: the reason code stands in.
        {
          personId: 3,
          name: 'C Three',
          starter: '0',
          played: '0',
          notPlayingReason: 'INACTIVE_COACH',
          statistics: liveStats('PT00M00.00S', 0),
        },
      ]),
    );
    expect(
      rows.map((r) => [r.game_key, r.team, r.starter, r.played, r.minutes, r.dnp_reason]),
    ).toEqual([
      ['20201222_GSW_BKN', 'GSW', true, true, 6.6, null],
      ['20201222_GSW_BKN', 'GSW', false, false, 0, 'Left Knee; Contusion'],
      ['20201222_GSW_BKN', 'GSW', false, false, 0, 'INACTIVE_COACH'],
    ]);
    expect(rows[0]).toMatchObject({
      game_id: '0022000001',
      nba_player_id: 1,
      points: 8,
      assists: 2,
    });
  });

  it('fails on an unreadable duration, naming its path', async () => {
    const json = live([{ personId: 1, name: 'A', statistics: liveStats('6 min', 8) }]);
    const error = await catchError(() => parseNbaLiveBoxScore(json), SourceParseError);
    expect(error.message).toContain(
      'nbacom liveData/boxscore: game.awayTeam.players[0].statistics.minutes: unreadable minutes "6 min"',
    );
  });

  it('fails on a malformed game code', async () => {
    const json = { game: { ...live([]).game, gameCode: '20201222-GSWBKN' } };
    const error = await catchError(() => parseNbaLiveBoxScore(json), SourceParseError);
    expect(error.message).toContain('game.gameCode: NBA.com game code "20201222-GSWBKN"');
  });
});

const v3Stats = (minutes: string, points: number) => ({
  minutes,
  points,
  reboundsTotal: 3,
  assists: 1,
  threePointersMade: 1,
  steals: 0,
  blocks: 0,
  turnovers: 0,
  plusMinusPoints: 0,
});

describe('parseNbaBoxScoreV3', () => {
  it('reads "MM:SS" minutes, "" for DNP, and starters by position', () => {
    const json = {
      meta: {},
      boxScoreTraditional: {
        gameId: '0022200552',
        awayTeam: {
          teamTricode: 'CHI',
          players: [
            {
              personId: 1,
              firstName: 'A',
              familyName: 'One',
              position: 'F',
              comment: '',
              jerseyNum: '',
              statistics: v3Stats('45:55', 44),
            },
            {
              personId: 2,
              firstName: 'B',
              familyName: 'Two',
              position: '',
              comment: '',
              statistics: v3Stats('6:48', 6),
            },
            {
              personId: 3,
              firstName: 'C',
              familyName: 'Three',
              position: '',
              comment: "DNP - Coach's Decision",
              statistics: v3Stats('', 0),
            },
          ],
        },
        homeTeam: { teamTricode: 'CLE', players: [] },
      },
    };
    const rows = parseNbaBoxScoreV3(json);
    expect(rows.map((r) => [r.player_name, r.starter, r.played, r.minutes, r.dnp_reason])).toEqual([
      ['A One', true, true, 45 + 55 / 60, null],
      ['B Two', false, true, 6.8, null],
      ['C Three', false, false, 0, "DNP - Coach's Decision"],
    ]);
    expect(rows.every((r) => r.game_key === null && r.game_id === '0022200552')).toBe(true);
  });

  it('fails on an unknown tricode', async () => {
    const json = {
      boxScoreTraditional: {
        gameId: '0022200552',
        awayTeam: { teamTricode: 'CHA ', players: [] },
        homeTeam: { teamTricode: 'CLE', players: [] },
      },
    };
    const error = await catchError(() => parseNbaBoxScoreV3(json), SourceParseError);
    expect(error.message).toBe(
      'nbacom boxscoretraditionalv3: boxScoreTraditional.awayTeam.teamTricode: unknown team "CHA " for source "nbacom"',
    );
  });
});

const v2Headers = [
  'GAME_ID',
  'TEAM_ID',
  'TEAM_ABBREVIATION',
  'PLAYER_ID',
  'PLAYER_NAME',
  'START_POSITION',
  'COMMENT',
  'MIN',
  'FG3M',
  'REB',
  'AST',
  'STL',
  'BLK',
  'TO',
  'PTS',
];

describe('parseNbaBoxScoreV2', () => {
  it('reads "MM:SS" minutes, and null minutes with a DNP comment', () => {
    const json = {
      resultSets: [
        {
          name: 'PlayerStats',
          headers: v2Headers,
          rowSet: [
            ['0022200552', 1610612741, 'CHI', 1, 'A One', 'F', '', '45:55', 2, 3, 4, 4, 1, 1, 44],
            [
              '0022200552',
              1610612741,
              'CHI',
              2,
              'B Two',
              '',
              'DNP - Injury/Illness',
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
            ],
          ],
        },
        { name: 'TeamStats', headers: ['GAME_ID'], rowSet: [['0022200552']] },
      ],
    };
    const rows = parseNbaBoxScoreV2(json);
    expect(
      rows.map((r) => [r.team, r.starter, r.played, r.minutes, r.points, r.dnp_reason]),
    ).toEqual([
      ['CHI', true, true, 45 + 55 / 60, 44, null],
      ['CHI', false, false, 0, 0, 'DNP - Injury/Illness'],
    ]);
  });

  it('fails without a PlayerStats result set', async () => {
    const json = { resultSets: [{ name: 'TeamStats', headers: [], rowSet: [] }] };
    const error = await catchError(() => parseNbaBoxScoreV2(json), SourceParseError);
    expect(error.message).toContain('nbacom boxscoretraditionalv2: resultSets.PlayerStats:');
  });
});

const logHeaders = [
  'SEASON_ID',
  'PLAYER_ID',
  'PLAYER_NAME',
  'TEAM_ID',
  'TEAM_ABBREVIATION',
  'GAME_ID',
  'GAME_DATE',
  'MATCHUP',
  'WL',
  'MIN',
  'FG3M',
  'REB',
  'AST',
  'STL',
  'BLK',
  'TOV',
  'PTS',
];

function gameLog(...rows: unknown[][]) {
  return { resultSets: [{ name: 'LeagueGameLog', headers: logHeaders, rowSet: rows }] };
}

describe('parseNbaLeagueGameLog', () => {
  it('keys rows by date and matchup, "vs." at home and "@" away, with integer minutes', () => {
    const rows = parseNbaLeagueGameLog(
      gameLog(
        [
          '22024',
          1,
          'A One',
          1610612744,
          'GSW',
          '0022400974',
          '2025-03-15',
          'GSW vs. NYK',
          'W',
          35,
          4,
          7,
          5,
          0,
          1,
          3,
          28,
        ],
        [
          '22024',
          2,
          'B Two',
          1610612752,
          'NYK',
          '0022400974',
          '2025-03-15',
          'NYK @ GSW',
          'L',
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
        ],
      ),
    );
    expect(rows.map((r) => [r.game_key, r.team, r.minutes, r.played])).toEqual([
      ['20250315_NYK_GSW', 'GSW', 35, true],
      ['20250315_NYK_GSW', 'NYK', 0, true],
    ]);
  });

  it('fails on a matchup that does not start with the row’s team', async () => {
    const row = [
      '22024',
      1,
      'A',
      1610612744,
      'GSW',
      '0022400974',
      '2025-03-15',
      'NYK @ GSW',
      'W',
      35,
      4,
      7,
      5,
      0,
      1,
      3,
      28,
    ];
    const error = await catchError(() => parseNbaLeagueGameLog(gameLog(row)), SourceParseError);
    expect(error.message).toContain(
      'resultSets.LeagueGameLog.rowSet[0].MATCHUP: matchup "NYK @ GSW"',
    );
  });

  it('fails on a matchup against an unknown team', async () => {
    const row = [
      '22024',
      1,
      'A',
      1610612744,
      'GSW',
      '0022400974',
      '2025-03-15',
      'GSW vs. SEA',
      'W',
      35,
      4,
      7,
      5,
      0,
      1,
      3,
      28,
    ];
    const error = await catchError(() => parseNbaLeagueGameLog(gameLog(row)), SourceParseError);
    expect(error.message).toContain('unknown NBA.com tricode "SEA" in matchup');
  });
});
