import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { SourceParseError } from './errors.js';
import { parseEspnRoster, parseEspnScoreboard } from './espn.js';

const athletes = [
  {
    id: '3917376',
    fullName: 'Jaylen Brown',
    displayName: 'Jaylen Brown',
    weight: 223.0,
    height: 78.0,
    jersey: '7',
    position: { id: '2', abbreviation: 'SG', displayName: 'Shooting Guard' },
    status: { id: '1', name: 'Active', type: 'active' },
    injuries: [{ id: '1', status: 'Out', shortComment: 'knee' }],
  },
  { id: 12, displayName: 'No Frills', injuries: [] },
];

describe('parseEspnRoster', () => {
  it('reads team.athletes (?enable=roster) with string ids, canonical team and injury status', () => {
    const rows = parseEspnRoster({ team: { id: '9', abbreviation: 'GS', athletes } });
    expect(rows).toEqual([
      {
        team: 'GSW',
        espn_athlete_id: '3917376',
        player_name: 'Jaylen Brown',
        position: 'SG',
        jersey: '7',
        status: 'Active',
        injury_status: 'Out',
      },
      {
        team: 'GSW',
        espn_athlete_id: '12',
        player_name: 'No Frills',
        position: null,
        jersey: null,
        status: null,
        injury_status: null,
      },
    ]);
  });

  it('reads athletes beside the team (/teams/{id}/roster)', () => {
    const rows = parseEspnRoster({ timestamp: 'x', team: { abbreviation: 'UTAH' }, athletes });
    expect(rows.map((r) => [r.team, r.espn_athlete_id])).toEqual([
      ['UTA', '3917376'],
      ['UTA', '12'],
    ]);
  });

  it('fails without athletes, and on an NBA.com tricode where ESPN’s is expected', async () => {
    const none = await catchError(
      () => parseEspnRoster({ team: { abbreviation: 'GS' } }),
      SourceParseError,
    );
    expect(none.message).toBe('espn /teams/{id}/roster: no athletes in team.athletes or athletes');
    const tricode = await catchError(
      () => parseEspnRoster({ team: { abbreviation: 'GSW', athletes } }),
      SourceParseError,
    );
    expect(tricode.message).toBe(
      'espn /teams/{id}/roster: team.abbreviation: unknown team "GSW" for source "espn"',
    );
  });
});

function event(id: string, date: string, away: string, home: string, extra = {}) {
  return {
    id,
    date,
    season: { year: 2024, type: 2, slug: 'regular-season' },
    status: { type: { name: 'STATUS_FINAL', completed: true } },
    competitions: [
      {
        id,
        competitors: [
          { homeAway: 'home', team: { id: '1', abbreviation: home }, score: '124' },
          { homeAway: 'away', team: { id: '2', abbreviation: away }, score: '115' },
        ],
      },
    ],
    ...extra,
  };
}

describe('parseEspnScoreboard', () => {
  it('keys a late game by its Eastern date and reads string scores', () => {
    const { rows } = parseEspnScoreboard({
      leagues: [],
      events: [event('401585190', '2024-01-16T00:30Z', 'GS', 'NY')],
    });
    expect(rows).toEqual([
      {
        espn_event_id: '401585190',
        game_key: '20240115_GSW_NYK',
        game_date: '2024-01-15',
        start_time_utc: '2024-01-16T00:30:00.000Z',
        home_team: 'NYK',
        away_team: 'GSW',
        status: 'STATUS_FINAL',
        is_final: true,
        season_type: 'regular',
        home_score: 124,
        away_score: 115,
      },
    ]);
  });

  it('reads a day without games as no rows', () => {
    expect(parseEspnScoreboard({ leagues: [], events: [] })).toEqual({ rows: [], skipped: [] });
  });

  it('has no scores before tip-off', () => {
    const scheduled = event('1', '2024-01-16T00:30Z', 'SA', 'WSH', {
      status: { type: { name: 'STATUS_SCHEDULED', completed: false } },
    });
    for (const competitor of scheduled.competitions[0]?.competitors ?? []) {
      Object.assign(competitor, { score: '0' });
    }
    expect(parseEspnScoreboard({ events: [scheduled] }).rows[0]).toMatchObject({
      game_key: '20240115_SAS_WAS',
      is_final: false,
      home_score: null,
      away_score: null,
    });
  });

  it('skips an event with a non-NBA team (All-Star) and says why', () => {
    const { rows, skipped } = parseEspnScoreboard({
      events: [event('9', '2025-02-17T01:00Z', 'CHK', 'SHQ')],
    });
    expect(rows).toEqual([]);
    expect(skipped).toEqual([{ espn_event_id: '9', reason: 'non-NBA team CHK' }]);
  });

  it('fails on an event without an away side, or with a score that is not a count', async () => {
    const twoHomes = event('1', '2024-01-16T00:30Z', 'GS', 'NY');
    Object.assign(twoHomes.competitions[0]?.competitors[1] ?? {}, { homeAway: 'home' });
    const one = await catchError(
      () => parseEspnScoreboard({ events: [twoHomes] }),
      SourceParseError,
    );
    expect(one.message).toBe(
      'espn /scoreboard: events[0].competitions[0].competitors: expected one home and one away competitor',
    );
    const badScore = event('1', '2024-01-16T00:30Z', 'GS', 'NY');
    Object.assign(badScore.competitions[0]?.competitors[0] ?? {}, { score: '12a' });
    const two = await catchError(
      () => parseEspnScoreboard({ events: [badScore] }),
      SourceParseError,
    );
    expect(two.message).toBe(
      'espn /scoreboard: events[0].competitions[0].competitors[0].score: score "12a" is not a count',
    );
  });
});
