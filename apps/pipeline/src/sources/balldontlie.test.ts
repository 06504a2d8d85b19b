import { catchError } from '@pipewell/core/testing';
import { isPermanentError } from '@pipewell/retry';
import { describe, expect, it } from 'vitest';
import {
  balldontlieNextCursor,
  parseBalldontlieBoxScores,
  parseBalldontlieGame,
  parseBalldontlieGames,
  parseBalldontliePlayers,
  parseBalldontlieStats,
} from './balldontlie.js';
import { SourceParseError } from './errors.js';

const OKC = {
  id: 21,
  conference: 'West',
  city: 'Oklahoma City',
  full_name: 'Oklahoma City Thunder',
  abbreviation: 'OKC',
};
const IND = {
  id: 12,
  conference: 'East',
  city: 'Indiana',
  full_name: 'Indiana Pacers',
  abbreviation: 'IND',
};

const game = {
  id: 101,
  date: '2025-06-22',
  season: 2024,
  status: 'Final',
  period: 4,
  time: 'Final',
  postseason: true,
  home_team_score: 103,
  visitor_team_score: 91,
  datetime: '2025-06-23T00:00:00.000Z',
  home_team: OKC,
  visitor_team: IND,
};

const counts = {
  fgm: 7,
  fga: 20,
  fg_pct: 0.35,
  fg3m: 2,
  fg3a: 7,
  fg3_pct: null,
  ftm: 4,
  fta: 6,
  oreb: 1,
  dreb: 4,
  reb: 5,
  ast: 4,
  stl: 2,
  blk: 0,
  turnover: 1,
  pf: 4,
  pts: 20,
};

function stat(id: number, min: unknown, extra: Record<string, unknown> = {}) {
  return {
    id,
    min,
    ...counts,
    player: {
      id: 1000 + id,
      first_name: 'P',
      last_name: `Number ${id}`,
      position: 'G-F',
      team_id: 21,
      draft_year: null,
    },
    team: OKC,
    game: { id: 101, date: '2025-06-22', season: 2024, home_team_id: 21, visitor_team_id: 12 },
    ...extra,
  };
}

describe('parseBalldontlieGames', () => {
  it('turns each game into a canonical row', () => {
    const rows = parseBalldontlieGames({ data: [game], meta: { per_page: 100 } });
    expect(rows).toEqual([
      {
        bdl_game_id: 101,
        game_key: '20250622_IND_OKC',
        game_date: '2025-06-22',
        start_time_utc: '2025-06-23T00:00:00.000Z',
        season: 2024,
        postseason: true,
        status: 'Final',
        is_final: true,
        period: 4,
        home_team: 'OKC',
        away_team: 'IND',
        home_score: 103,
        away_score: 91,
      },
    ]);
  });

  it('reads a scheduled game, whose status is its start time and datetime may be null', () => {
    const scheduled = { ...game, status: '2026-01-10T00:00:00Z', period: 0, datetime: null };
    expect(parseBalldontlieGames({ data: [scheduled] })[0]).toMatchObject({
      is_final: false,
      start_time_utc: null,
      period: 0,
    });
  });

  it('fails on an unknown team, naming its path', async () => {
    const bad = { ...game, home_team: { ...OKC, abbreviation: 'SEA' } };
    const error = await catchError(
      () => parseBalldontlieGames({ data: [game, bad] }),
      SourceParseError,
    );
    expect(error.message).toBe(
      'balldontlie /v1/games: data[1].home_team.abbreviation: unknown team "SEA" for source "balldontlie"',
    );
  });

  it('reads a single game, which has no meta', () => {
    expect(parseBalldontlieGame({ data: game }).game_key).toBe('20250622_IND_OKC');
  });
});

describe('parseBalldontlieStats', () => {
  it('gives one row per player per game, keyed from the nested game’s team ids', () => {
    const rows = parseBalldontlieStats({ data: [stat(1, '38')], meta: { per_page: 100 } });
    expect(rows).toEqual([
      {
        bdl_stat_id: 1,
        bdl_game_id: 101,
        game_key: '20250622_IND_OKC',
        game_date: '2025-06-22',
        bdl_player_id: 1001,
        player_name: 'P Number 1',
        position: 'G-F',
        team: 'OKC',
        opponent: 'IND',
        is_home: true,
        played: true,
        minutes: 38,
        points: 20,
        rebounds: 5,
        offensive_rebounds: 1,
        defensive_rebounds: 4,
        assists: 4,
        steals: 2,
        blocks: 0,
        turnovers: 1,
        personal_fouls: 4,
        field_goals_made: 7,
        field_goals_attempted: 20,
        threes_made: 2,
        threes_attempted: 7,
        free_throws_made: 4,
        free_throws_attempted: 6,
        plus_minus: null,
      },
    ]);
  });

  it.each([
    ['38', true, 38],
    ['05', true, 5],
    ['38:12', true, 38.2],
    ['PT38M12.00S', true, 38.2],
    ['00', false, 0],
    ['0', false, 0],
    ['', false, 0],
    [null, false, 0],
  ])('reads min %j as played=%s, %d minutes', (min, played, minutes) => {
    const [row] = parseBalldontlieStats({ data: [stat(1, min)] });
    expect(row?.played).toBe(played);
    expect(row?.minutes).toBeCloseTo(minutes, 10);
  });

  it('counts null stats of a player who did not play as 0', () => {
    const nulls = Object.fromEntries(Object.keys(counts).map((key) => [key, null]));
    const [row] = parseBalldontlieStats({ data: [stat(1, null, nulls)] });
    expect(row).toMatchObject({ played: false, minutes: 0, points: 0, rebounds: 0, assists: 0 });
  });

  it('marks a visiting player away, against the home team', () => {
    const [row] = parseBalldontlieStats({ data: [stat(1, '30', { team: IND })] });
    expect(row).toMatchObject({ team: 'IND', opponent: 'OKC', is_home: false });
  });

  it('fails on a player whose team did not play in the game', async () => {
    const data = [stat(1, '30', { team: { ...OKC, id: 2, abbreviation: 'BOS' } })];
    const error = await catchError(() => parseBalldontlieStats({ data }), SourceParseError);
    expect(error.message).toBe(
      'balldontlie /v1/stats: data[0].team: BOS did not play in 20250622_IND_OKC',
    );
  });

  it('names the path of a bad field and is permanent, so it is dead-lettered', async () => {
    const data = [stat(1, '38'), stat(2, '38'), stat(3, '38'), stat(4, '38', { pts: '20' })];
    const error = await catchError(() => parseBalldontlieStats({ data }), SourceParseError);
    expect(error.message).toBe(
      'balldontlie /v1/stats: data[3].pts: Invalid input: expected number, received string',
    );
    expect(isPermanentError(error)).toBe(true);
  });

  it('names an unreadable minutes value', async () => {
    const error = await catchError(
      () => parseBalldontlieStats({ data: [stat(1, 'DNP')] }),
      SourceParseError,
    );
    expect(error.message).toContain('balldontlie /v1/stats: data[0].min: unreadable minutes "DNP"');
  });

  it('fails on an unknown team id in the nested game', async () => {
    const data = [
      stat(1, '30', {
        game: { id: 101, date: '2025-06-22', home_team_id: 21, visitor_team_id: 37 },
      }),
    ];
    const error = await catchError(() => parseBalldontlieStats({ data }), SourceParseError);
    expect(error.message).toBe(
      'balldontlie /v1/stats: data[0].game: unknown team 37 for source "balldontlie-id"',
    );
  });
});

function boxTeam(team: typeof OKC, players: unknown[]) {
  return { ...team, players };
}

const boxLine = (id: number, min: string, extra = {}) => ({
  min,
  ...counts,
  player: { id, first_name: 'P', last_name: String(id), position: 'G' },
  ...extra,
});

describe('parseBalldontlieBoxScores', () => {
  it('reads the older shape, which has no game id', () => {
    const rows = parseBalldontlieBoxScores({
      data: [
        {
          date: '2024-01-15',
          season: 2023,
          status: 'Final',
          period: 4,
          home_team_score: 124,
          visitor_team_score: 115,
          home_team: boxTeam(OKC, [boxLine(1, '28')]),
          visitor_team: boxTeam(IND, [boxLine(2, '00')]),
        },
      ],
    });
    expect(
      rows.map((r) => [
        r.bdl_game_id,
        r.game_key,
        r.team,
        r.opponent,
        r.is_home,
        r.played,
        r.minutes,
      ]),
    ).toEqual([
      [null, '20240115_IND_OKC', 'OKC', 'IND', true, true, 28],
      [null, '20240115_IND_OKC', 'IND', 'OKC', false, false, 0],
    ]);
  });

  it('reads the newer shape, with id, datetime, quarter scores and plus_minus', () => {
    const rows = parseBalldontlieBoxScores({
      data: [
        {
          id: 202,
          date: '2026-01-09',
          datetime: '2026-01-10T00:00:00.000Z',
          home_q1: 37,
          home_ot1: null,
          home_timeouts_remaining: 2,
          home_in_bonus: true,
          season: 2025,
          status: 'Final',
          period: 5,
          postseason: false,
          home_team_score: 125,
          visitor_team_score: 117,
          home_team: boxTeam(OKC, [boxLine(1, '37', { plus_minus: 17 })]),
          visitor_team: boxTeam(IND, [boxLine(2, '5', { plus_minus: -17 })]),
        },
      ],
    });
    expect(rows.map((r) => [r.bdl_game_id, r.game_key, r.minutes, r.plus_minus])).toEqual([
      [202, '20260109_IND_OKC', 37, 17],
      [202, '20260109_IND_OKC', 5, -17],
    ]);
  });

  it('reads an empty day as no rows', () => {
    expect(parseBalldontlieBoxScores({ data: [] })).toEqual([]);
  });

  it('fails without data', async () => {
    const error = await catchError(() => parseBalldontlieBoxScores({}), SourceParseError);
    expect(error.message).toBe(
      'balldontlie /v1/box_scores: data: Invalid input: expected array, received undefined',
    );
  });
});

describe('parseBalldontliePlayers', () => {
  it('gives one row per player, with or without a team', () => {
    const rows = parseBalldontliePlayers({
      data: [
        {
          id: 3,
          first_name: 'Steven',
          last_name: 'Adams',
          position: 'C',
          jersey_number: '12',
          draft_year: 2013,
          team: { id: 11, abbreviation: 'HOU' },
        },
        {
          id: 4,
          first_name: 'Free',
          last_name: 'Agent',
          position: '',
          jersey_number: null,
          team: null,
        },
      ],
      meta: { next_cursor: 4, per_page: 2 },
    });
    expect(rows).toEqual([
      {
        bdl_player_id: 3,
        player_name: 'Steven Adams',
        first_name: 'Steven',
        last_name: 'Adams',
        position: 'C',
        jersey: '12',
        team: 'HOU',
      },
      {
        bdl_player_id: 4,
        player_name: 'Free Agent',
        first_name: 'Free',
        last_name: 'Agent',
        position: '',
        jersey: null,
        team: null,
      },
    ]);
  });
});

describe('balldontlieNextCursor', () => {
  it('returns meta.next_cursor, and undefined on the last page where it is absent', () => {
    expect(balldontlieNextCursor({ data: [], meta: { next_cursor: 277, per_page: 100 } })).toBe(
      277,
    );
    expect(balldontlieNextCursor({ data: [], meta: { next_cursor: '277' } })).toBe(277);
    expect(balldontlieNextCursor({ data: [], meta: { per_page: 100 } })).toBeUndefined();
    expect(balldontlieNextCursor({ data: [], meta: { next_cursor: null } })).toBeUndefined();
    expect(balldontlieNextCursor({ data: [] })).toBeUndefined();
  });

  it('fails on a cursor that is not a whole number', async () => {
    const error = await catchError(
      () => balldontlieNextCursor({ data: [], meta: { next_cursor: 'abc' } }),
      SourceParseError,
    );
    expect(error.message).toContain('balldontlie meta: meta.next_cursor:');
  });
});
