import { join } from 'node:path';
import {
  type AlertSink,
  createAlerter,
  createFileOutbox,
  createLoggerSink,
  createSlackSink,
} from '@pipewell/alerts';
import {
  type Clock,
  type Env,
  type Logger,
  readEnv,
  silentLogger,
  systemClock,
} from '@pipewell/core';
import { allTables } from '../catalog/index.js';
import { type DataDir, openDataDir } from '../data-dir/index.js';
import { type ObjectStore, openLocalObjectStore } from '../objects/index.js';
import {
  createPipelineEngine,
  type EngineHandlerSource,
  type PipelineEngine,
} from '../orchestration/index.js';
import { type ProviderHandle, startProvider } from '../provider/index.js';
import { openLocalQueue, type Queue } from '../queue/index.js';
import { createBookkeepingWriter } from '../runtime/index.js';
import { createSourceHttp, sourceConfigFromEnv } from '../scrapers/index.js';
import { createStateBreakerStore, openLocalStateStore, type StateStore } from '../state/index.js';
import { openDuckDbWarehouse, scraperExecutionLog, type Warehouse } from '../warehouse/index.js';
import { type BackendChoice, backendsFromEnv } from './backends.js';
import { createPipelineDefinition } from './definition.js';

/** What {@link openPipelineApp} takes. */
export interface OpenPipelineAppOptions {
  /** The data directory (created when missing). */
  readonly dataDir: string;
  /** What this process runs, shown to a second command that finds the directory busy. */
  readonly command: string;
  /** Seed of the built-in provider's league. @default 42 */
  readonly seed?: number | string;
  /**
   * Provider URLs and keys (`NBA_CDN_BASE_URL`, `BALLDONTLIE_BASE_URL`, ...; see
   * `sourceConfigFromEnv`), and `SLACK_WEBHOOK_URL` for alerts. Without `NBA_CDN_BASE_URL` the
   * built-in provider starts on 127.0.0.1. @default process.env
   */
  readonly env?: Env;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /**
   * Start the engine's pull subscribers. A push entry point (Cloud Run, Cloud Functions) passes
   * false and serves `engine.handlers()` instead. @default true
   */
  readonly start?: boolean;
}

/** The embedded pipeline, open on its data directory. Close it to release the directory. */
export interface PipelineApp extends AsyncDisposable {
  readonly engine: PipelineEngine & EngineHandlerSource;
  /** The queue the engine publishes on (a push entry point dead-letters through it). */
  readonly queue: Queue;
  readonly dataDir: DataDir;
  /** The built-in provider, when no provider URL was configured. */
  readonly provider: ProviderHandle | undefined;
  close(): Promise<void>;
}

const sourceEnvNames = [
  'NBA_CDN_BASE_URL',
  'BALLDONTLIE_BASE_URL',
  'ESPN_BASE_URL',
  'ODDS_API_BASE_URL',
] as const;

/**
 * The state store `backends` picks: the local journal in `stateDir`, or Firestore (under
 * `FIRESTORE_EMULATOR_HOST` when set). `pipewell status` reads the completion records through it.
 */
export async function openStateStoreOf(
  backends: BackendChoice,
  stateDir: string,
  env: Env,
  clock: Clock,
  logger: Logger,
): Promise<StateStore> {
  if (backends.state !== 'firestore') return openLocalStateStore({ dir: stateDir, clock, logger });
  const project = backends.project;
  if (project === undefined) throw new Error('unreachable: backendsFromEnv requires a project');
  const [{ openFirestoreStateStore }, { getFirestore }] = await Promise.all([
    import('../gcp/index.js'),
    import('@pipewell/clients/firestore'),
  ]);
  return openFirestoreStateStore({
    firestore: getFirestore({ projectId: project, env }),
    prefix: backends.prefix === '' ? '' : `${backends.prefix}_`,
    clock,
    logger,
  });
}

interface OpenedPorts {
  readonly backends: BackendChoice;
  readonly warehouse: Warehouse;
  readonly state: StateStore;
  readonly queue: Queue;
  readonly objects: ObjectStore;
  readonly cleanups: Array<() => Promise<unknown>>;
}

/**
 * Open each port on the backend `backends` picks. The Google Cloud adapters and SDKs are loaded
 * only when one is picked, so the embedded run never pays for them.
 */
async function openPorts(
  backends: BackendChoice,
  dataDir: DataDir,
  env: Env,
  clock: Clock,
  logger: Logger,
): Promise<OpenedPorts> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const projectId = backends.project;
  const gcp =
    backends.queue === 'local' &&
    backends.state === 'local' &&
    backends.warehouse === 'duckdb' &&
    backends.objects === 'local'
      ? undefined
      : await import('../gcp/index.js');
  const cloud = () => {
    if (gcp === undefined || projectId === undefined) throw new Error('unreachable: no project');
    return { gcp, projectId };
  };

  let warehouse: Warehouse;
  if (backends.warehouse === 'bigquery') {
    const { gcp: adapters, projectId: project } = cloud();
    const { getBigQuery } = await import('@pipewell/clients/bigquery');
    warehouse = adapters.openBigQueryWarehouse({
      bigquery: getBigQuery({ projectId: project, env }),
      projectId: project,
      location: backends.location,
      datasetPrefix: backends.prefix === '' ? '' : `${backends.prefix}_`,
      clock,
      logger,
    });
  } else {
    warehouse = await openDuckDbWarehouse({ path: dataDir.warehousePath });
  }
  cleanups.push(() => warehouse.close());

  const state = await openStateStoreOf(backends, dataDir.stateDir, env, clock, logger);
  cleanups.push(() => state.close());

  let queue: Queue;
  if (backends.queue === 'pubsub') {
    const { gcp: adapters, projectId: project } = cloud();
    const { getPubSub } = await import('@pipewell/clients/pubsub');
    queue = adapters.openPubSubQueue({ pubsub: getPubSub({ projectId: project, env }), logger });
  } else {
    queue = await openLocalQueue({ dir: dataDir.queueDir, clock, logger });
  }
  cleanups.push(() => queue.close());

  let objects: ObjectStore;
  if (backends.objects === 'gcs') {
    const { gcp: adapters } = cloud();
    objects = await adapters.openGcsObjectStore({
      bucket: backends.bucket ?? '',
      ...(backends.prefix === '' ? {} : { prefix: `${backends.prefix}/` }),
      logger,
    });
  } else {
    objects = await openLocalObjectStore({ dir: dataDir.objectsDir });
  }
  return { backends, warehouse, state, queue, objects, cleanups };
}

/**
 * Open the pipeline: the data directory (locked for this process), each port on the backend the
 * environment picks (see {@link backendsFromEnv}: by default the DuckDB warehouse with every
 * table, the local queue, state store and object store; or Pub/Sub, Firestore, BigQuery and
 * Cloud Storage, each on its own, emulators honoured), the source HTTP clients (retry and a breaker per source, breaker state in the state store), the alerter
 * (logger, plus Slack when `SLACK_WEBHOOK_URL` is set, with a durable outbox), and the engine. A
 * provider URL left unset is served by the built-in provider on 127.0.0.1, whose "today" follows
 * the pipeline date, so a past date sees what it would have seen that morning.
 */
export async function openPipelineApp(options: OpenPipelineAppOptions): Promise<PipelineApp> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const env = readEnv(options.env);
  const dataDir = await openDataDir(options.dataDir, { command: options.command, clock, logger });
  const cleanups: Array<() => Promise<unknown>> = [() => dataDir.close()];
  const closeAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
    }
  };
  try {
    const needsProvider = sourceEnvNames.some((name) => (env[name] ?? '').trim() === '');
    const provider = needsProvider
      ? await startProvider({ seed: options.seed ?? 42, clock })
      : undefined;
    if (provider !== undefined) cleanups.push(() => provider.close());

    const ports = await openPorts(backendsFromEnv(env), dataDir, env, clock, logger);
    cleanups.push(...ports.cleanups);
    const { warehouse, state, queue, objects } = ports;
    await warehouse.ensureTables(allTables);
    const bookkeeping = createBookkeepingWriter({ warehouse, clock, logger });
    cleanups.push(() => bookkeeping.close());

    const local = provider?.urls;
    const config = sourceConfigFromEnv(env, {
      nbaCdn: { baseUrl: local?.nbaCdn ?? '' },
      balldontlie: { baseUrl: local?.balldontlie ?? '', apiKey: 'local' },
      espn: { baseUrl: local?.espn ?? '' },
      oddsApi: { baseUrl: local?.oddsApi ?? '', apiKey: 'local' },
    });
    const http = createSourceHttp({
      config,
      clock,
      logger,
      breakerStore: createStateBreakerStore(state),
    });

    const sinks: AlertSink[] = [createLoggerSink({ logger })];
    const slack = (env.SLACK_WEBHOOK_URL ?? '').trim();
    if (slack !== '') sinks.push(createSlackSink({ webhookUrl: slack, clock }));
    const alerter = createAlerter({
      sinks,
      outbox: createFileOutbox({ path: join(dataDir.path, 'alert-outbox.json'), clock, logger }),
      clock,
      logger,
    });
    cleanups.push(() => alerter.close({ timeoutMs: 5_000 }));

    const definition = createPipelineDefinition({
      http,
      warehouse,
      objects,
      queue,
      state,
      clock,
      logger,
      recordScraperRun: async (row) => bookkeeping.write(scraperExecutionLog, row),
      ...(provider === undefined
        ? {}
        : { beforeScrape: (date: string) => provider.setToday(date) }),
    });
    const engine = createPipelineEngine(
      {
        warehouse,
        state,
        queue,
        objects,
        bookkeeping,
        clock,
        logger,
        alerts: alerter,
        // Pub/Sub's retry policy counts whole seconds.
        ...(ports.backends.queue === 'pubsub' ? { minBackoffMs: 1_000 } : {}),
      },
      definition,
    );
    cleanups.push(() => engine.close());
    if (options.start !== false) await engine.start();

    const app: PipelineApp = {
      engine,
      queue,
      dataDir,
      provider,
      close: closeAll,
      [Symbol.asyncDispose]: closeAll,
    };
    return app;
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * {@link openPipelineApp} as the CLI wants it: the engine, whose `close()` closes the whole app
 * (engine, alerter, bookkeeping, queue, state, warehouse, provider) and releases the directory.
 */
export async function openPipelineEngine(options: OpenPipelineAppOptions): Promise<PipelineEngine> {
  const app = await openPipelineApp(options);
  const { engine } = app;
  return {
    runDate: (dataDate, runOptions) => engine.runDate(dataDate, runOptions),
    status: (dataDate) => engine.status(dataDate),
    start: () => engine.start(),
    sweep: (sweepOptions) => engine.sweep(sweepOptions),
    close: () => app.close(),
    [Symbol.asyncDispose]: () => app.close(),
  };
}
