// The reader's own values that the examples in packages/retry/README.md use without defining.
// See scripts/check-readme-examples.mjs: pipewell's APIs are never declared here.

/** The service's calls, each of which honours a signal. */
declare function fetchBoxScore(gameId: string, options: { signal: AbortSignal }): Promise<unknown>;
declare const gameId: string;
declare function runQuery(
  sql: string,
  params: Record<string, unknown>,
  options: { signal: AbortSignal },
): Promise<unknown[]>;
declare function runQuery(sql: string, options: { signal: AbortSignal }): Promise<unknown[]>;
declare const sql: string;
declare const params: Record<string, unknown>;
declare const url: string;
/** Where the decorated processor writes. */
interface Warehouse {
  insertRows(date: string, options?: { signal?: AbortSignal }): Promise<number>;
}
/** A test's function under test and the result it should settle with. */
declare function flakyCall(): Promise<number>;
declare const expected: number;
