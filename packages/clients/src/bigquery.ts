export type { GetBigQueryOptions } from './bigquery-client.js';
export { getBigQuery } from './bigquery-client.js';
export type {
  FailedRow,
  InsertOptions,
  InsertResult,
  InsertRowsOptions,
} from './bigquery-insert.js';
export { insertRows } from './bigquery-insert.js';
export type {
  DeleteMissingOptions,
  MergeOptions,
  MergeRowsOptions,
  MergeRowsResult,
} from './bigquery-merge.js';
export { mergeRows } from './bigquery-merge.js';
export type { QueryOptions } from './bigquery-query.js';
export { query } from './bigquery-query.js';
export type { TableName } from './bigquery-table.js';
export type { BigQueryParamType, SqlIdentifier, SqlQuery, TypedValue } from './sql.js';
export { column, ident, isSqlQuery, sql, typed } from './sql.js';
