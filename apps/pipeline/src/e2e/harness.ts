import type { SqlQuery } from '@pipewell/clients/sql';
import { openPipelineEngine } from '../app/index.js';
import { allTables } from '../catalog/index.js';
import { runCli } from '../cli/index.js';
import { readPhaseRecords } from '../cli/status.js';
import { openDataDir } from '../data-dir/index.js';
import type { PhaseRecord } from '../orchestration/types.js';
import { openLocalStateStore } from '../state/index.js';
import { openDuckDbWarehouse, type Warehouse } from '../warehouse/index.js';

/** What one `runCli` call printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  /** The lines written to stderr. */
  readonly stderr: string[];
}

function collector(): { write(text: string): boolean; readonly text: string } {
  let text = '';
  return {
    write(chunk: string) {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
}

/**
 * Run the `pipewell` command line in process with the real engine (`openPipelineEngine`), plain
 * output and `env` (empty by default: the built-in provider serves every source and every port
 * is embedded; the fleet-mode test sets the backend variables).
 */
export async function pipewell(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliRun> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(
    argv,
    { stdout, stderr, env, isTTY: false },
    { openEngine: openPipelineEngine },
  );
  return {
    code,
    stdout: stdout.text,
    stderr: stderr.text.split('\n').filter((line) => line !== ''),
  };
}

/** Run `use` on the data directory's warehouse, opened read-only, and close it. */
export async function readWarehouse<T>(
  warehousePath: string,
  use: (warehouse: Warehouse) => Promise<T>,
): Promise<T> {
  const warehouse = await openDuckDbWarehouse({ path: warehousePath, readOnly: true });
  try {
    return await use(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** The phase records of `dates`, read from the state store under the data directory's lock. */
export async function readRecords(
  dataDirPath: string,
  dates: readonly string[],
): Promise<Map<string, PhaseRecord[]>> {
  await using dataDir = await openDataDir(dataDirPath, { command: 'e2e test' });
  await using state = await openLocalStateStore({ dir: dataDir.stateDir });
  const records = new Map<string, PhaseRecord[]>();
  for (const date of dates) records.set(date, await readPhaseRecords(state, date));
  return records;
}

/** `query`'s rows as `{ key: n }`, from rows of `k` (a string) and `n` (a count). */
export async function countsBy(
  warehouse: Warehouse,
  query: SqlQuery,
): Promise<Record<string, number>> {
  const rows = await warehouse.query<{ k: string; n: number }>(query);
  return Object.fromEntries(
    rows
      .map((row) => [String(row.k), Number(row.n)] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** One number from `query` (its column `n`). */
export async function scalar(warehouse: Warehouse, query: SqlQuery): Promise<number> {
  const rows = await warehouse.query<{ n: number | null }>(query);
  return Number(rows[0]?.n ?? 0);
}

/** Rows and duplicate keys of every table of the catalogue, by table name. */
export async function tableCensus(
  warehouse: Warehouse,
): Promise<Record<string, { rows: number; duplicates: number }>> {
  const census: Record<string, { rows: number; duplicates: number }> = {};
  for (const table of allTables) {
    census[table.name] = {
      rows: await warehouse.count(table),
      duplicates: await warehouse.duplicates(table),
    };
  }
  return census;
}
