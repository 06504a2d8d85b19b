// The reader's own values that the examples in packages/circuit-breaker/README.md use without
// defining. See scripts/check-readme-examples.mjs: pipewell's APIs are never declared here.
import type { Firestore } from '@google-cloud/firestore';
import type { Alerter } from '@pipewell/alerts';

/** The service's pooled Firestore instance. */
declare const firestore: Firestore;
/** The service's warehouse query, which honours a signal. */
declare function runQuery(sql: string, options: { signal: AbortSignal }): Promise<unknown[]>;
declare const sql: string;
/** The processors of today's phase 4 that completed. */
declare const completedToday: readonly string[];
/** The service's alerter (createAlerter from @pipewell/alerts). */
declare const alerter: Alerter;
/** The part of node-postgres's Pool the custom store uses. */
// biome-ignore lint/correctness/noUnusedVariables: the README's blocks use it; this file is appended to them.
interface Pool {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  connect(): Promise<PgClient>;
}
interface PgClient {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  release(): void;
}
// biome-ignore lint/suspicious/noExplicitAny: node-postgres types rows as any by default.
type PgResult = { rows: any[]; rowCount: number | null };
