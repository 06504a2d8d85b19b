import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { SourceParseError } from './errors.js';
import { parseNbaScoreboardV2, parseNbaScoreboardV3 } from './nbacom-scoreboard.js';

function v3Game(gameStatus: number, gameCode = '20251105/WASBOS', scores = [136, 107]) {
  return {
    gameId: '0022500174',
    gameCode,
    gameStatus,
    gameStatusText: gameStatus === 3 ? 'Final' : '7:30 pm ET',
    period: 4,
    gameTimeUTC: '2025-11-06T00:30:00Z',
    gameEt: '2025-11-05T19:30:00Z',
    awayTeam: { teamId: 1610612764, teamTricode: 'WAS', score: scores[0], periods: [] },
    homeTeam: { teamId: 1610612738, teamTricode: 'BOS', score: scores[1], periods: [] },
    gameLeaders: {},
  };
}

describe('parseNbaScoreboardV3', () => {
  it('turns each game into a row keyed by its game code', () => {
    const json = { meta: {}, scoreboard: { gameDate: '2025-11-05', games: [v3Game(3)] } };
    expect(parseNbaScoreboardV3(json)).toEqual({
      rows: [
        {
          game_id: '0022500174',
          game_code: '20251105/WASBOS',
          game_key: '20251105_WAS_BOS',
          game_date: '2025-11-05',
          home_team: 'BOS',
          away_team: 'WAS',
          status: 'final',
          status_text: 'Final',
          season_type: 'regular',
          start_time_utc: '2025-11-06T00:30:00.000Z',
          home_score: 107,
          away_score: 136,
        },
      ],
      skipped: [],
    });
  });

  it('has no scores before tip-off, where NBA.com shows 0-0', () => {
    const json = { scoreboard: { games: [v3Game(1, '20251105/WASBOS', [0, 0])] } };
    expect(parseNbaScoreboardV3(json).rows[0]).toMatchObject({
      home_score: null,
      away_score: null,
    });
  });

  it('names the path of a game whose code disagrees with its teams', async () => {
    const json = { scoreboard: { games: [v3Game(3, '20251105/BOSWAS')] } };
    const error = await catchError(() => parseNbaScoreboardV3(json), SourceParseError);
    expect(error.message).toBe(
      'nbacom scoreboardv3: scoreboard.games[0].awayTeam: away team WAS does not match game code 20251105/BOSWAS',
    );
  });

  it('is empty on a day without games', () => {
    expect(parseNbaScoreboardV3({ scoreboard: { games: [] } })).toEqual({ rows: [], skipped: [] });
  });
});

const headerHeaders = [
  'GAME_DATE_EST',
  'GAME_ID',
  'GAME_STATUS_ID',
  'GAME_STATUS_TEXT',
  'GAMECODE',
  'HOME_TEAM_ID',
  'VISITOR_TEAM_ID',
];

function v2(headerRows: unknown[][], lineRows: unknown[][] = []) {
  return {
    resource: 'scoreboardV2',
    parameters: {},
    resultSets: [
      { name: 'GameHeader', headers: headerHeaders, rowSet: headerRows },
      { name: 'LineScore', headers: ['GAME_ID', 'TEAM_ID', 'PTS'], rowSet: lineRows },
      { name: 'TicketLinks', headers: ['GAME_ID'], rowSet: [] },
    ],
  };
}

describe('parseNbaScoreboardV2', () => {
  const header = [
    '2025-01-15T00:00:00',
    '0022499001',
    3,
    'Final',
    '20250115/NYKPHI',
    1610612755,
    1610612752,
  ];

  it('reads headers and row arrays, and scores from LineScore', () => {
    const json = v2(
      [header],
      [
        ['0022499001', 1610612752, 111],
        ['0022499001', 1610612755, 104],
      ],
    );
    expect(parseNbaScoreboardV2(json).rows).toEqual([
      {
        game_id: '0022499001',
        game_code: '20250115/NYKPHI',
        game_key: '20250115_NYK_PHI',
        game_date: '2025-01-15',
        home_team: 'PHI',
        away_team: 'NYK',
        status: 'final',
        status_text: 'Final',
        season_type: 'regular',
        start_time_utc: null,
        home_score: 104,
        away_score: 111,
      },
    ]);
  });

  it('checks the team ids against the game code, naming the row and column', async () => {
    const swapped = [...header.slice(0, 5), 1610612752, 1610612755];
    const error = await catchError(
      () => parseNbaScoreboardV2(v2([header, swapped])),
      SourceParseError,
    );
    expect(error.message).toBe(
      "nbacom scoreboardV2: resultSets.GameHeader.rowSet[1].VISITOR_TEAM_ID: away team id 1610612755 is not NYK's (1610612752)",
    );
  });

  it('names the row and column of a cell of the wrong type', async () => {
    const bad = [...header.slice(0, 2), '3', ...header.slice(3)];
    const error = await catchError(() => parseNbaScoreboardV2(v2([bad])), SourceParseError);
    expect(error.message).toBe(
      'nbacom scoreboardV2: resultSets.GameHeader.rowSet[0].GAME_STATUS_ID: Invalid input: expected number, received string',
    );
  });
});
