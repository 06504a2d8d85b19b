import { addDays, daysBetween, utcOffsetHours, weekdayOf } from '../league/calendar.js';
import type { Game } from '../league/game.js';
import type { League } from '../league/generate.js';
import { isFinal } from './visibility.js';

const weekdayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

const broadcasterKeys = [
  'nationalTvBroadcasters',
  'nationalRadioBroadcasters',
  'nationalOttBroadcasters',
  'homeTvBroadcasters',
  'homeRadioBroadcasters',
  'homeOttBroadcasters',
  'awayTvBroadcasters',
  'awayRadioBroadcasters',
  'awayOttBroadcasters',
  'intlRadioBroadcasters',
  'intlTvBroadcasters',
  'intlOttBroadcasters',
] as const;

const pad = (n: number) => String(n).padStart(2, '0');

/** `HH:MM` of an instant shifted by `offsetHours`. */
function clock(ms: number, offsetHours: number): string {
  const d = new Date(ms + offsetHours * 3_600_000);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `YYYY-MM-DD` of an instant shifted by `offsetHours`. */
function day(ms: number, offsetHours: number): string {
  return new Date(ms + offsetHours * 3_600_000).toISOString().slice(0, 10);
}

function statusText(game: Game, final: boolean, periods: number): string {
  if (final) return periods > 4 ? `Final/OT${periods > 5 ? periods - 4 : ''}` : 'Final';
  const [hh, mm] = clock(game.startMs, utcOffsetHours('ET', game.date)).split(':').map(Number) as [
    number,
    number,
  ];
  const h12 = hh % 12 === 0 ? 12 : hh % 12;
  return `${h12}:${pad(mm)} ${hh < 12 ? 'am' : 'pm'} ET`;
}

interface Record {
  wins: number;
  losses: number;
}

/** The Monday on or before `date`. */
function mondayOf(date: string): string {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
}

/**
 * NBA.com's CDN schedule (`/static/json/staticData/scheduleLeagueV2.json`) for the league, in the
 * shape the CDN serves: `leagueSchedule.gameDates[].games[]`, each with the Eastern and UTC
 * date/time fields, `homeTeam`/`awayTeam` with the record after the game (or as of now for a game
 * not played), and scores and `pointsLeaders` for games played before `today`.
 */
export function scheduleLeagueV2(
  league: League,
  today: string | undefined,
  nowMs: number,
): unknown {
  const firstMonday = mondayOf(league.startDate);
  const weekOf = (date: string) => Math.floor(daysBetween(firstMonday, date) / 7) + 1;
  const records = new Map<string, Record>(
    league.teams.map((t) => [t.tricode, { wins: 0, losses: 0 }]),
  );
  const gameDates = new Map<string, unknown[]>();

  for (const game of league.games) {
    const final = isFinal(game, today);
    const box = final ? league.boxScore(game.gameId) : undefined;
    if (box !== undefined) {
      const homeWon = box.home.points > box.away.points;
      const home = records.get(game.home) as Record;
      const away = records.get(game.away) as Record;
      if (homeWon) {
        home.wins++;
        away.losses++;
      } else {
        home.losses++;
        away.wins++;
      }
    }
    const et = utcOffsetHours('ET', game.date);
    const etTime = clock(game.startMs, et);
    const utcTime = clock(game.startMs, 0);
    const homeTeam = league.team(game.home);
    const awayTeam = league.team(game.away);
    const side = (tricode: string, score: number) => {
      const team = league.team(tricode);
      const record = records.get(tricode) as Record;
      return {
        teamId: team.nbaId,
        teamName: team.name,
        teamCity: team.city,
        teamTricode: team.tricode,
        teamSlug: team.slug,
        wins: record.wins,
        losses: record.losses,
        score,
        seed: 0,
      };
    };
    let pointsLeaders: unknown[] = [];
    if (box !== undefined) {
      const lines = [...box.home.players, ...box.away.players];
      const top = lines.reduce((a, b) => (b.pts > a.pts ? b : a));
      const team = league.team(top.player.team);
      pointsLeaders = [
        {
          personId: top.player.nbaId,
          firstName: top.player.firstName,
          familyName: top.player.lastName,
          teamId: team.nbaId,
          teamCity: team.city,
          teamName: team.name,
          teamTricode: team.tricode,
          points: top.pts,
        },
      ];
    }
    const week = weekOf(game.date);
    const entry = {
      gameId: game.gameId,
      gameCode: game.gameCode,
      gameStatus: final ? 3 : 1,
      gameStatusText: statusText(game, final, box?.periods ?? 4),
      gameSequence: game.daySequence,
      gameDateEst: `${game.date}T00:00:00Z`,
      gameTimeEst: `1900-01-01T${etTime}:00Z`,
      gameDateTimeEst: `${game.date}T${etTime}:00Z`,
      gameDateUTC: `${game.date}T${pad(-et)}:00:00Z`,
      gameTimeUTC: `1900-01-01T${utcTime}:00Z`,
      gameDateTimeUTC: `${day(game.startMs, 0)}T${utcTime}:00Z`,
      awayTeamTime: `${day(game.startMs, utcOffsetHours(awayTeam.timeZone, game.date))}T${clock(game.startMs, utcOffsetHours(awayTeam.timeZone, game.date))}:00Z`,
      homeTeamTime: `${day(game.startMs, utcOffsetHours(homeTeam.timeZone, game.date))}T${clock(game.startMs, utcOffsetHours(homeTeam.timeZone, game.date))}:00Z`,
      day: weekdayNames[weekdayOf(game.date)],
      monthNum: Number(game.date.slice(5, 7)),
      weekNumber: week,
      weekName: `Week ${week}`,
      ifNecessary: false,
      seriesGameNumber: '',
      gameLabel: '',
      gameSubLabel: '',
      seriesText: '',
      arenaName: homeTeam.arena,
      arenaState: homeTeam.arenaState,
      arenaCity: homeTeam.arenaCity,
      postponedStatus: 'N',
      branchLink: '',
      gameSubtype: '',
      isNeutral: false,
      broadcasters: Object.fromEntries(broadcasterKeys.map((key) => [key, []])),
      homeTeam: side(game.home, box?.home.points ?? 0),
      awayTeam: side(game.away, box?.away.points ?? 0),
      pointsLeaders,
    };
    const [y, m, d] = game.date.split('-');
    const key = `${m}/${d}/${y} 00:00:00`;
    const list = gameDates.get(key) ?? [];
    list.push(entry);
    gameDates.set(key, list);
  }

  const weeks: unknown[] = [];
  for (
    let week = 1, monday = firstMonday;
    monday <= league.endDate;
    week++, monday = addDays(monday, 7)
  ) {
    weeks.push({
      weekNumber: week,
      weekName: `Week ${week}`,
      startDate: `${monday}T00:00:00Z`,
      endDate: `${addDays(monday, 6)}T00:00:00Z`,
    });
  }
  return {
    meta: {
      version: 1,
      request: `http://nba.cloud/league/00/${league.season}/scheduleleaguev2?Format=json`,
      time: new Date(nowMs).toISOString(),
    },
    leagueSchedule: {
      seasonYear: league.season,
      leagueId: '00',
      gameDates: [...gameDates].map(([gameDate, games]) => ({ gameDate, games })),
      weeks,
      broadcasterList: [],
    },
  };
}
