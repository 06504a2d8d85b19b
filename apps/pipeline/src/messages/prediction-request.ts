import { z } from 'zod';
import { isGameKey } from '../sources/game-ids.js';
import { calendarDate } from './fields.js';

/** The prop markets the pipeline predicts, as The Odds API names them. */
export const propMarkets = ['player_points', 'player_rebounds', 'player_assists'] as const;

/** A market of {@link propMarkets}. */
export type PropMarket = (typeof propMarkets)[number];

/** The line of one market for a player. */
export const propLineSchema = z.object({ market: z.enum(propMarkets), line: z.number() });

/** Asks the prediction phase for one player's predictions on the lines offered for a game. */
export const predictionRequestSchema = z.object({
  batchId: z.string().min(1),
  dataDate: calendarDate,
  gameKey: z.string().refine(isGameKey, { message: 'must be a game key as 20260124_BOS_CHI' }),
  playerId: z.number().int().positive(),
  playerName: z.string().min(1),
  lines: z.array(propLineSchema).min(1),
});

/** A prediction-request message, as {@link predictionRequestSchema} parses it. */
export type PredictionRequest = z.infer<typeof predictionRequestSchema>;
