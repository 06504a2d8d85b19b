import type { mlFeatureStore, playerGameSummary } from '../catalog/index.js';
import type { Game, League, PropMarket } from '../league/index.js';
import { normalizePlayerName } from '../sources/index.js';
import type { TableRowInput } from '../warehouse/index.js';

type SummaryRow = TableRowInput<typeof playerGameSummary> & {
  readonly game_date: string;
  readonly played: boolean;
};
type FeatureStoreRow = TableRowInput<typeof mlFeatureStore> & {
  readonly game_date: string;
  readonly bdl_player_id: number;
};

/** The first `count` dates of the season with games. For tests. */
export function gameDates(league: League, count: number): string[] {
  const dates: string[] = [];
  for (const game of league.games) {
    if (dates.at(-1) !== game.date) dates.push(game.date);
    if (dates.length > count) break;
  }
  return dates.slice(0, count);
}

/** The player-game-summary rows of every game on `dates`, straight from the box scores. */
export function summaryRows(league: League, dates: readonly string[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const date of dates) {
    for (const game of league.gamesOn(date)) {
      const box = league.boxScore(game.gameId);
      for (const [side, opponent] of [
        [box.home, game.away],
        [box.away, game.home],
      ] as const) {
        for (const line of side.players) {
          rows.push({
            game_key: game.gameKey,
            player_lookup: normalizePlayerName(line.player.fullName),
            game_date: game.date,
            bdl_player_id: line.player.bdlId,
            player_name: line.player.fullName,
            team: side.team,
            opponent,
            is_home: side.team === game.home,
            played: line.dnp === null,
            minutes: line.seconds / 60,
            points: line.pts,
            rebounds: line.reb,
            assists: line.ast,
          });
        }
      }
    }
  }
  return rows;
}

const average = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

function lineOf(league: League, game: Game, fullName: string, market: PropMarket): number | null {
  for (const book of league.props(game.gameId).bookmakers) {
    const found = book.markets
      .find((m) => m.key === market)
      ?.lines.find((l) => l.player.fullName === fullName);
    if (found !== undefined) return found.point;
  }
  return null;
}

/**
 * Simple feature-store rows for the games on `date`: every roster player, averages over the
 * played games in `history` before `date`, the first bookmaker's line per market (null when no
 * book offers one).
 */
export function featureRows(
  league: League,
  history: readonly SummaryRow[],
  date: string,
): FeatureStoreRow[] {
  const byPlayer = new Map<string, SummaryRow[]>();
  for (const row of history) {
    if (row.game_date >= date || row.played !== true) continue;
    const list = byPlayer.get(row.player_lookup) ?? [];
    list.push(row);
    byPlayer.set(row.player_lookup, list);
  }
  const rows: FeatureStoreRow[] = [];
  for (const game of league.gamesOn(date)) {
    for (const team of [game.home, game.away]) {
      for (const player of league.roster(team)) {
        const lookup = normalizePlayerName(player.fullName);
        const games = (byPlayer.get(lookup) ?? []).sort((a, b) =>
          a.game_date < b.game_date ? 1 : -1,
        );
        const last10 = games.slice(0, 10);
        const stat = (list: SummaryRow[], key: 'points' | 'rebounds' | 'assists' | 'minutes') =>
          average(list.map((row) => Number(row[key] ?? 0)));
        const pointsL10 = stat(last10, 'points');
        const spread =
          pointsL10 === null
            ? null
            : Math.sqrt(
                Math.max(
                  0,
                  (average(last10.map((r) => Number(r.points) ** 2)) ?? 0) - pointsL10 ** 2,
                ),
              );
        const isHome = team === game.home;
        const rest = isHome ? game.homeRestDays : game.awayRestDays;
        rows.push({
          game_date: date,
          game_key: game.gameKey,
          player_lookup: lookup,
          bdl_player_id: player.bdlId,
          player_name: player.fullName,
          team,
          opponent: isHome ? game.away : game.home,
          is_home: isHome,
          points_avg_last_5: stat(games.slice(0, 5), 'points'),
          points_avg_last_10: pointsL10,
          points_avg_season: stat(games, 'points'),
          points_std_last_10: spread,
          minutes_avg_last_10: stat(last10, 'minutes'),
          rebounds_avg_last_10: stat(last10, 'rebounds'),
          rebounds_avg_season: stat(games, 'rebounds'),
          assists_avg_last_10: stat(last10, 'assists'),
          assists_avg_season: stat(games, 'assists'),
          is_back_to_back: rest === 0,
          days_rest: rest,
          points_line: lineOf(league, game, player.fullName, 'player_points'),
          rebounds_line: lineOf(league, game, player.fullName, 'player_rebounds'),
          assists_line: lineOf(league, game, player.fullName, 'player_assists'),
          feature_quality: 1,
          features_version: 'test',
        });
      }
    }
  }
  return rows;
}
