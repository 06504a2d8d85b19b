export type { BigQueryParamType, SqlIdentifier, SqlQuery, TypedValue } from './sql-tag.js';
export { column, ident, isSqlQuery, sql, typed, unsafeRawSql } from './sql-tag.js';
