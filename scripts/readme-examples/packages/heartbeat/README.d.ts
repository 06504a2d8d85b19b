// The reader's own values that the examples in packages/heartbeat/README.md use without defining.
// See scripts/check-readme-examples.mjs: pipewell's APIs are never declared here.
import type { Firestore } from '@google-cloud/firestore';
import type { HeartbeatRecord } from '@pipewell/heartbeat';

/** The service's pooled Firestore instance. */
declare const firestore: Firestore;
/** A calendar date, YYYY-MM-DD. */
declare const dataDate: string;
declare const runId: string;
/** The service's logger: pino, or anything with pino's method shape. */
declare const logger: {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
};
type Game = { id: string };
/** The processor's work: the day's games, those after a checkpoint, and loading one. */
declare const games: readonly Game[];
declare function gamesAfter(lastGameId: unknown): Game[];
declare function loadGame(game: Game): Promise<void>;
/** The service's recovery: mark the run failed and queue it again. */
declare function markFailedAndRequeue(record: HeartbeatRecord): Promise<void>;
