import { randomBytes } from 'node:crypto';
import { type EveryHandle, every, isCalendarDate, silentLogger } from '@pipewell/core';
import {
  type PhaseCompletion,
  type PhaseTrigger,
  type PredictionRequest,
  type PredictionResult,
  phaseCompletionSchema,
  phaseTriggerSchema,
  predictionRequestSchema,
  predictionResultSchema,
  type ScraperCompletion,
  scraperCompletionSchema,
  topics,
} from '../messages/index.js';
import type { MessageHandler, MessageSchema, QueueSubscriber } from '../queue/index.js';
import type { Phase, ProcessorInput } from '../runtime/index.js';
import { decideGate } from './decide-gate.js';
import { allPhases, indexDefinition, predictionBatchProcessor } from './definition-index.js';
import { OrchestrationError } from './errors.js';
import { decideByTimer, isFinished, newRecord, settle } from './records.js';
import {
  messageOf,
  publishCompletion,
  type RunAndReportDeps,
  runAndReport,
} from './run-and-report.js';
import { createSerializer } from './serial.js';
import {
  type DateOutcome,
  type EngineHandler,
  type EngineHandlerSource,
  type GateName,
  type PhaseProcessorEntry,
  type PhaseRecord,
  type PipelineDefinition,
  type PipelineEngine,
  type PipelineEngineDeps,
  type PipelineEvent,
  type PredictionBatchSummary,
  type PredictionDeps,
  type ProcessorReport,
  phaseRecordId,
  phaseRecordsCollection,
  type RunDateOptions,
  type SweepOptions,
} from './types.js';

/** The subscriptions the engine creates, by role; each has `<name>-dead-letter`. */
export const engineSubscriptions = {
  phaseTrigger: 'pipeline-phase-trigger',
  raw: 'pipeline-raw',
  scrapers: 'pipeline-scrapers',
  orchestrator: 'pipeline-orchestrator',
  predictionRequests: 'pipeline-prediction-requests',
  predictionResults: 'pipeline-prediction-results',
} as const;

/** The trigger marker of phase 1 (its one trigger names no processor). */

/**
 * Create the pipeline engine: the subscriptions of every phase on `deps.queue`, the orchestrator
 * that keeps one {@link PhaseRecord} per (phase, date) in `deps.state` and opens the gates, and
 * a timer that decides phases which never complete. The pipeline itself (processors, gates,
 * figures) comes in `definition`. See the folder README for how a date flows.
 *
 * @example
 * ```ts
 * await using engine = createPipelineEngine({ warehouse, state, queue, objects, bookkeeping, clock, alerts }, definition);
 * const outcome = await engine.runDate('2026-01-24', { onEvent: (event) => show(event) });
 * ```
 */
export function createPipelineEngine(
  deps: PipelineEngineDeps,
  definition: PipelineDefinition,
): PipelineEngine & EngineHandlerSource {
  const { warehouse, state, queue, clock, alerts } = deps;
  const logger = deps.logger ?? silentLogger;
  const phaseTimeoutMs = deps.phaseTimeoutMs ?? 30 * 60_000;
  const sweepIntervalMs = deps.sweepIntervalMs ?? 60_000;
  const maxDeliveryAttempts = deps.maxDeliveryAttempts ?? 5;
  const listeners = new Set<(event: PipelineEvent) => void>();
  const alertCounts = new Map<string, number>();
  const _locks = new Map<string, Promise<unknown>>();
  const subscribers: QueueSubscriber[] = [];
  let started: Promise<void> | undefined;
  let loop: EveryHandle | undefined;
  let closed = false;

  const iso = (): string => new Date(clock.now()).toISOString();
  const emit = (event: PipelineEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.warn({ err: error }, 'a pipeline event listener threw');
      }
    }
  };

  const serial = createSerializer();
  const runDeps: RunAndReportDeps = {
    warehouse,
    state,
    queue,
    objects: deps.objects,
    bookkeeping: deps.bookkeeping,
    clock,
    logger,
    maxDeliveryAttempts,
    ...(deps.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: deps.heartbeatIntervalMs }),
  };
  const index = indexDefinition(definition);
  const { entriesOf, expectedOf } = index;

  // ---- records ----

  const getRecord = (phase: Phase, dataDate: string) =>
    state.get<PhaseRecord>(phaseRecordsCollection, phaseRecordId(phase, dataDate));
  const updateRecord = (
    phase: Phase,
    dataDate: string,
    fn: (current: PhaseRecord | undefined) => PhaseRecord | undefined,
  ) => state.update<PhaseRecord>(phaseRecordsCollection, phaseRecordId(phase, dataDate), fn);

  const predictionDeps = (signal: AbortSignal): PredictionDeps => ({
    warehouse,
    state,
    queue,
    objects: deps.objects,
    clock,
    logger,
    signal,
  });

  /**
   * Publish the triggers of `phase` that may start and are not yet out; only once a publish
   * resolved is its processor marked triggered (and the record running). Resolves with how many
   * were published; rejects with the first publish error (the rest are marked).
   */
  function triggerPhase(phase: Phase, dataDate: string): Promise<number> {
    return serial(`trigger:${phase}:${dataDate}`, async () => {
      const record = await getRecord(phase, dataDate);
      if (record === undefined || (record.status !== 'pending' && record.status !== 'running')) {
        return 0;
      }
      const names = index.startable(record);
      if (names.length === 0) return 0;
      const reason: PhaseTrigger['reason'] = record.gate === undefined ? 'manual' : 'gate';
      const results = await Promise.allSettled(
        names.map((name) => {
          const trigger: PhaseTrigger = {
            phase,
            dataDate,
            correlationId: record.correlationId,
            reason,
            ...(phase === 1 ? {} : { processors: [name] }),
          };
          return queue.publish(topics.phaseTrigger, trigger);
        }),
      );
      const sent = names.filter((_, i) => results[i]?.status === 'fulfilled');
      let startedNow = false;
      if (sent.length > 0) {
        const at = iso();
        await updateRecord(phase, dataDate, (current) => {
          startedNow = false;
          if (current === undefined || current.correlationId !== record.correlationId) {
            return undefined;
          }
          if (current.status !== 'pending' && current.status !== 'running') return undefined;
          startedNow = current.status === 'pending';
          return {
            ...current,
            status: 'running',
            triggered: [...new Set([...(current.triggered ?? []), ...sent])],
            startedAt: current.startedAt ?? at,
            deadlineAt: current.deadlineAt ?? new Date(clock.now() + phaseTimeoutMs).toISOString(),
          };
        });
      }
      if (startedNow) emit({ type: 'phase-started', phase, dataDate });
      const failure = results.find((r) => r.status === 'rejected');
      if (failure !== undefined) throw failure.reason;
      return sent.length;
    });
  }

  // ---- gates ----

  async function alertBlocked(record: PhaseRecord): Promise<void> {
    let raise = false;
    const at = iso();
    await updateRecord(record.phase, record.dataDate, (current) => {
      raise = false;
      if (current === undefined || current.alertedAt !== undefined) return undefined;
      raise = true;
      return { ...current, alertedAt: at };
    });
    if (!raise) return;
    const gate = record.gate;
    const title = `Gate ${gate?.from ?? record.phase - 1}->${record.phase} blocked for ${record.dataDate}`;
    alertCounts.set(record.dataDate, (alertCounts.get(record.dataDate) ?? 0) + 1);
    emit({ type: 'alert', dataDate: record.dataDate, title });
    try {
      await alerts.alert({
        severity: 'error',
        title,
        body: (gate?.reasons ?? []).join('\n'),
        fields: { dataDate: record.dataDate, correlationId: record.correlationId },
        key: `gate-blocked:${record.phase}:${record.dataDate}:${record.correlationId}`,
      });
    } catch (error) {
      logger.error({ err: error, title }, 'the blocked-gate alert could not be raised');
    }
  }

  async function markNext(
    record: PhaseRecord,
    change: { publishedAt?: string; blockedAt?: string; lastError?: string },
  ): Promise<void> {
    await updateRecord(record.phase, record.dataDate, (current) => {
      if (current === undefined || current.correlationId !== record.correlationId) return undefined;
      return {
        ...current,
        nextTrigger: {
          ...current.nextTrigger,
          attempts: (current.nextTrigger?.attempts ?? 0) + 1,
          ...change,
        },
      };
    });
  }

  /**
   * Open the way out of the finished `record`: decide the gate (once, recorded on the next
   * record), then publish the next phase's triggers; `nextTrigger.publishedAt` is set only once
   * they are out. A failed publish is recorded and rethrown: the record stays retryable.
   */
  function advance(record: PhaseRecord): Promise<boolean> {
    return serial(`advance:${record.phase}:${record.dataDate}`, async () => {
      const current = await getRecord(record.phase, record.dataDate);
      if (current === undefined || current.correlationId !== record.correlationId) return false;
      if (!isFinished(current) || current.status === 'blocked') return false;
      if (current.phase >= (current.lastPhase ?? 6)) return false;
      if (current.nextTrigger?.publishedAt !== undefined) return false;
      if (current.nextTrigger?.blockedAt !== undefined) return false;
      const { dataDate } = current;
      if (current.phase === 1) {
        // Phase 2 runs on the scrapers' own completions: fail the raw work of missing scrapers.
        await failRawOfFailedScrapers(current);
        await markNext(current, { publishedAt: iso() });
        return true;
      }
      const to = (current.phase + 1) as Phase;
      let next = await getRecord(to, dataDate);
      if (
        next === undefined ||
        next.correlationId !== current.correlationId ||
        next.gate === undefined
      ) {
        const gate = definition.gates[`${current.phase}->${to}` as GateName];
        const decision = await decideGate(current, index, gate, warehouse, iso());
        emit({ type: 'gate', dataDate, decision });
        const at = iso();
        next = await updateRecord(to, dataDate, (existing) => {
          if (
            existing !== undefined &&
            existing.correlationId === current.correlationId &&
            existing.gate !== undefined
          ) {
            return undefined;
          }
          const fresh: PhaseRecord = {
            ...newRecord({
              phase: to,
              dataDate,
              correlationId: current.correlationId,
              expected: expectedOf(to),
              lastPhase: current.lastPhase ?? 6,
            }),
            gate: decision,
          };
          return decision.open ? fresh : { ...fresh, status: 'blocked', finishedAt: at };
        });
        if (next?.status === 'blocked') emit({ type: 'phase-finished', record: next });
      }
      if (next === undefined) return false;
      if (next.status === 'blocked') {
        await alertBlocked(next);
        await markNext(current, { blockedAt: iso() });
        return true;
      }
      try {
        await triggerPhase(to, dataDate);
      } catch (error) {
        await markNext(current, { lastError: messageOf(error) });
        throw error;
      }
      await markNext(current, { publishedAt: iso() });
      return true;
    });
  }

  // ---- reports into records ----

  /**
   * Put `report` of `name` into the record of (`phase`, `dataDate`) atomically, unless the record
   * belongs to another run, has ended, or already holds this run's report (a redelivery). Then
   * start the processors it unblocks, or, when it was the last, advance past the phase.
   */
  async function recordReport(
    phase: Phase,
    dataDate: string,
    correlationId: string,
    name: string,
    report: ProcessorReport,
  ): Promise<void> {
    let changed = false;
    let finishedNow = false;
    const at = iso();
    const record = await updateRecord(phase, dataDate, (current) => {
      changed = false;
      finishedNow = false;
      if (current === undefined || current.correlationId !== correlationId) return undefined;
      if (current.status !== 'pending' && current.status !== 'running') return undefined;
      if (current.reports[name]?.runId === report.runId) return undefined;
      changed = true;
      const next = settle({ ...current, reports: { ...current.reports, [name]: report } }, at);
      finishedNow = isFinished(next);
      return next;
    });
    if (record === undefined || record.correlationId !== correlationId) {
      logger.info({ phase, dataDate, name, correlationId }, 'a report of another run: ignored');
      return;
    }
    if (changed) emit({ type: 'processor-finished', phase, dataDate, processor: name, report });
    if (finishedNow) emit({ type: 'phase-finished', record });
    if (record.status === 'running' || record.status === 'pending') {
      await triggerPhase(phase, dataDate);
    } else if (isFinished(record)) {
      await advance(record);
    }
  }

  async function failRawOfFailedScrapers(phaseOne: PhaseRecord): Promise<void> {
    const at = iso();
    for (const [scraper, report] of Object.entries(phaseOne.reports)) {
      if (report.status !== 'failed') continue;
      const name = definition.raw.processorForScraper(scraper);
      if (name === undefined) continue;
      const existing = await getRecord(2, phaseOne.dataDate);
      if (existing?.reports[name] !== undefined) continue;
      await recordReport(2, phaseOne.dataDate, phaseOne.correlationId, name, {
        status: 'failed',
        rows: 0,
        runId: `${report.runId}__no-input`,
        at,
        error: `scraper ${scraper} failed: ${report.error ?? 'no payloads'}`,
      });
    }
  }

  // ---- handlers ----

  /** Whether the record of (`phase`, `dataDate`) belongs to this run and still takes work. */
  async function live(phase: Phase, dataDate: string, correlationId: string): Promise<boolean> {
    const record = await getRecord(phase, dataDate);
    return (
      record !== undefined &&
      record.correlationId === correlationId &&
      (record.status === 'pending' || record.status === 'running')
    );
  }

  const onTrigger: MessageHandler<PhaseTrigger> = async (trigger, context) => {
    const { dataDate, correlationId } = trigger;
    // The schema checked it is 1 to 6.
    const phase = trigger.phase as Phase;
    if (!(await live(phase, dataDate, correlationId))) {
      logger.info({ trigger }, 'a trigger of another run or an ended phase: ignored');
      return;
    }
    if (phase === 1) {
      await definition.phase1.run(dataDate, { correlationId, signal: context.signal });
      return;
    }
    const names = trigger.processors ?? entriesOf(phase).map((entry) => entry.processor.name);
    for (const name of names) {
      const entry = entriesOf(phase).find((candidate) => candidate.processor.name === name);
      if (entry === undefined) {
        throw new OrchestrationError(
          `phase-trigger: phase ${phase} has no processor ${JSON.stringify(name)}`,
        );
      }
      if (phase === 2) {
        // A manual phase-2 start: the payloads of each scraper this processor loads.
        const phaseOne = await getRecord(1, dataDate);
        const scrapers = definition.phase1.expected.filter(
          (scraper) => definition.raw.processorForScraper(scraper) === name,
        );
        for (const scraper of scrapers) {
          const payloadPaths = phaseOne?.reports[scraper]?.payloadPaths ?? [];
          await runAndReport(
            entry,
            2,
            { dataDate, scraper, payloadPaths } as ProcessorInput,
            correlationId,
            context,
            runDeps,
          );
        }
        continue;
      }
      await runAndReport(
        entry,
        phase,
        { dataDate, correlationId } as ProcessorInput,
        correlationId,
        context,
        runDeps,
      );
    }
  };

  const onScraperRecord: MessageHandler<ScraperCompletion> = async (completion) => {
    await recordReport(1, completion.dataDate, completion.correlationId, completion.scraper, {
      status: completion.status,
      rows: completion.rows,
      runId: completion.runId,
      at: iso(),
      payloadPaths: completion.payloadPaths,
      ...(completion.status === 'failed' ? { error: `scraper ${completion.scraper} failed` } : {}),
    });
  };

  const onScraperRaw: MessageHandler<ScraperCompletion> = async (completion, context) => {
    const name = definition.raw.processorForScraper(completion.scraper);
    if (name === undefined) return;
    const { dataDate, correlationId } = completion;
    if (!(await live(2, dataDate, correlationId))) return;
    const entry = index.rawEntry(name);
    if (entry === undefined) {
      throw new OrchestrationError(
        `scraper-complete: the raw processor ${JSON.stringify(name)} for scraper ${completion.scraper} is not among the raw entries`,
      );
    }
    if (completion.status === 'failed') {
      await publishCompletion(
        queue,
        {
          phase: 2,
          processor: name,
          dataDate,
          runId: `${completion.runId}__no-input`,
          status: 'failed',
          rows: 0,
          outputs: entry.processor.outputs.map((table) => table.name),
          correlationId,
        },
        { error: `scraper ${completion.scraper} failed` },
      );
      return;
    }
    await runAndReport(
      entry as PhaseProcessorEntry,
      2,
      {
        dataDate,
        scraper: completion.scraper,
        payloadPaths: completion.payloadPaths,
      } as ProcessorInput,
      correlationId,
      context,
      runDeps,
    );
  };

  const onPhaseComplete: MessageHandler<PhaseCompletion> = async (completion) => {
    const { error, degradedReasons: reasons } = completion;
    await recordReport(
      completion.phase as Phase,
      completion.dataDate,
      completion.correlationId,
      completion.processor,
      {
        status: completion.status,
        rows: completion.rows,
        runId: completion.runId,
        at: iso(),
        ...(error === undefined ? {} : { error }),
        ...(reasons === undefined ? {} : { degradedReasons: reasons }),
      },
    );
  };

  async function publishBatch(batch: PredictionBatchSummary): Promise<void> {
    const record = await getRecord(5, batch.dataDate);
    if (record === undefined) {
      logger.warn({ batch }, 'a prediction batch finished for a date with no phase-5 record');
      return;
    }
    await publishCompletion(queue, {
      phase: 5,
      processor: predictionBatchProcessor,
      dataDate: batch.dataDate,
      runId: batch.batchId,
      status: batch.completed >= batch.expected ? 'success' : 'degraded',
      rows: batch.rows ?? batch.completed,
      outputs: [],
      correlationId: record.correlationId,
    });
  }

  const onPredictionRequest: MessageHandler<PredictionRequest> = async (request, context) => {
    await definition.predictions.handleRequest(request, predictionDeps(context.signal));
  };

  const onPredictionResult: MessageHandler<PredictionResult> = async (result, context) => {
    const { completedNow, batch } = await definition.predictions.recordResult(
      result,
      predictionDeps(context.signal),
    );
    if (completedNow) await publishBatch(batch);
  };

  // ---- the sweep ----

  function decideStalled(
    record: PhaseRecord,
    why: string,
    stalledBy: 'idle' | 'deadline',
  ): Promise<boolean> {
    return serial(`advance:${record.phase}:${record.dataDate}`, async () => {
      if (record.phase === 5 && record.reports[predictionBatchProcessor] === undefined) {
        const batch = await definition.predictions.settleStalled(
          record.dataDate,
          predictionDeps(new AbortController().signal),
          { stalledBy },
        );
        if (batch !== undefined) {
          await publishBatch(batch);
          return true;
        }
      }
      let decidedNow = false;
      const at = iso();
      const decided = await updateRecord(record.phase, record.dataDate, (current) => {
        decidedNow = false;
        if (current === undefined || current.correlationId !== record.correlationId) {
          return undefined;
        }
        if (current.status !== 'running' && current.status !== 'pending') return undefined;
        decidedNow = true;
        return decideByTimer(current, at, why);
      });
      if (!decidedNow || decided === undefined) return false;
      logger.warn(
        { phase: record.phase, dataDate: record.dataDate, why },
        `phase ${record.phase} of ${record.dataDate} decided by the timer`,
      );
      emit({ type: 'phase-finished', record: decided });
      return true;
    });
  }

  async function sweep(options: SweepOptions = {}): Promise<boolean> {
    const listed = await state.list<PhaseRecord>(
      phaseRecordsCollection,
      options.dataDate === undefined ? {} : { where: { dataDate: options.dataDate } },
    );
    const byDate = new Map<string, PhaseRecord[]>();
    for (const { doc } of listed) {
      byDate.set(doc.dataDate, [...(byDate.get(doc.dataDate) ?? []), doc]);
    }
    let acted = false;
    const now = clock.now();
    for (const records of byDate.values()) {
      records.sort((a, b) => a.phase - b.phase);
      for (const record of records) {
        try {
          if (isFinished(record)) {
            const pendingNext =
              record.status !== 'blocked' &&
              record.phase < (record.lastPhase ?? 6) &&
              record.nextTrigger?.publishedAt === undefined &&
              record.nextTrigger?.blockedAt === undefined;
            if (pendingNext && (await advance(record))) acted = true;
            continue;
          }
          if (record.status === 'pending' && record.gate === undefined) {
            if ((await triggerPhase(record.phase, record.dataDate)) > 0) acted = true;
            continue;
          }
          if (record.status !== 'running') continue;
          if ((await triggerPhase(record.phase, record.dataDate)) > 0) {
            acted = true;
            break;
          }
          const overdue = record.deadlineAt !== undefined && Date.parse(record.deadlineAt) <= now;
          if (overdue || options.stalled === true) {
            const why = overdue
              ? `past its deadline ${record.deadlineAt}`
              : 'stalled: the queue is idle with nothing in flight';
            if (await decideStalled(record, why, overdue ? 'deadline' : 'idle')) {
              acted = true;
              const decided = await getRecord(record.phase, record.dataDate);
              if (decided !== undefined && isFinished(decided)) await advance(decided);
            }
            // One phase of a date at a time: the lower one may settle the next.
            break;
          }
        } catch (error) {
          acted = true;
          logger.warn(
            { err: error, phase: record.phase, dataDate: record.dataDate },
            'sweep: a retry failed; the next sweep tries again',
          );
        }
      }
    }
    return acted;
  }

  // ---- lifecycle ----

  function define<T>(
    subscription: string,
    topic: string,
    schema: MessageSchema<T>,
    handler: MessageHandler<T>,
    concurrency = deps.concurrency ?? 8,
  ): EngineHandler<T> {
    return {
      subscription,
      topic,
      options: {
        name: subscription,
        topic,
        deadLetterTopic: `${subscription}-dead-letter`,
        maxDeliveryAttempts,
        ackDeadlineMs: deps.ackDeadlineMs ?? 600_000,
        minBackoffMs: deps.minBackoffMs ?? 100,
        maxBackoffMs: Math.max(deps.minBackoffMs ?? 100, 10_000),
      },
      schema,
      concurrency,
      handle: async (data, context) => {
        await handler(data, context);
      },
    };
  }

  const s = engineSubscriptions;
  const engineHandlers: ReadonlyArray<EngineHandler> = Object.freeze([
    define(s.phaseTrigger, topics.phaseTrigger, phaseTriggerSchema, onTrigger),
    define(s.raw, topics.scraperComplete, scraperCompletionSchema, onScraperRaw),
    define(s.scrapers, topics.scraperComplete, scraperCompletionSchema, onScraperRecord),
    define(s.orchestrator, topics.phaseComplete, phaseCompletionSchema, onPhaseComplete),
    define(
      s.predictionRequests,
      topics.predictionRequest,
      predictionRequestSchema,
      onPredictionRequest,
      deps.predictionConcurrency ?? 64,
    ),
    define(
      s.predictionResults,
      topics.predictionResult,
      predictionResultSchema,
      onPredictionResult,
    ),
  ] as EngineHandler[]);

  function start(): Promise<void> {
    if (closed) return Promise.reject(new OrchestrationError('the pipeline engine is closed'));
    started ??= (async () => {
      for (const handler of engineHandlers) {
        await queue.ensureSubscription(handler.options);
        subscribers.push(
          await queue.subscribe(handler.subscription, handler.handle, {
            schema: handler.schema,
            concurrency: handler.concurrency,
          }),
        );
      }
      loop = every(clock, sweepIntervalMs, () => sweep(), {
        onError: (error) => logger.warn({ err: error }, 'the timer sweep failed'),
      });
    })();
    return started;
  }

  async function status(dataDate: string): Promise<PhaseRecord[]> {
    const listed = await state.list<PhaseRecord>(phaseRecordsCollection, {
      where: { dataDate },
    });
    return listed.map(({ doc }) => doc).sort((a, b) => a.phase - b.phase);
  }

  function checkPhases(phases: readonly Phase[]): void {
    const contiguous = phases.every((phase, i) => i === 0 || phase === (phases[i - 1] ?? 0) + 1);
    if (phases.length === 0 || !contiguous || phases.some((p) => !allPhases.includes(p))) {
      throw new OrchestrationError(
        `runDate: phases must be a contiguous run of 1 to 6 such as [1, 2, 3] (got ${JSON.stringify(phases)})`,
      );
    }
  }

  async function runDate(dataDate: string, options: RunDateOptions = {}): Promise<DateOutcome> {
    if (!isCalendarDate(dataDate)) {
      throw new OrchestrationError(
        `runDate: dataDate must be a calendar date as YYYY-MM-DD (got ${JSON.stringify(dataDate)})`,
      );
    }
    const phases = options.phases ?? allPhases;
    checkPhases(phases);
    const first = phases[0] as Phase;
    const last = phases[phases.length - 1] as Phase;
    const startedAt = clock.now();
    await start();
    const listener = (event: PipelineEvent): void => {
      const date = event.type === 'phase-finished' ? event.record.dataDate : event.dataDate;
      if (date === dataDate) options.onEvent?.(event);
    };
    listeners.add(listener);
    const alertsBefore = alertCounts.get(dataDate) ?? 0;
    try {
      const correlationId = `${dataDate}__${randomBytes(4).toString('hex')}`;
      for (const phase of phases) {
        await state.delete(phaseRecordsCollection, phaseRecordId(phase, dataDate));
      }
      const fresh = (phase: Phase) =>
        newRecord({ phase, dataDate, correlationId, expected: expectedOf(phase), lastPhase: last });
      await state.set(phaseRecordsCollection, phaseRecordId(first, dataDate), fresh(first));
      if (first === 1 && last >= 2) {
        // Phase 2 runs on the scrapers' completions: it runs from the start of phase 1.
        await state.set(phaseRecordsCollection, phaseRecordId(2, dataDate), {
          ...fresh(2),
          status: 'running',
          // Started by the scrapers' completions, never by a trigger.
          triggered: expectedOf(2),
          startedAt: iso(),
          deadlineAt: new Date(clock.now() + 2 * phaseTimeoutMs).toISOString(),
        } satisfies PhaseRecord);
        emit({ type: 'phase-started', phase: 2, dataDate });
      }
      try {
        await triggerPhase(first, dataDate);
      } catch (error) {
        logger.warn({ err: error, phase: first, dataDate }, 'runDate: the first trigger failed');
      }
      const ours = Object.values(engineSubscriptions);
      for (let round = 0; round < 200; round++) {
        options.signal?.throwIfAborted();
        await queue.idle({
          subscriptions: ours,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        if (!(await sweep({ dataDate, stalled: true }))) break;
      }
      try {
        await deps.bookkeeping.flush();
      } catch (error) {
        logger.warn({ err: error }, 'runDate: the bookkeeping flush failed');
      }
      const records = (await status(dataDate)).filter(
        (record) => phases.includes(record.phase) && record.correlationId === correlationId,
      );
      let figures = { games: 0, players: 0, predictions: 0, graded: 0 };
      if (definition.summary !== undefined) {
        try {
          figures = await definition.summary(dataDate, warehouse);
        } catch (error) {
          logger.warn({ err: error, dataDate }, 'runDate: the figures could not be read');
        }
      }
      return {
        dataDate,
        phases: records,
        ...figures,
        alerts: (alertCounts.get(dataDate) ?? 0) - alertsBefore,
        degradedRuns: records.reduce(
          (n, record) =>
            n + Object.values(record.reports).filter((r) => r.status === 'degraded').length,
          0,
        ),
        blockedGates: records.filter((record) => record.status === 'blocked').length,
        elapsedMs: clock.now() - startedAt,
      };
    } finally {
      listeners.delete(listener);
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await loop?.close();
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  }

  return {
    runDate,
    status,
    start,
    sweep,
    handlers: () => engineHandlers,
    close,
    [Symbol.asyncDispose]: close,
  };
}
