export type {
  BigQueryErrorAnswerOptions,
  FakeBigQuery,
  FakeBigQueryAnswer,
  FakeBigQueryRequest,
  FakeBigQueryResult,
} from './testing/fake-bigquery.js';
export { bigQueryErrorAnswer, startFakeBigQuery } from './testing/fake-bigquery.js';
