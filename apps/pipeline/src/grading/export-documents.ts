/** The version of the export documents' shape; bumped when a field changes meaning or goes away. */
export const exportSchemaVersion = 1;

/** One active prediction as the predictions export reads it. */
export interface PredictionExportRow {
  readonly game_key: string;
  readonly player_lookup: string;
  readonly player_name: string | null;
  readonly market: string;
  readonly system_id: string;
  readonly line: number | null;
  readonly predicted_value: number | null;
  readonly edge: number | null;
  readonly recommendation: string | null;
  readonly confidence: number | null;
}

/** One graded (or voided) prediction as the results export reads it. */
export interface ResultExportRow {
  readonly game_key: string;
  readonly player_lookup: string;
  readonly player_name: string | null;
  readonly market: string;
  readonly system_id: string;
  readonly line: number | null;
  readonly predicted_value: number | null;
  readonly recommendation: string | null;
  readonly actual_value: number | null;
  readonly absolute_error: number | null;
  readonly signed_error: number | null;
  readonly correct_call: boolean | null;
  readonly within_3: boolean | null;
  readonly within_5: boolean | null;
  readonly is_voided: boolean | null;
  readonly void_reason: string | null;
}

/** One system's prediction for one player and market in `exports/predictions/<D>.json`. */
export interface ExportedPrediction {
  readonly line: number | null;
  readonly predicted: number | null;
  readonly edge: number | null;
  readonly recommendation: string | null;
  readonly confidence: number | null;
}

/** One system's graded prediction for one player and market in `exports/results/<D-1>.json`. */
export interface ExportedResult {
  readonly line: number | null;
  readonly predicted: number | null;
  readonly recommendation: string | null;
  readonly actual: number | null;
  readonly absoluteError: number | null;
  readonly signedError: number | null;
  readonly correctCall: boolean | null;
  readonly within3: boolean | null;
  readonly within5: boolean | null;
  readonly voided: boolean;
  readonly voidReason: string | null;
}

/** A game of an export: its players, each with a record per market and system. */
export interface ExportedGame<Entry> {
  readonly gameKey: string;
  readonly players: ReadonlyArray<{
    readonly playerLookup: string;
    readonly playerName: string | null;
    /** Market → system id → entry, keys sorted. */
    readonly markets: Readonly<Record<string, Readonly<Record<string, Entry>>>>;
  }>;
}

/** `exports/predictions/<D>.json`: the active predictions of the games of D. */
export interface PredictionsDocument {
  readonly schemaVersion: number;
  readonly kind: 'predictions';
  readonly gameDate: string;
  readonly generatedAt: string;
  readonly predictions: number;
  readonly games: ReadonlyArray<ExportedGame<ExportedPrediction>>;
}

/** How one system did on one market: the results export's summary cell. */
export interface ResultSummary {
  /** Predictions graded (not voided). */
  readonly graded: number;
  readonly voided: number;
  /** Mean absolute error of the graded predictions, 3 decimals; null when none. */
  readonly mae: number | null;
  /** Graded OVER/UNDER calls (PASS excluded). */
  readonly calls: number;
  /** Calls that were right (a push is not). */
  readonly hits: number;
  /** hits / calls, 4 decimals; null when there is no call. */
  readonly hitRate: number | null;
}

/** `exports/results/<D-1>.json`: the graded predictions of D-1 and a summary per system and market. */
export interface ResultsDocument {
  readonly schemaVersion: number;
  readonly kind: 'results';
  readonly gameDate: string;
  readonly generatedAt: string;
  readonly results: number;
  /** System id → market → summary, keys sorted. */
  readonly summary: Readonly<Record<string, Readonly<Record<string, ResultSummary>>>>;
  readonly games: ReadonlyArray<ExportedGame<ExportedResult>>;
}

/** The object path of the predictions export of `gameDate`. */
export function predictionsExportPath(gameDate: string): string {
  return `exports/predictions/${gameDate}.json`;
}

/** The object path of the results export of `gameDate`. */
export function resultsExportPath(gameDate: string): string {
  return `exports/results/${gameDate}.json`;
}

interface Keyed {
  readonly game_key: string;
  readonly player_lookup: string;
  readonly player_name: string | null;
  readonly market: string;
  readonly system_id: string;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareKeys(a: Keyed, b: Keyed): number {
  return (
    byString(a.game_key, b.game_key) ||
    byString(a.player_lookup, b.player_lookup) ||
    byString(a.market, b.market) ||
    byString(a.system_id, b.system_id)
  );
}

/** Nest rows game → player → market → system, every level in key order whatever the rows' order. */
function nest<Row extends Keyed, Entry>(
  rows: readonly Row[],
  entry: (row: Row) => Entry,
): ExportedGame<Entry>[] {
  type Player = {
    playerLookup: string;
    playerName: string | null;
    markets: Record<string, Record<string, Entry>>;
  };
  const games: Array<{ gameKey: string; players: Player[] }> = [];
  for (const row of [...rows].sort(compareKeys)) {
    let game = games.at(-1);
    if (game?.gameKey !== row.game_key) {
      game = { gameKey: row.game_key, players: [] };
      games.push(game);
    }
    let player = game.players.at(-1);
    if (player?.playerLookup !== row.player_lookup) {
      player = { playerLookup: row.player_lookup, playerName: row.player_name, markets: {} };
      game.players.push(player);
    }
    player.playerName ??= row.player_name;
    const systems = player.markets[row.market] ?? {};
    player.markets[row.market] = systems;
    systems[row.system_id] = entry(row);
  }
  return games;
}

/** Build the predictions export of `gameDate` from its active predictions. */
export function buildPredictionsDocument(
  gameDate: string,
  generatedAt: string,
  rows: readonly PredictionExportRow[],
): PredictionsDocument {
  return {
    schemaVersion: exportSchemaVersion,
    kind: 'predictions',
    gameDate,
    generatedAt,
    predictions: rows.length,
    games: nest(rows, (row) => ({
      line: row.line,
      predicted: row.predicted_value,
      edge: row.edge,
      recommendation: row.recommendation,
      confidence: row.confidence,
    })),
  };
}

const round = (value: number, decimals: number): number =>
  Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Summarise graded rows per system and market: counts, MAE and the hit rate of non-PASS calls. */
export function summarizeResults(
  rows: readonly ResultExportRow[],
): Record<string, Record<string, ResultSummary>> {
  type Tally = {
    graded: number;
    voided: number;
    errors: number;
    errorSum: number;
    calls: number;
    hits: number;
  };
  const tallies = new Map<string, Map<string, Tally>>();
  for (const row of rows) {
    const markets = tallies.get(row.system_id) ?? new Map<string, Tally>();
    tallies.set(row.system_id, markets);
    const tally = markets.get(row.market) ?? {
      graded: 0,
      voided: 0,
      errors: 0,
      errorSum: 0,
      calls: 0,
      hits: 0,
    };
    markets.set(row.market, tally);
    if (row.is_voided === true) {
      tally.voided += 1;
      continue;
    }
    tally.graded += 1;
    if (row.absolute_error !== null) {
      tally.errors += 1;
      tally.errorSum += row.absolute_error;
    }
    if (row.correct_call !== null) {
      tally.calls += 1;
      if (row.correct_call) tally.hits += 1;
    }
  }
  const summary: Record<string, Record<string, ResultSummary>> = {};
  for (const system of [...tallies.keys()].sort(byString)) {
    const markets = tallies.get(system) as Map<string, Tally>;
    const cells: Record<string, ResultSummary> = {};
    for (const market of [...markets.keys()].sort(byString)) {
      const t = markets.get(market) as Tally;
      cells[market] = {
        graded: t.graded,
        voided: t.voided,
        mae: t.errors === 0 ? null : round(t.errorSum / t.errors, 3),
        calls: t.calls,
        hits: t.hits,
        hitRate: t.calls === 0 ? null : round(t.hits / t.calls, 4),
      };
    }
    summary[system] = cells;
  }
  return summary;
}

/** Build the results export of `gameDate` from its rows of `prediction_accuracy`. */
export function buildResultsDocument(
  gameDate: string,
  generatedAt: string,
  rows: readonly ResultExportRow[],
): ResultsDocument {
  return {
    schemaVersion: exportSchemaVersion,
    kind: 'results',
    gameDate,
    generatedAt,
    results: rows.length,
    summary: summarizeResults(rows),
    games: nest(rows, (row) => ({
      line: row.line,
      predicted: row.predicted_value,
      recommendation: row.recommendation,
      actual: row.actual_value,
      absoluteError: row.absolute_error,
      signedError: row.signed_error,
      correctCall: row.correct_call,
      within3: row.within_3,
      within5: row.within_5,
      voided: row.is_voided === true,
      voidReason: row.void_reason,
    })),
  };
}
