import { ident, sql, typed } from '@pipewell/clients/sql';
import { playerPropPredictions, predictionAccuracy } from '../catalog/index.js';
import { defineProcessor, type ProcessorInput } from '../runtime/index.js';
import { previousDay } from './dates.js';
import {
  buildPredictionsDocument,
  buildResultsDocument,
  type PredictionExportRow,
  predictionsExportPath,
  type ResultExportRow,
  resultsExportPath,
} from './export-documents.js';
import { predictionGradingName } from './prediction-grading.js';

/** Name of the {@link predictionExport} processor. */
export const predictionExportName = 'prediction_export';

/**
 * Phase 6 on pipeline date D, after {@link predictionGradingName}: write
 * `exports/predictions/<D>.json` (D's active predictions) and `exports/results/<D-1>.json`
 * (D-1's grades with a summary per system and market) to the object store, each replacing the
 * object a previous run wrote. Both files are written even when empty. `rows` = predictions
 * exported + results exported.
 */
export const predictionExport = defineProcessor<ProcessorInput>({
  name: predictionExportName,
  phase: 6,
  outputs: [],
  async run({ dataDate }, ctx) {
    const resultsDate = previousDay(dataDate);
    const predictions = await ctx.warehouse.query<PredictionExportRow>(
      sql`SELECT game_key, player_lookup, player_name, market, system_id, line, predicted_value,
          edge, recommendation, confidence
        FROM ${ident(playerPropPredictions.name)}
        WHERE game_date = ${typed(dataDate, 'DATE')} AND is_active = TRUE`,
      { signal: ctx.signal },
    );
    const results = await ctx.warehouse.query<ResultExportRow>(
      sql`SELECT a.game_key AS game_key, a.player_lookup AS player_lookup,
          p.player_name AS player_name, a.market AS market, a.system_id AS system_id,
          a.line AS line, a.predicted_value AS predicted_value,
          a.recommendation AS recommendation, a.actual_value AS actual_value,
          a.absolute_error AS absolute_error, a.signed_error AS signed_error,
          a.correct_call AS correct_call, a.within_3 AS within_3, a.within_5 AS within_5,
          a.is_voided AS is_voided, a.void_reason AS void_reason
        FROM ${ident(predictionAccuracy.name)} AS a
        LEFT JOIN ${ident(playerPropPredictions.name)} AS p
          ON p.game_key = a.game_key AND p.player_lookup = a.player_lookup
          AND p.market = a.market AND p.system_id = a.system_id
          AND p.game_date = ${typed(resultsDate, 'DATE')}
        WHERE a.game_date = ${typed(resultsDate, 'DATE')}`,
      { signal: ctx.signal },
    );
    const generatedAt = new Date(ctx.clock.now()).toISOString();
    const options = { contentType: 'application/json' };
    await ctx.objects.put(
      predictionsExportPath(dataDate),
      `${JSON.stringify(buildPredictionsDocument(dataDate, generatedAt, predictions), null, 2)}\n`,
      options,
    );
    await ctx.objects.put(
      resultsExportPath(resultsDate),
      `${JSON.stringify(buildResultsDocument(resultsDate, generatedAt, results), null, 2)}\n`,
      options,
    );
    ctx.logger.info(
      { predictions: predictions.length, results: results.length },
      `exported ${predictions.length} predictions of ${dataDate} and ${results.length} results of ${resultsDate}`,
    );
    return { rows: predictions.length + results.length };
  },
});
