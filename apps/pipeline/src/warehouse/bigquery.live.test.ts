import { getBigQuery } from '@pipewell/clients/bigquery';
import { describe, it } from 'vitest';
import { openBigQueryWarehouse } from './bigquery.js';
import { warehouseContract } from './contract.js';

// The whole contract needs a real BigQuery (there is no emulator, and the loopback fake of
// bigquery.test.ts answers what it is scripted to, not what a table holds). Opt in with
// BIGQUERY_LIVE_PROJECT (and credentials the Google SDK finds: GOOGLE_APPLICATION_CREDENTIALS or
// `gcloud auth application-default login`); BIGQUERY_LIVE_LOCATION defaults to US. The contract
// creates datasets `pipewell_live_pipewell_contract_<run>` (and `pipewell_live_nba_reference`):
// delete them after a run.
const projectId = process.env.BIGQUERY_LIVE_PROJECT;
const skipReason =
  'BIGQUERY_LIVE_PROJECT is not set: the Warehouse contract on BigQuery needs a real project (no emulator exists)';

if (projectId === undefined || projectId === '') {
  describe('Warehouse contract: bigquery (live)', () => {
    it.skip(skipReason, () => {});
  });
} else {
  warehouseContract(`bigquery live ${projectId}`, async () =>
    openBigQueryWarehouse({
      bigquery: getBigQuery({ projectId }),
      projectId,
      location: process.env.BIGQUERY_LIVE_LOCATION ?? 'US',
      datasetPrefix: 'pipewell_live_',
    }),
  );
}
