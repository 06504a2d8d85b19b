import type { Clock, Logger } from '@pipewell/core';
import { analyticsEntries } from '../analytics/index.js';
import { gradingEntries } from '../grading/index.js';
import type { ObjectStore } from '../objects/index.js';
import type {
  PipelineDefinition,
  PredictionBatchSummary,
  PredictionsPhase,
} from '../orchestration/index.js';
import { precomputeEntries } from '../precompute/index.js';
import {
  createModelCache,
  createPredictionWriter,
  handlePredictionRequest,
  loadPredictionBatch,
  type PredictionBatch,
  type PredictionBatchDocument,
  predictionBatchesCollection,
  predictionEntries,
  recordPredictionResult,
  settleStalledBatches,
} from '../predictions/index.js';
import type { Queue } from '../queue/index.js';
import { rawEntries, rawProcessorForScraper } from '../raw/index.js';
import {
  phase1Scrapers,
  type ScraperRunRow,
  type SourceHttp,
  scrapeDate,
} from '../scrapers/index.js';
import type { StateStore } from '../state/index.js';
import type { Warehouse } from '../warehouse/index.js';
import { pipelineGates } from './gates.js';
import { dateFigures } from './measures.js';

/** What {@link createPipelineDefinition} wires the phases to. */
export interface PipelineDefinitionDeps {
  readonly http: SourceHttp;
  readonly warehouse: Warehouse;
  readonly objects: ObjectStore;
  readonly queue: Queue;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records a scraper run in `scraper_execution_log` (the batching bookkeeping writer). */
  readonly recordScraperRun: (row: ScraperRunRow) => Promise<void>;
  /** Called before phase 1 of a date (the built-in provider moves its "today" there). */
  readonly beforeScrape?: (dataDate: string) => void;
}

function summaryOf(batch: PredictionBatch): PredictionBatchSummary {
  return {
    batchId: batch.batchId,
    dataDate: batch.dataDate,
    expected: batch.expected.length,
    completed: Object.keys(batch.reported).length,
  };
}

/**
 * Phase 5 as the engine drives it, on one model cache and one group-commit writer per process.
 * A batch with no player (early in the season nobody has enough games) is complete from the
 * start and no result ever arrives for it: when the phase stalls, that batch is what closes it.
 */
export function predictionsPhase(warehouse: Warehouse): PredictionsPhase {
  const models = createModelCache();
  const writer = createPredictionWriter(warehouse);
  const [coordinator] = predictionEntries;
  if (coordinator === undefined) throw new Error('predictionEntries lists no coordinator');
  return {
    coordinator,
    async handleRequest(request, deps) {
      await handlePredictionRequest(request, { ...deps, models, writer });
    },
    async recordResult(result, deps) {
      const { batch, completedNow } = await recordPredictionResult(result, deps);
      return { batch: summaryOf(batch), completedNow };
    },
    async settleStalled(dataDate, deps, { stalledBy }) {
      const [settled] = await settleStalledBatches(dataDate, deps, {
        ignoreDeadline: stalledBy === 'idle',
      });
      if (settled !== undefined) return summaryOf(settled);
      const batches = await deps.state.list<PredictionBatchDocument>(predictionBatchesCollection, {
        where: { dataDate },
      });
      const latest = batches
        .map(({ doc }) => doc)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .at(-1);
      if (latest === undefined || latest.status === 'running') return undefined;
      const loaded = await loadPredictionBatch(latest.batchId, deps.state);
      return loaded === undefined ? undefined : summaryOf(loaded);
    },
  };
}

/**
 * The whole pipeline as the engine runs it: phase 1's scrapers, the processors of every phase
 * from their modules, the prediction workers, the gates and the summary figures.
 */
export function createPipelineDefinition(deps: PipelineDefinitionDeps): PipelineDefinition {
  const { warehouse } = deps;
  return {
    phase1: {
      expected: phase1Scrapers,
      async run(dataDate, context) {
        deps.beforeScrape?.(dataDate);
        await scrapeDate(dataDate, {
          http: deps.http,
          objects: deps.objects,
          queue: deps.queue,
          state: deps.state,
          recordScraperRun: deps.recordScraperRun,
          correlationId: context.correlationId,
          clock: deps.clock,
          logger: deps.logger,
          signal: context.signal,
        });
      },
    },
    raw: {
      entries: rawEntries,
      processorForScraper: (scraper) => rawProcessorForScraper[scraper],
    },
    phases: { 3: analyticsEntries, 4: precomputeEntries, 6: gradingEntries },
    predictions: predictionsPhase(warehouse),
    gates: pipelineGates(deps.state),
    summary: (dataDate, warehouseOfRun) => dateFigures(warehouseOfRun, dataDate),
  };
}
