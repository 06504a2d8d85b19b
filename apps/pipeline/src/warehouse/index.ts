export type { ProcessorRunStatus, ScraperRunStatus } from './bookkeeping-tables.js';
export {
  processorRunHistory,
  processorRunStatuses,
  scraperExecutionLog,
  scraperRunStatuses,
} from './bookkeeping-tables.js';
export type { DuckDbWarehouseOptions } from './duckdb.js';
export { openDuckDbWarehouse } from './duckdb.js';
export {
  TableDefinitionError,
  WarehouseError,
  WarehouseRowError,
  WarehouseSchemaError,
  WarehouseSqlError,
} from './errors.js';
export type {
  MergeResult,
  ReplacePartitionResult,
  Warehouse,
  WarehouseCallOptions,
} from './port.js';
export type { CheckedRows } from './rows.js';
export { checkRows } from './rows.js';
export type {
  AnyTable,
  Columns,
  ColumnType,
  ColumnValue,
  JsonValue,
  TableDefinition,
  TableRow,
  TableRowInput,
  TableSpec,
} from './table.js';
export { columnTypes, defineTable } from './table.js';
