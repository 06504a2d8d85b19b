import { z } from 'zod';
import { propMarkets } from './prediction-request.js';

/** One market's prediction: the value expected, the side recommended and how sure it is (0 to 1). */
export const predictionSchema = z.object({
  market: z.enum(propMarkets),
  line: z.number(),
  predictedValue: z.number(),
  recommendation: z.enum(['over', 'under', 'pass']),
  confidence: z.number().min(0).max(1),
});

/**
 * The answer to a prediction request: `predicted` carries at least one prediction; `skipped` and
 * `failed` carry none, and may say why in `reason`.
 */
export const predictionResultSchema = z
  .object({
    batchId: z.string().min(1),
    playerId: z.number().int().positive(),
    status: z.enum(['predicted', 'skipped', 'failed']),
    predictions: z.array(predictionSchema).optional(),
    reason: z.string().min(1).optional(),
  })
  .superRefine((result, ctx) => {
    const count = result.predictions?.length ?? 0;
    if (result.status === 'predicted' && count === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['predictions'],
        message: 'a predicted result needs at least one prediction',
      });
    }
    if (result.status !== 'predicted' && count > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['predictions'],
        message: `a ${result.status} result carries no predictions`,
      });
    }
  });

/** A prediction-result message, as {@link predictionResultSchema} parses it. */
export type PredictionResult = z.infer<typeof predictionResultSchema>;

/** One prediction of a {@link PredictionResult}. */
export type Prediction = z.infer<typeof predictionSchema>;
