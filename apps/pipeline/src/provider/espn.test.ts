import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLeague } from '../league/generate.js';
import { isInjured } from '../league/rosters.js';
import { locateRealApiFixtures } from '../sources/real-fixtures-location.js';
import { type ProviderHandle, startProvider } from './server.js';

// The real recordings, read in place (never copied); these checks skip when they are absent.
const realApi = locateRealApiFixtures().dir ?? '(no real-api recordings found)';

const recording = `${realApi}/espn/team_2_enable_roster_bos.json`;
const league = generateLeague({ seed: 7 });
let provider: ProviderHandle;

interface Athlete {
  id: string;
  fullName: string;
  jersey: string;
  height: number;
  weight: number;
  position: { abbreviation: string; name: string };
  injuries: { status: string }[];
  [key: string]: unknown;
}
interface Roster {
  team: { id: string; abbreviation: string; displayName: string };
  athletes: Athlete[];
}

beforeAll(async () => {
  provider = await startProvider({ league });
});
afterAll(() => provider.close());

const roster = async (team: string) => {
  const res = await fetch(
    `${provider.urls.espn}/apis/site/v2/sports/basketball/nba/teams/${team}/roster`,
  );
  return { status: res.status, body: (await res.json()) as Roster };
};

describe('ESPN team roster', () => {
  it('lists the team’s players with string ids and jerseys, numeric height and weight, and a position object', async () => {
    const { status, body } = await roster('9');
    expect(status).toBe(200);
    expect(body.team).toMatchObject({
      id: '9',
      abbreviation: 'GS',
      displayName: 'Golden State Warriors',
    });
    const players = league.roster('GSW');
    expect(body.athletes.map((a) => a.id)).toEqual(players.map((p) => p.espnId));
    for (const [i, a] of body.athletes.entries()) {
      const p = players[i];
      expect(typeof a.id).toBe('string');
      expect(typeof a.jersey).toBe('string');
      expect(a.fullName).toBe(p?.fullName);
      expect(a.height).toBe(p?.heightInches);
      expect(a.weight).toBe(p?.weightLb);
      expect(a.position.abbreviation).toBe(p?.position);
    }
  });

  it('finds a team by ESPN abbreviation too, and answers 404 for an unknown team', async () => {
    expect((await roster('utah')).body.team.id).toBe('26');
    expect((await roster('UTA')).status).toBe(404);
    expect((await roster('99')).status).toBe(404);
  });

  it('reports players out on "today" under injuries[]', async () => {
    const out = league.players.find((p) => p.injuries.length > 0);
    const spell = out?.injuries[0];
    provider.setToday(spell?.from);
    const team = league.team(out?.team as string);
    const { body } = await roster(team.espnId);
    for (const a of body.athletes) {
      const p = league.players.find((x) => x.espnId === a.id);
      expect(a.injuries.length > 0).toBe(
        isInjured(p as NonNullable<typeof p>, spell?.from as string),
      );
    }
    expect(body.athletes.find((a) => a.id === out?.espnId)?.injuries[0]?.status).toBe('Out');
    provider.setToday(undefined);
  });

  it.skipIf(!existsSync(recording))(
    'uses the recorded athlete fields with the recorded types',
    async () => {
      const real = JSON.parse(readFileSync(recording, 'utf8')).team.athletes[0];
      const ours = (await roster('2')).body.athletes[0] as Athlete;
      for (const key of Object.keys(ours)) {
        expect(Object.keys(real), key).toContain(key);
        expect(typeof ours[key], key).toBe(typeof real[key]);
      }
      for (const key of [
        'id',
        'firstName',
        'lastName',
        'fullName',
        'jersey',
        'position',
        'height',
        'weight',
      ]) {
        expect(Object.keys(ours)).toContain(key);
      }
    },
  );
});
