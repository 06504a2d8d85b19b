import { ident, sql } from '@pipewell/clients/sql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics } from '../messages/index.js';
import { type FailedWork, failedWorkCollection } from '../runtime/index.js';
import { createPipelineEngine, engineSubscriptions } from './engine.js';
import {
  type EngineKit,
  kitTimeouts,
  openEngineKit,
  toyDefinition,
  toyTables,
} from './test-kit.js';
import {
  type PhaseProcessorEntry,
  type PhaseRecord,
  type PipelineEvent,
  phaseRecordId,
  phaseRecordsCollection,
} from './types.js';

const date = '2026-01-24';
let kit: EngineKit;

beforeEach(async () => {
  kit = await openEngineKit();
});

afterEach(async () => {
  await kit[Symbol.asyncDispose]();
});

const recordOf = (phase: 1 | 2 | 3 | 4 | 5 | 6) =>
  kit.runtime.state.get<PhaseRecord>(phaseRecordsCollection, phaseRecordId(phase, date));

describe('subscriptions', () => {
  it('handles 64 prediction requests at once (fewer prediction merges), 8 of anything else', async () => {
    await kit.engine.start();
    const byName = new Map(kit.queue.subscribed.map((s) => [s.subscription, s.concurrency]));
    expect(byName.get(engineSubscriptions.predictionRequests)).toBe(64);
    expect(byName.get(engineSubscriptions.predictionResults)).toBe(8);
    expect(byName.get(engineSubscriptions.orchestrator)).toBe(8);

    const engine = createPipelineEngine(
      { ...kit.deps, predictionConcurrency: 16, concurrency: 4 },
      toyDefinition(kit.knobs),
    );
    kit.queue.subscribed.length = 0;
    try {
      await engine.start();
      const chosen = new Map(kit.queue.subscribed.map((s) => [s.subscription, s.concurrency]));
      expect(chosen.get(engineSubscriptions.predictionRequests)).toBe(16);
      expect(chosen.get(engineSubscriptions.raw)).toBe(4);
    } finally {
      await engine.close();
    }
  });
});

describe('a date', () => {
  it('flows through all six phases to complete, with figures and events', async () => {
    const events: PipelineEvent[] = [];
    const outcome = await kit.engine.runDate(date, { onEvent: (event) => events.push(event) });

    expect(outcome.phases.map((record) => [record.phase, record.status])).toEqual([
      [1, 'complete'],
      [2, 'complete'],
      [3, 'complete'],
      [4, 'complete'],
      [5, 'complete'],
      [6, 'complete'],
    ]);
    expect(outcome).toMatchObject({
      games: 5,
      players: 3,
      predictions: 3,
      graded: 3,
      alerts: 0,
      degradedRuns: 0,
      blockedGates: 0,
    });
    for (const record of outcome.phases.slice(0, 5)) {
      expect(record.nextTrigger?.publishedAt, `phase ${record.phase}`).toBeDefined();
    }
    expect(outcome.phases[5]?.nextTrigger).toBeUndefined();
    const gates = events.flatMap((event) => (event.type === 'gate' ? [event.decision] : []));
    expect(gates.map((gate) => [gate.from, gate.to, gate.open, gate.degraded])).toEqual([
      [2, 3, true, false],
      [3, 4, true, false],
      [4, 5, true, false],
      [5, 6, true, false],
    ]);
    expect(outcome.phases[3]?.gate?.reasons.join('\n')).toContain(
      'games covered: complete, 5 of 5 (100%)',
    );
    expect(events.filter((event) => event.type === 'phase-started')).toHaveLength(6);
    expect(outcome.phases[4]?.reports.prediction_batch).toMatchObject({
      status: 'success',
      rows: 3,
    });
  });

  it('stops at the last phase asked for: no trigger beyond it', async () => {
    const outcome = await kit.engine.runDate(date, { phases: [1, 2, 3] });
    expect(outcome.phases.map((record) => record.status)).toEqual([
      'complete',
      'complete',
      'complete',
    ]);
    expect(outcome.phases[2]?.nextTrigger).toBeUndefined();
    expect(await recordOf(4)).toBeUndefined();
    expect(await kit.runsOf('p1')).toHaveLength(0);
  });

  it('starts at phase 2 by hand with the payloads phase 1 recorded', async () => {
    const scrapedOnly = await kit.engine.runDate(date, { phases: [1] });
    expect(scrapedOnly.phases.map((record) => [record.phase, record.status])).toEqual([
      [1, 'complete'],
    ]);
    expect(await kit.runsOf('raw_a')).toHaveLength(0);

    const outcome = await kit.engine.runDate(date, { phases: [2, 3] });
    expect(outcome.phases.map((record) => [record.phase, record.status])).toEqual([
      [2, 'complete'],
      [3, 'complete'],
    ]);
    const loaded = await kit.runtime.warehouse.query<{ scraper: string; payloads: number }>(
      sql`SELECT scraper, payloads FROM ${ident(toyTables.scraped.name)} ORDER BY scraper`,
    );
    expect(loaded.map((row) => [row.scraper, Number(row.payloads)])).toEqual([
      ['s-a', 1],
      ['s-b', 1],
    ]);
  });

  it('starts a processor only once every same-phase processor it depends on reported', async () => {
    // summary takes a moment in the warehouse; context depends on it.
    kit.knobs.hooks.set('summary', async (ctx) => {
      for (let i = 0; i < 5; i++) await ctx.warehouse.query(sql`SELECT 1 AS one`);
    });
    await kit.engine.runDate(date, { phases: [3] });
    const order = kit.knobs.order;
    expect(order.indexOf('context:start')).toBeGreaterThan(order.indexOf('summary:end'));
    expect(order.indexOf('summary:end')).toBeGreaterThanOrEqual(0);
  });
});

describe('redelivery', () => {
  it('counts a redelivered phase-complete once and triggers the next phase once', async () => {
    kit.queue.onPublish = async (topic) => (topic === topics.phaseComplete ? 1 : 0);
    const finished: string[] = [];
    const outcome = await kit.engine.runDate(date, {
      onEvent: (event) => {
        if (event.type === 'processor-finished') finished.push(event.processor);
      },
    });
    expect(outcome.phases.every((record) => record.status === 'complete')).toBe(true);
    for (const name of ['summary', 'context', 'p1', 'p5', 'coordinator', 'grade']) {
      expect(await kit.runsOf(name), name).toHaveLength(1);
    }
    const counts = new Map<string, number>();
    for (const name of finished) counts.set(name, (counts.get(name) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Every phase-complete (all but the two scrapers' reports) arrived twice and was acked.
    expect(kit.queue.stats()[engineSubscriptions.orchestrator]?.acked).toBe(
      2 * (finished.length - 2),
    );
  });
});

describe('publishing the next trigger', () => {
  it('marks it sent only after publish resolved; a failed publish is retried', async () => {
    let seenOnRetry: PhaseRecord | undefined;
    let refused = 0;
    kit.queue.onPublish = async (topic, data) => {
      if (topic !== topics.phaseTrigger || (data as { phase: number }).phase !== 4) return 0;
      // The first round (one trigger per precompute processor) fails as a whole.
      if (refused < 5) {
        refused += 1;
        throw new Error('publish refused: the broker is away');
      }
      seenOnRetry ??= await recordOf(3);
      return 0;
    };
    const outcome = await kit.engine.runDate(date);

    expect(seenOnRetry?.nextTrigger).toEqual({
      attempts: 1,
      lastError: 'publish refused: the broker is away',
    });
    const three = outcome.phases[2];
    expect(three?.nextTrigger?.publishedAt).toBeDefined();
    expect(three?.nextTrigger?.attempts).toBe(2);
    expect(outcome.phases.map((record) => record.status)).toEqual(Array(6).fill('complete'));
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      expect(await kit.runsOf(name), name).toHaveLength(1);
    }
  });
});

describe('publishing the next trigger, retried by the sweep', () => {
  it('retries a publish that failed on every redelivery of the completion', async () => {
    let refused = 0;
    kit.queue.onPublish = async (topic, data) => {
      if (topic !== topics.phaseTrigger || (data as { phase: number }).phase !== 4) return 0;
      // Five deliveries of the last phase-3 completion, five triggers each: all refused.
      if (refused < 25) {
        refused += 1;
        throw new Error('publish refused: the broker is away');
      }
      return 0;
    };
    const outcome = await kit.engine.runDate(date);

    expect(kit.queue.stats()[engineSubscriptions.orchestrator]?.deadLettered).toBe(1);
    expect(outcome.phases[2]?.nextTrigger).toMatchObject({ attempts: 6 });
    expect(outcome.phases[2]?.nextTrigger?.publishedAt).toBeDefined();
    expect(outcome.phases.map((record) => record.status)).toEqual(Array(6).fill('complete'));
  });
});

describe('gates', () => {
  it('judge rows in the warehouse: a processor that reported success but wrote nothing blocks, alerting once', async () => {
    kit.knobs.summaryWritesNothing = true;
    const outcome = await kit.engine.runDate(date);

    const three = outcome.phases[2];
    expect(three?.reports.summary).toMatchObject({ status: 'success', rows: 0 });
    const four = outcome.phases[3];
    expect(four?.status).toBe('blocked');
    expect(four?.gate).toMatchObject({ from: 3, to: 4, open: false, decidedBy: 'all-reported' });
    expect(four?.gate?.reasons.join('\n')).toContain('summary has rows: hard, 0 of 1');
    expect(four?.gate?.reasons.join('\n')).toContain('games covered: soft, 0 of 5');
    expect(outcome.phases).toHaveLength(4);
    expect(await kit.runsOf('p1')).toHaveLength(0);
    expect(outcome).toMatchObject({ blockedGates: 1, alerts: 1 });

    // Sweeping and a redelivered completion do not alert again.
    await kit.engine.sweep({ dataDate: date, stalled: true });
    const report = three?.reports.context;
    await kit.queue.publish(topics.phaseComplete, {
      phase: 3,
      processor: 'context',
      dataDate: date,
      runId: report?.runId,
      status: 'success',
      rows: 3,
      outputs: ['toy_analytics.context'],
      correlationId: three?.correlationId,
    });
    await kit.queue.idle();
    // A crash between the alert and marking phase 3's way out: the retry does not alert again.
    await kit.runtime.state.update<PhaseRecord>(
      phaseRecordsCollection,
      phaseRecordId(3, date),
      (current) => {
        if (current === undefined) return undefined;
        const { nextTrigger: _, ...rest } = current;
        return rest;
      },
    );
    expect(await kit.engine.sweep({ dataDate: date })).toBe(true);
    expect((await recordOf(3))?.nextTrigger?.blockedAt).toBeDefined();
    expect(kit.alerter.stats.raised).toBe(1);
    expect(kit.sink.alerts.map((alert) => alert.title)).toEqual([`Gate 3->4 blocked for ${date}`]);
  });
});

describe('the timer', () => {
  it('decides a stalled phase when the queue is idle and nothing is in flight', async () => {
    kit.knobs.skipScrapers.add('s-b');
    const outcome = await kit.engine.runDate(date);

    const one = outcome.phases[0];
    expect(one).toMatchObject({ status: 'failed', decidedBy: 'timer' });
    expect(one?.reports['s-b']?.error).toContain('never reported: decided by the timer (stalled');
    expect(outcome.phases[1]?.reports.raw_b).toMatchObject({ status: 'failed' });
    expect(outcome.phases[1]?.status).toBe('failed');
    // The date goes on with what exists: phase 3 reads what raw_a loaded.
    expect(outcome.phases[2]?.gate).toMatchObject({ open: true, degraded: true });
    expect(outcome.phases[2]?.status).toBe('degraded');
    expect(outcome.phases[5]?.status).toBe('complete');
  });

  it('decides a phase past its deadline with what exists, and ignores the late report', async () => {
    let release = (): void => {};
    let started = (): void => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    kit.knobs.hooks.set(
      'summary',
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
          started();
        }),
    );
    const run = kit.engine.runDate(date, { phases: [3, 4] });
    await running;
    await kit.clock.advance(kitTimeouts.phaseTimeoutMs + kitTimeouts.sweepIntervalMs);
    const decided = await recordOf(3);
    release();
    const outcome = await run;

    expect(decided).toMatchObject({ status: 'failed', decidedBy: 'timer' });
    expect(decided?.reports.summary?.error).toContain('past its deadline');
    const four = outcome.phases[1];
    expect(four).toMatchObject({ status: 'blocked' });
    expect(four?.gate).toMatchObject({ open: false, decidedBy: 'timer' });
    expect(four?.gate?.reasons.join('\n')).toContain('summary reported: hard, 0 of 1');
    // summary finished later: its report does not reopen the decided phase.
    expect(outcome.phases[0]?.reports.summary?.runId).toBe('timer');
    expect(await kit.runsOf('summary')).toHaveLength(1);
  });
});

describe('phase 5', () => {
  it('settles a stalled batch with what was recorded, and the 5->6 gate judges the rows', async () => {
    kit.knobs.failPredictionFor.add(2);
    const outcome = await kit.engine.runDate(date);

    expect(kit.queue.stats()[engineSubscriptions.predictionRequests]?.deadLettered).toBe(1);
    const five = outcome.phases[4];
    expect(five?.reports.prediction_batch).toMatchObject({ status: 'degraded', rows: 2 });
    expect(five?.decidedBy).toBe('all-reported');
    // 2 of 3 predictions in the warehouse: below 80%, the gate stays shut.
    const six = outcome.phases[5];
    expect(six?.status).toBe('blocked');
    expect(six?.gate?.reasons.join('\n')).toContain('prediction batch: soft, 2 of 3');
    expect(outcome).toMatchObject({ predictions: 2, graded: 0, alerts: 1, blockedGates: 1 });
  });
});

describe('handler errors', () => {
  it('dead-letters a permanent error, with a failed-work entry, and the phase ends without waiting', async () => {
    kit.knobs.hooks.set('p5', async () => {
      throw Object.assign(new Error('p5 input is malformed'), { permanent: true });
    });
    const outcome = await kit.engine.runDate(date);

    const four = outcome.phases[3];
    expect(four?.reports.p5).toMatchObject({ status: 'failed' });
    expect(four?.reports.p5?.error).toContain('p5 input is malformed');
    expect(four?.decidedBy).toBe('all-reported');
    expect(four?.status).toBe('failed');
    expect(await kit.runsOf('p5')).toHaveLength(1);
    const work = await kit.runtime.state.get<FailedWork>(failedWorkCollection, `p5__${date}`);
    expect(work).toMatchObject({ status: 'failed_permanent', processor: 'p5' });
    expect(kit.queue.stats()[engineSubscriptions.phaseTrigger]?.deadLettered).toBe(1);
    // 4 of 5 outputs, both critical ones: the gate opens degraded.
    expect(outcome.phases[4]?.gate).toMatchObject({ open: true, degraded: true });
    expect(outcome.phases[4]?.status).toBe('degraded');
  });

  it('redelivers a transient error, and the retry succeeds', async () => {
    let calls = 0;
    kit.knobs.hooks.set('p3', async () => {
      calls += 1;
      if (calls === 1) throw new Error('warehouse 503: try again');
    });
    const outcome = await kit.engine.runDate(date);

    expect(outcome.phases[3]?.reports.p3).toMatchObject({ status: 'success', rows: 3 });
    expect(outcome.phases.every((record) => record.status === 'complete')).toBe(true);
    const runs = await kit.runsOf('p3');
    expect(runs.map((row) => [row.attempt, row.status]).sort()).toEqual([
      [1, 'failed'],
      [2, 'success'],
    ]);
    expect(kit.queue.stats()[engineSubscriptions.phaseTrigger]?.nacked).toBe(1);
  });
});

describe('createPipelineEngine', () => {
  it('refuses a definition whose dependsOn names no processor of the phase', () => {
    const definition = toyDefinition(kit.knobs);
    const [summary, context] = definition.phases[3];
    const broken = {
      ...definition,
      phases: {
        ...definition.phases,
        3: [summary, { ...context, dependsOn: ['summry'] }] as PhaseProcessorEntry[],
      },
    };
    expect(() => createPipelineEngine({ ...kit.deps }, broken)).toThrow(
      'pipeline definition: processor context of phase 3 depends on summry, not a processor of that phase',
    );
  });

  it('refuses a runDate whose phases are not a contiguous run', async () => {
    await expect(kit.engine.runDate(date, { phases: [3, 5] })).rejects.toThrow(
      'runDate: phases must be a contiguous run of 1 to 6 such as [1, 2, 3] (got [3,5])',
    );
    await expect(kit.engine.runDate('2026-02-30')).rejects.toThrow(
      'runDate: dataDate must be a calendar date as YYYY-MM-DD (got "2026-02-30")',
    );
  });
});
