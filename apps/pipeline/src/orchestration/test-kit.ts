import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Alerter, createAlerter, createMemorySink, type MemorySink } from '@pipewell/alerts';
import { ident, sql } from '@pipewell/clients/sql';
import { systemClock } from '@pipewell/core';
import { createVirtualClock, type VirtualClock } from '@pipewell/core/testing';
import { topics } from '../messages/index.js';
import { type LocalQueue, openLocalQueue, type Queue } from '../queue/index.js';
import {
  type BookkeepingWriter,
  createBookkeepingWriter,
  defineProcessor,
  type ProcessorContext,
  type ProcessorResult,
} from '../runtime/index.js';
import { openRuntimeKit, type RuntimeKit } from '../runtime/test-support.js';
import { type AnyTable, defineTable, type Warehouse } from '../warehouse/index.js';
import { createPipelineEngine } from './engine.js';
import { batchGate, countRowsOn, coverageGate, quorumGate } from './gates.js';
import type {
  PhaseProcessorEntry,
  PipelineDefinition,
  PipelineEngine,
  PipelineEngineDeps,
  PredictionBatchSummary,
  RawInput,
} from './types.js';

/** Tables of the toy pipeline the engine tests run. */
export const toyTables = {
  games: defineTable({
    name: 'toy_raw.games',
    columns: { data_date: 'DATE', game: 'STRING' },
    keys: ['data_date', 'game'],
    partitionBy: 'data_date',
    description: 'Scheduled games of a date (the coverage denominator).',
  }),
  scraped: defineTable({
    name: 'toy_raw.scraped',
    columns: { data_date: 'DATE', scraper: 'STRING', payloads: 'INT64' },
    keys: ['data_date', 'scraper'],
    partitionBy: 'data_date',
    description: 'One row per scraper loaded.',
  }),
  summary: defineTable({
    name: 'toy_analytics.summary',
    columns: { data_date: 'DATE', game: 'STRING' },
    keys: ['data_date', 'game'],
    partitionBy: 'data_date',
    description: 'One row per game covered.',
  }),
  context: defineTable({
    name: 'toy_analytics.context',
    columns: { data_date: 'DATE', player: 'STRING' },
    keys: ['data_date', 'player'],
    partitionBy: 'data_date',
    description: 'One row per player.',
  }),
  precompute: ['p1', 'p2', 'p3', 'p4', 'p5'].map((name) =>
    defineTable({
      name: `toy_precompute.${name}`,
      columns: { data_date: 'DATE', player: 'STRING' },
      keys: ['data_date', 'player'],
      partitionBy: 'data_date',
      description: `Precompute output ${name}.`,
    }),
  ),
  requests: defineTable({
    name: 'toy_predictions.requests',
    columns: { data_date: 'DATE', player_id: 'INT64' },
    keys: ['data_date', 'player_id'],
    partitionBy: 'data_date',
    description: 'Players requested.',
  }),
  predictions: defineTable({
    name: 'toy_predictions.predictions',
    columns: { data_date: 'DATE', player_id: 'INT64', value: 'FLOAT64' },
    keys: ['data_date', 'player_id'],
    partitionBy: 'data_date',
    description: 'One prediction per player.',
  }),
  graded: defineTable({
    name: 'toy_predictions.graded',
    columns: { data_date: 'DATE', player_id: 'INT64' },
    keys: ['data_date', 'player_id'],
    partitionBy: 'data_date',
    description: 'Graded predictions.',
  }),
};

const players = ['ann', 'bob', 'cid'];
const batchCollection = 'toy-batches';

interface Batch {
  readonly batchId: string;
  readonly dataDate: string;
  readonly expected: number;
  readonly completed: number;
  readonly closed: boolean;
}

/** Knobs a test turns to break the toy pipeline in one place. */
export interface ToyKnobs {
  /** Scrapers phase 1 does not run (never publish a completion). */
  skipScrapers: Set<string>;
  /** summary reports success but writes nothing. */
  summaryWritesNothing: boolean;
  /** Players whose prediction request fails for good (dead-lettered, no result). */
  failPredictionFor: Set<number>;
  /** Called inside a processor's run, by name; may throw or wait. */
  hooks: Map<string, (ctx: ProcessorContext) => Promise<void>>;
  /** `name:start` and `name:end` in the order runs went. */
  readonly order: string[];
}

async function count(warehouse: Warehouse, table: AnyTable, dataDate: string): Promise<number> {
  return countRowsOn(table, 'data_date')(dataDate, warehouse);
}

function toyProcessor(
  knobs: ToyKnobs,
  name: string,
  phase: 3 | 4 | 6,
  output: AnyTable,
  write: (dataDate: string, warehouse: Warehouse) => Promise<number>,
) {
  return defineProcessor({
    name,
    phase,
    outputs: [output],
    run: async ({ dataDate }, ctx): Promise<ProcessorResult> => {
      knobs.order.push(`${name}:start`);
      await knobs.hooks.get(name)?.(ctx);
      const rows = await write(dataDate, ctx.warehouse);
      knobs.order.push(`${name}:end`);
      return { rows };
    },
  });
}

/** The toy pipeline: 2 scrapers, 2 raw, 2 analytics, 5 precompute, a 3-player batch, grading. */
export function toyDefinition(knobs: ToyKnobs): PipelineDefinition {
  const t = toyTables;
  const raw = (name: string): PhaseProcessorEntry<RawInput> => ({
    processor: defineProcessor<RawInput>({
      name,
      phase: 2,
      outputs: [t.scraped],
      run: async (input, ctx) => {
        knobs.order.push(`${name}:start`);
        await knobs.hooks.get(name)?.(ctx);
        await ctx.warehouse.merge(t.scraped, [
          {
            data_date: input.dataDate,
            scraper: input.scraper,
            payloads: input.payloadPaths.length,
          },
        ]);
        if (name === 'raw_a') {
          await ctx.warehouse.merge(
            t.games,
            ['g1', 'g2', 'g3', 'g4', 'g5'].map((game) => ({ data_date: input.dataDate, game })),
          );
        }
        knobs.order.push(`${name}:end`);
        return { rows: 1 };
      },
    }),
  });
  const merge = <T extends AnyTable>(table: T, rows: (dataDate: string) => object[]) => {
    return async (dataDate: string, warehouse: Warehouse) => {
      const list = rows(dataDate);
      await warehouse.merge(table, list as never);
      return list.length;
    };
  };
  const perPlayer = (dataDate: string) =>
    players.map((player) => ({ data_date: dataDate, player }));
  const precompute = t.precompute.map((table, i) => ({
    processor: toyProcessor(knobs, `p${i + 1}`, 4, table, merge(table, perPlayer)),
    critical: i < 2,
  }));
  return {
    phase1: {
      expected: ['s-a', 's-b'],
      async run(dataDate, { correlationId }) {
        // Phase 1's real runner publishes one completion per scraper; so does this one.
        for (const scraper of ['s-a', 's-b']) {
          if (knobs.skipScrapers.has(scraper)) continue;
          await queueOf(knobs).publish(topics.scraperComplete, {
            scraper,
            dataDate,
            runId: `${scraper}-${correlationId}`,
            status: 'success',
            payloadPaths: [`raw/${scraper}/${dataDate}.json`],
            rows: 1,
            correlationId,
          });
        }
      },
    },
    raw: {
      entries: [raw('raw_a'), raw('raw_b')],
      processorForScraper: (scraper) => ({ 's-a': 'raw_a', 's-b': 'raw_b' })[scraper],
    },
    phases: {
      3: [
        {
          processor: toyProcessor(knobs, 'summary', 3, t.summary, async (dataDate, warehouse) => {
            if (knobs.summaryWritesNothing) return 0;
            const games = await warehouse.query<{ game: string }>(
              sql`SELECT game FROM ${ident(t.games.name)} ORDER BY game`,
            );
            await warehouse.merge(
              t.summary,
              games.map(({ game }) => ({ data_date: dataDate, game })),
            );
            return games.length;
          }),
          critical: true,
        },
        {
          processor: toyProcessor(knobs, 'context', 3, t.context, merge(t.context, perPlayer)),
          dependsOn: ['summary'],
          critical: true,
        },
      ],
      4: precompute,
      6: [
        {
          processor: toyProcessor(knobs, 'grade', 6, t.graded, async (dataDate, warehouse) => {
            const rows = await warehouse.query<{ player_id: number }>(
              sql`SELECT player_id FROM ${ident(t.predictions.name)} ORDER BY player_id`,
            );
            await warehouse.merge(
              t.graded,
              rows.map(({ player_id }) => ({ data_date: dataDate, player_id: Number(player_id) })),
            );
            return rows.length;
          }),
        },
      ],
    },
    predictions: {
      coordinator: {
        processor: defineProcessor({
          name: 'coordinator',
          phase: 5,
          outputs: [t.requests],
          run: async ({ dataDate }, ctx) => {
            knobs.order.push('coordinator:start');
            const batchId = `batch-${dataDate}`;
            await ctx.state.set(batchCollection, dataDate, {
              batchId,
              dataDate,
              expected: players.length,
              completed: 0,
              closed: false,
            } satisfies Batch);
            await ctx.warehouse.merge(
              t.requests,
              players.map((_, i) => ({ data_date: dataDate, player_id: i + 1 })),
            );
            for (const [i, player] of players.entries()) {
              await ctx.queue.publish(topics.predictionRequest, {
                batchId,
                dataDate,
                gameKey: `${dataDate.replaceAll('-', '')}_BOS_CHI`,
                playerId: i + 1,
                playerName: player,
                lines: [{ market: 'player_points', line: 20.5 }],
              });
            }
            knobs.order.push('coordinator:end');
            return { rows: players.length };
          },
        }),
      },
      async handleRequest(request, ctx) {
        if (knobs.failPredictionFor.has(request.playerId)) {
          throw Object.assign(new Error(`no features for player ${request.playerId}`), {
            permanent: true,
          });
        }
        await ctx.warehouse.merge(t.predictions, [
          { data_date: request.dataDate, player_id: request.playerId, value: 21 },
        ]);
        await ctx.queue.publish(topics.predictionResult, {
          batchId: request.batchId,
          playerId: request.playerId,
          status: 'predicted',
          predictions: [
            {
              market: 'player_points',
              line: 20.5,
              predictedValue: 21,
              recommendation: 'pass',
              confidence: 0.5,
            },
          ],
        });
      },
      async recordResult(result, ctx) {
        const dataDate = result.batchId.slice('batch-'.length);
        let completedNow = false;
        const batch = await ctx.state.update<Batch>(batchCollection, dataDate, (current) => {
          completedNow = false;
          if (current === undefined || current.closed) return undefined;
          const completed = current.completed + 1;
          completedNow = completed >= current.expected;
          return { ...current, completed, closed: completedNow };
        });
        return { completedNow, batch: summaryOf(batch as Batch) };
      },
      async settleStalled(dataDate, ctx) {
        const batch = await ctx.state.update<Batch>(batchCollection, dataDate, (current) =>
          current === undefined ? undefined : { ...current, closed: true },
        );
        return batch === undefined ? undefined : summaryOf(batch);
      },
    },
    gates: {
      '3->4': coverageGate({
        critical: [
          { name: 'summary', rows: countRowsOn(t.summary, 'data_date') },
          { name: 'context', rows: countRowsOn(t.context, 'data_date') },
        ],
        coverage: {
          name: 'games covered',
          expected: countRowsOn(t.games, 'data_date'),
          actual: countRowsOn(t.summary, 'data_date'),
        },
      }),
      '4->5': quorumGate({
        outputs: t.precompute.map((table, i) => ({
          name: table.name,
          rows: countRowsOn(table, 'data_date'),
          critical: i < 2,
        })),
        min: 3,
      }),
      '5->6': batchGate({
        expected: countRowsOn(t.requests, 'data_date'),
        actual: countRowsOn(t.predictions, 'data_date'),
      }),
    },
    async summary(dataDate, warehouse) {
      return {
        games: await count(warehouse, t.games, dataDate),
        players: await count(warehouse, t.context, dataDate),
        predictions: await count(warehouse, t.predictions, dataDate),
        graded: await count(warehouse, t.graded, dataDate),
      };
    },
  };
}

function summaryOf(batch: Batch): PredictionBatchSummary {
  return {
    batchId: batch.batchId,
    dataDate: batch.dataDate,
    expected: batch.expected,
    completed: batch.completed,
  };
}

const queues = new WeakMap<ToyKnobs, Queue>();
function queueOf(knobs: ToyKnobs): Queue {
  const queue = queues.get(knobs);
  if (queue === undefined) throw new Error('toy pipeline: no queue bound to these knobs');
  return queue;
}

/** A queue whose `publish` a test can intercept (fail, duplicate, observe). */
export interface InterceptedQueue extends Queue {
  /** Called before each publish; throw to fail it. Returns how many extra copies to publish. */
  onPublish: ((topic: string, data: unknown) => Promise<number | undefined>) | undefined;
  /** Every `subscribe` call: the subscription and the messages it handles at once. */
  readonly subscribed: Array<{ subscription: string; concurrency: number | undefined }>;
}

function intercept(inner: LocalQueue): InterceptedQueue {
  const wrapper: InterceptedQueue = {
    onPublish: undefined,
    subscribed: [],
    ensureTopic: (name) => inner.ensureTopic(name),
    ensureSubscription: (options) => inner.ensureSubscription(options),
    async publish(topic, data, options) {
      const copies = (await wrapper.onPublish?.(topic, data)) ?? 0;
      const id = await inner.publish(topic, data, options);
      for (let i = 0; i < copies; i++) await inner.publish(topic, data, options);
      return id;
    },
    subscribe: (subscription, handler, options) => {
      wrapper.subscribed.push({ subscription, concurrency: options?.concurrency });
      return inner.subscribe(subscription, handler, options);
    },
    idle: (options) => inner.idle(options),
    stats: () => inner.stats(),
    close: () => inner.close(),
  };
  return wrapper;
}

/** Everything an engine test needs, real: DuckDB in memory, local state and queue, an alerter. */
export interface EngineKit extends AsyncDisposable {
  readonly clock: VirtualClock;
  readonly runtime: RuntimeKit;
  readonly queue: InterceptedQueue;
  readonly bookkeeping: BookkeepingWriter;
  readonly alerter: Alerter;
  readonly sink: MemorySink;
  readonly knobs: ToyKnobs;
  readonly engine: PipelineEngine;
  /** What the engine was created on. */
  readonly deps: PipelineEngineDeps;
  /** The run-history rows of `processor`. */
  runsOf(processor: string): Promise<Array<Record<string, unknown>>>;
}

/** Timeouts of the engine in the kit. */
export const kitTimeouts = { phaseTimeoutMs: 60 * 60_000, sweepIntervalMs: 60_000 } as const;

/**
 * Open an {@link EngineKit}. The engine, state store and alerter run on a virtual clock (phase
 * deadlines move only when a test moves them); the queue runs on the system clock with a 1 ms
 * backoff, so a redelivery takes a millisecond and no lease expires while virtual time jumps.
 */
export async function openEngineKit(): Promise<EngineKit> {
  const clock = createVirtualClock({ now: Date.parse('2026-01-25T08:00:00Z') });
  const runtime = await openRuntimeKit(clock);
  await runtime.warehouse.ensureTables([
    toyTables.games,
    toyTables.scraped,
    toyTables.summary,
    toyTables.context,
    ...toyTables.precompute,
    toyTables.requests,
    toyTables.predictions,
    toyTables.graded,
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'pipewell-engine-'));
  const local = await openLocalQueue({ dir, clock: systemClock });
  const queue = intercept(local);
  const bookkeeping = createBookkeepingWriter({ warehouse: runtime.warehouse, clock });
  const sink = createMemorySink();
  const alerter = createAlerter({ sinks: [sink], clock, rateLimit: false });
  const knobs: ToyKnobs = {
    skipScrapers: new Set(),
    summaryWritesNothing: false,
    failPredictionFor: new Set(),
    hooks: new Map(),
    order: [],
  };
  queues.set(knobs, queue);
  const deps: PipelineEngineDeps = {
    warehouse: runtime.warehouse,
    state: runtime.state,
    queue,
    objects: runtime.objects,
    bookkeeping,
    clock,
    alerts: alerter,
    minBackoffMs: 1,
    ...kitTimeouts,
  };
  const engine = createPipelineEngine(deps, toyDefinition(knobs));
  return {
    clock,
    runtime,
    queue,
    bookkeeping,
    alerter,
    sink,
    knobs,
    engine,
    deps,
    async runsOf(processor) {
      await bookkeeping.flush();
      const rows = await runtime.runRows();
      return rows.filter((row) => row.processor === processor);
    },
    async [Symbol.asyncDispose]() {
      await engine.close();
      await alerter.close();
      await bookkeeping.close();
      await local.close();
      await runtime[Symbol.asyncDispose]();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
