import { addDays } from '../league/calendar.js';
import type { League } from '../league/generate.js';
import { hashSeed } from '../league/random.js';
import type { Player, Position } from '../league/rosters.js';
import type { Team } from '../league/teams.js';

const positions: Record<Position, { id: string; name: string }> = {
  PG: { id: '1', name: 'Point Guard' },
  SG: { id: '2', name: 'Shooting Guard' },
  SF: { id: '3', name: 'Small Forward' },
  PF: { id: '4', name: 'Power Forward' },
  C: { id: '5', name: 'Center' },
};

/** A stable GUID-looking string for a player, as ESPN gives each athlete. */
function guid(seed: number | string, player: Player): string {
  const hex = [0, 1, 2, 3]
    .map((i) => hashSeed(seed, 'espn-guid', player.espnId, i).toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function ageOn(birthDate: string, date: string): number {
  const years = Number(date.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return date.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function injuries(player: Player, today: string | undefined): unknown[] {
  if (today === undefined) return [];
  const spell = player.injuries.find((s) => today >= s.from && today <= s.to);
  if (spell === undefined) return [];
  return [
    {
      status: 'Out',
      date: `${spell.from}T18:00Z`,
      type: { id: '4', name: 'INJURY_STATUS_OUT', description: 'out', abbreviation: 'O' },
      details: {
        fantasyStatus: { description: 'OUT', abbreviation: 'OUT' },
        returnDate: addDays(spell.to, 1),
      },
    },
  ];
}

function athlete(league: League, player: Player, today: string | undefined): unknown {
  const position = positions[player.position];
  const asOf = today ?? league.startDate;
  return {
    id: player.espnId,
    uid: `s:40~l:46~a:${player.espnId}`,
    guid: guid(league.seed, player),
    alternateIds: { sdr: player.espnId },
    firstName: player.firstName,
    lastName: player.lastName,
    fullName: player.fullName,
    displayName: player.fullName,
    shortName: `${player.firstName.charAt(0)}. ${player.lastName}`,
    weight: player.weightLb,
    displayWeight: `${player.weightLb} lbs`,
    height: player.heightInches,
    displayHeight: `${Math.floor(player.heightInches / 12)}' ${player.heightInches % 12}"`,
    age: ageOn(player.birthDate, asOf),
    dateOfBirth: `${player.birthDate}T07:00Z`,
    debutYear: Number(league.startDate.slice(0, 4)) - player.experienceYears,
    birthPlace: { country: player.country },
    ...(player.college === null
      ? {}
      : { college: { name: player.college, shortName: player.college } }),
    slug: slug(player.fullName),
    headshot: {
      href: `https://a.espncdn.com/i/headshots/nba/players/full/${player.espnId}.png`,
      alt: player.fullName,
    },
    jersey: player.jersey,
    position: {
      id: position.id,
      name: position.name,
      displayName: position.name,
      abbreviation: player.position,
      leaf: true,
    },
    injuries: injuries(player, today),
    experience: { years: player.experienceYears },
    status: { id: '1', name: 'Active', type: 'active', abbreviation: 'Active' },
  };
}

/** The team an ESPN roster URL names: its ESPN id ('2') or abbreviation ('bos', 'gs'). */
export function espnTeam(league: League, idOrAbbreviation: string): Team | undefined {
  const key = idOrAbbreviation.toLowerCase();
  return league.teams.find((t) => t.espnId === key || t.espnAbbreviation.toLowerCase() === key);
}

/**
 * ESPN's team roster (`/apis/site/v2/sports/basketball/nba/teams/{id}/roster`): `team` and
 * `athletes[]`, with string ids and jerseys, float height and weight, `position` as an object,
 * and `injuries[]` for a player out on `today`.
 */
export function espnRoster(
  league: League,
  team: Team,
  today: string | undefined,
  nowMs: number,
): unknown {
  const endYear = Number(league.season.slice(0, 4)) + 1;
  return {
    timestamp: `${new Date(nowMs).toISOString().slice(0, 19)}Z`,
    status: 'success',
    season: { year: endYear, displayName: league.season, type: 2, name: 'Regular Season' },
    coach: [],
    team: {
      id: team.espnId,
      abbreviation: team.espnAbbreviation,
      location: team.city,
      name: team.name,
      displayName: `${team.city} ${team.name}`,
      clubhouse: `https://www.espn.com/nba/team/_/name/${team.espnAbbreviation.toLowerCase()}/${slug(`${team.city} ${team.name}`)}`,
      logo: `https://a.espncdn.com/i/teamlogos/nba/500/${team.espnAbbreviation.toLowerCase()}.png`,
    },
    athletes: league.roster(team.tricode).map((player) => athlete(league, player, today)),
  };
}
