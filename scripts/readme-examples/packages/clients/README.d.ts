// The reader's own values that the examples in packages/clients/README.md use without defining.
// See scripts/check-readme-examples.mjs: pipewell's APIs are never declared here.
import type { DocumentReference } from '@google-cloud/firestore';

declare const gameIds: readonly string[];
/** A calendar date, YYYY-MM-DD. */
declare const dataDate: string;
type BoxScoreRow = { game_id: string; player_id: number; points: number };
declare const rows: readonly BoxScoreRow[];
declare const summaries: readonly BoxScoreRow[];
/** The service's logger (pino-shaped). */
declare const log: { error(fields: object, message?: string): void };
/** The orchestrator's next step. */
declare function startNextPhase(event: { phase: number; dataDate: string }): Promise<void>;
/** A document the transaction updates. */
declare const ref: DocumentReference;
/** A column name picked at run time, from a request say. */
declare const sortBy: string;
