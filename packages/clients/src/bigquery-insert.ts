import { createHash } from 'node:crypto';
import type { BigQuery } from '@google-cloud/bigquery';
import type { RetryPolicy } from '@pipewell/retry';
import { bigqueryPolicy, getBigQuery } from './bigquery-client.js';
import { type TableName, tableParts } from './bigquery-table.js';
import { ClientConfigError } from './project.js';

/** A row that BigQuery refused, and why. */
export interface FailedRow<RowType> {
  /** The row's position in the `rows` given. */
  readonly index: number;
  readonly insertId: string;
  readonly row: RowType;
  readonly errors: ReadonlyArray<{
    readonly reason: string;
    readonly message: string;
    readonly location?: string;
  }>;
}

/** What {@link insertRows} did: how many rows went in, and which did not. */
export interface InsertResult<RowType> {
  readonly inserted: number;
  readonly failed: ReadonlyArray<FailedRow<RowType>>;
}

/** Options for {@link insertRows}. */
export interface InsertRowsOptions<RowType> {
  readonly bigquery?: BigQuery;
  /**
   * The insert id of a row, so a retried request does not insert it twice.
   * @default a SHA-256 of the row's JSON (identical rows dedupe)
   */
  readonly insertIdOf?: (row: RowType, index: number) => string;
  /** Checked for every row before anything is sent; a mismatch throws naming the row. */
  readonly schema?: {
    /** Validate one row (a zod schema's method). */
    safeParse(row: unknown): {
      success: boolean;
      error?: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> };
    };
  };
  /** @default the `bigquery` preset */
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
}

function defaultInsertId(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 32);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

// insertAll takes an INT64 as a decimal string and BYTES as base64. `this` is the holder, so
// a Buffer is seen before its own toJSON turns it into {"type":"Buffer",...}.
function wireJson(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return base64(raw);
  return typeof value === 'bigint' ? value.toString() : value;
}

interface RowError {
  readonly reason?: string;
  readonly message?: string;
  readonly location?: string;
}

interface PartialFailure {
  readonly name?: string;
  /** The insertAll response, whose insertErrors carry each refused row's index. */
  readonly response?: {
    readonly insertErrors?: ReadonlyArray<{
      readonly index: number;
      readonly errors?: readonly RowError[];
    }>;
  };
}

/**
 * Stream rows into a table with insert ids (for dedupe on retry). Rows BigQuery refuses are
 * reported row by row (which row, why) while the good ones are kept: invalid rows are skipped,
 * not allowed to sink the batch. The request is retried on transient errors.
 *
 * @example
 * ```ts
 * const { inserted, failed } = await insertRows('nba_raw.box_scores', rows, { insertIdOf: (r) => `${r.game_id}:${r.player_id}` });
 * for (const f of failed) log.error({ index: f.index, errors: f.errors }, 'row refused');
 * ```
 */
export async function insertRows<RowType extends Record<string, unknown>>(
  table: TableName,
  rows: readonly RowType[],
  options: InsertRowsOptions<RowType> = {},
): Promise<InsertResult<RowType>> {
  const target = tableParts(table);
  if (!Array.isArray(rows))
    throw new ClientConfigError('rows', `insertRows needs an array of rows (got ${typeof rows})`);
  if (rows.length === 0) return { inserted: 0, failed: [] };
  rows.forEach((row, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new ClientConfigError(
        'rows',
        `row ${index} must be an object (got ${row === null ? 'null' : typeof row})`,
      );
    }
    if (options.schema !== undefined) {
      const result = options.schema.safeParse(row);
      if (!result.success) {
        const issue = result.error?.issues[0];
        throw new ClientConfigError(
          'rows',
          `row ${index} does not match the schema${issue ? ` at ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : ''}`,
        );
      }
    }
  });
  const entries = rows.map((row, index) => {
    // Serialized here, where a failure rejects this call: inside the SDK the same throw would
    // escape every promise and end the process.
    let json: string;
    try {
      json = JSON.stringify(row, wireJson);
    } catch (error) {
      throw new ClientConfigError(
        'rows',
        `row ${index} cannot be sent as JSON: ${(error as Error).message}`,
      );
    }
    return {
      insertId: String(
        options.insertIdOf === undefined ? defaultInsertId(json) : options.insertIdOf(row, index),
      ),
      json: JSON.parse(json) as Record<string, unknown>,
    };
  });
  if (new Set(entries.map((entry) => entry.insertId)).size !== entries.length) {
    throw new ClientConfigError(
      'rows',
      'two rows share an insert id: BigQuery would drop one as a duplicate',
    );
  }
  const bigquery = options.bigquery ?? getBigQuery();
  // The table's own project when it names one; the client's project only bills and defaults.
  const handle = bigquery
    .dataset(target.dataset, target.projectId === undefined ? {} : { projectId: target.projectId })
    .table(target.table);
  return (options.retry ?? bigqueryPolicy()).execute(async () => {
    try {
      // No partial retries by the SDK: a refused row is refused again; the caller gets the list.
      await handle.insert(entries, { raw: true, skipInvalidRows: true, partialRetries: 0 });
      return { inserted: rows.length, failed: [] };
    } catch (error) {
      const partial = error as PartialFailure;
      const insertErrors = partial.response?.insertErrors;
      if (partial.name !== 'PartialFailureError' || !Array.isArray(insertErrors)) throw error;
      const failed: FailedRow<RowType>[] = insertErrors.map(({ index, errors }) => ({
        index,
        insertId: entries[index]?.insertId ?? '',
        row: rows[index] as RowType,
        errors: (errors ?? []).map((e: RowError) => ({
          reason: e.reason ?? 'unknown',
          message: e.message ?? '',
          ...(e.location === undefined ? {} : { location: e.location }),
        })),
      }));
      return { inserted: rows.length - failed.length, failed };
    }
  }, options.signal);
}

/**
 * The old name of {@link InsertRowsOptions}.
 * @deprecated Use `InsertRowsOptions`; this name is removed in the next minor release.
 */
export type InsertOptions<RowType> = InsertRowsOptions<RowType>;
