// The reader's own values that the examples in packages/soft-deps/README.md use without defining.
// See scripts/check-readme-examples.mjs: pipewell's APIs are never declared here.
import type { DecisionSink } from '@pipewell/soft-deps';

/** The service's coverage query: rows expected and present in a table for a date. */
declare function countRows(
  table: string,
  dataDate: string,
): Promise<{ expected: number; actual: number }>;
/** Where the app keeps degraded and blocked decisions. */
declare const sink: DecisionSink;
/** A calendar date, YYYY-MM-DD. */
declare const dataDate: string;
/** The processor's work. */
declare function summarize(dataDate: string, options: { degraded: boolean }): Promise<number>;
