import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NBA_TEAMS, teamByTricode } from './teams.js';

const recordings = '/work/shared/fixtures/real-api';

describe('NBA_TEAMS', () => {
  it('holds 30 teams with distinct ids and codes in every source', () => {
    expect(NBA_TEAMS).toHaveLength(30);
    for (const key of [
      'nbaId',
      'tricode',
      'espnId',
      'espnAbbreviation',
      'bdlId',
      'fullName',
      'slug',
    ] as const) {
      expect(new Set(NBA_TEAMS.map((t) => t[key])).size).toBe(30);
    }
    expect(NBA_TEAMS.map((t) => t.bdlId)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const team of NBA_TEAMS) {
      expect(team.nbaId).toBeGreaterThanOrEqual(1610612737);
      expect(team.nbaId).toBeLessThanOrEqual(1610612766);
      expect(team.espnId).toMatch(/^\d+$/);
    }
  });

  it('has 15 teams a conference and 5 a division', () => {
    expect(NBA_TEAMS.filter((t) => t.conference === 'East')).toHaveLength(15);
    const divisions = new Map<string, number>();
    for (const t of NBA_TEAMS) divisions.set(t.division, (divisions.get(t.division) ?? 0) + 1);
    expect([...divisions.values()]).toEqual([5, 5, 5, 5, 5, 5]);
    for (const t of NBA_TEAMS) {
      const east = ['Atlantic', 'Central', 'Southeast'].includes(t.division);
      expect(t.conference).toBe(east ? 'East' : 'West');
    }
  });

  it('gives ESPN its own code for exactly six teams', () => {
    const differing = NBA_TEAMS.filter((t) => t.espnAbbreviation !== t.tricode).map(
      (t) => `${t.tricode}:${t.espnAbbreviation}`,
    );
    expect(differing.sort()).toEqual([
      'GSW:GS',
      'NOP:NO',
      'NYK:NY',
      'SAS:SA',
      'UTA:UTAH',
      'WAS:WSH',
    ]);
  });

  it('finds a team by tricode and names an unknown one', () => {
    expect(teamByTricode('BOS')).toMatchObject({
      nbaId: 1610612738,
      espnId: '2',
      bdlId: 2,
      fullName: 'Boston Celtics',
    });
    expect(() => teamByTricode('XYZ')).toThrow(/"XYZ"/);
  });

  // The recordings live outside the repository; on a machine without them there is nothing to compare.
  it.skipIf(!existsSync(recordings))(
    'matches the ids and codes in the recorded API responses',
    () => {
      const read = (path: string) => JSON.parse(readFileSync(join(recordings, path), 'utf8'));
      const bdl = new Map<number, { abbreviation: string; city: string; full_name: string }>();
      for (const game of read('balldontlie/v1_games_2025-02-20.json').data) {
        bdl.set(game.home_team.id, game.home_team);
        bdl.set(game.visitor_team.id, game.visitor_team);
      }
      for (const row of read('balldontlie/v1_players_active_page1.json').data)
        bdl.set(row.team.id, row.team);
      expect(bdl.size).toBeGreaterThan(20);
      for (const [id, team] of bdl) {
        const ours = NBA_TEAMS.find((t) => t.bdlId === id);
        expect(ours?.tricode).toBe(team.abbreviation);
        expect(`${ours?.city} ${ours?.name}`).toBe(team.full_name);
      }
      const espn = read('espn/scoreboard_2024-01-15.json').events.flatMap(
        (e: {
          competitions: { competitors: { team: { id: string; abbreviation: string } }[] }[];
        }) => e.competitions.flatMap((c) => c.competitors.map((x) => x.team)),
      );
      expect(espn.length).toBeGreaterThan(20);
      for (const team of espn) {
        expect(NBA_TEAMS.find((t) => t.espnId === team.id)?.espnAbbreviation).toBe(
          team.abbreviation,
        );
      }
      const schedule = read('nbacom/cdn_scheduleLeagueV2_2025-26_as_of_2025-07-17.json');
      for (const day of schedule.leagueSchedule.gameDates) {
        for (const game of day.games) {
          for (const side of [game.homeTeam, game.awayTeam]) {
            const ours = NBA_TEAMS.find((t) => t.nbaId === side.teamId);
            if (ours === undefined) continue; // international preseason opponents
            expect(ours.tricode).toBe(side.teamTricode);
            expect(ours.slug).toBe(side.teamSlug);
          }
        }
      }
      const odds = read('oddsapi/historical_events_2025-03-09.json').data;
      for (const event of odds) {
        expect(NBA_TEAMS.map((t) => t.fullName)).toContain(event.home_team);
        expect(NBA_TEAMS.map((t) => t.fullName)).toContain(event.away_team);
      }
    },
  );
});
