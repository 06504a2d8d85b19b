import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ident, sql } from '@pipewell/clients/sql';
import type { Clock } from '@pipewell/core';
import { type LocalQueue, openLocalQueue } from '../queue/index.js';
import { type LocalStateStore, openLocalStateStore } from '../state/index.js';
import {
  type AnyTable,
  openDuckDbWarehouse,
  processorRunHistory,
  scraperExecutionLog,
  type TableRowInput,
  type Warehouse,
  type WarehouseCallOptions,
} from '../warehouse/index.js';
import type { ObjectStore } from './ports.js';

/** A warehouse that counts merges, and whose merges fail while `down` is set. For tests. */
export interface CountingWarehouse extends Warehouse {
  /** Each merge that reached the warehouse: its table and row count. */
  readonly merges: Array<{ table: string; rows: number }>;
  /** While set, every merge rejects with it. */
  down: Error | undefined;
  /** While set, called as each merge starts; a rejection fails the merge. */
  onMerge: (() => Promise<void>) | undefined;
}

/** Wrap `inner` in a {@link CountingWarehouse}. */
export function countingWarehouse(inner: Warehouse): CountingWarehouse {
  const wrapper: CountingWarehouse = {
    merges: [],
    down: undefined,
    onMerge: undefined,
    ensureTables: inner.ensureTables.bind(inner),
    query: inner.query.bind(inner),
    async merge<T extends AnyTable>(
      table: T,
      rows: readonly TableRowInput<T>[],
      options?: WarehouseCallOptions,
    ) {
      await wrapper.onMerge?.();
      if (wrapper.down !== undefined) throw wrapper.down;
      wrapper.merges.push({ table: table.name, rows: rows.length });
      return inner.merge(table, rows, options);
    },
    replacePartition: inner.replacePartition.bind(inner),
    duplicates: inner.duplicates.bind(inner),
    count: inner.count.bind(inner),
    close: inner.close.bind(inner),
    [Symbol.asyncDispose]: () => inner.close(),
  };
  return wrapper;
}

/** An object store in memory. */
export function memoryObjects(): ObjectStore {
  const objects = new Map<string, Uint8Array>();
  return {
    async put(path, body) {
      objects.set(path, typeof body === 'string' ? new TextEncoder().encode(body) : body);
    },
    get: async (path) => objects.get(path),
    getText: async (path) => {
      const bytes = objects.get(path);
      return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
    },
    exists: async (path) => objects.has(path),
    list: async (prefix) => [...objects.keys()].filter((path) => path.startsWith(prefix)).sort(),
  };
}

/** The real pieces a runtime test uses: DuckDB in memory, a local state store and queue in a temp dir. */
export interface RuntimeKit extends AsyncDisposable {
  readonly warehouse: CountingWarehouse;
  readonly state: LocalStateStore;
  readonly queue: LocalQueue;
  readonly objects: ObjectStore;
  /** The run-history rows, by run id. */
  runRows(): Promise<Array<Record<string, unknown>>>;
}

/** Open a {@link RuntimeKit} on `clock`, with the bookkeeping tables created. */
export async function openRuntimeKit(clock: Clock): Promise<RuntimeKit> {
  const dir = await mkdtemp(join(tmpdir(), 'pipewell-runtime-'));
  const warehouse = countingWarehouse(await openDuckDbWarehouse({ path: ':memory:' }));
  await warehouse.ensureTables([processorRunHistory, scraperExecutionLog]);
  const state = await openLocalStateStore({ dir: join(dir, 'state'), clock });
  const queue = await openLocalQueue({ dir: join(dir, 'queue'), clock });
  return {
    warehouse,
    state,
    queue,
    objects: memoryObjects(),
    runRows: () =>
      warehouse.query(sql`SELECT * FROM ${ident(processorRunHistory.name)} ORDER BY run_id`),
    async [Symbol.asyncDispose]() {
      await queue.close();
      await state.close();
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
