import { isPermanentError } from '@pipewell/retry';
import { describe, expect, it } from 'vitest';
import { probeEngineSubscriptions } from '../deploy/probe.js';
import {
  createPipelineEngine,
  engineSubscriptions,
  type PhaseRecord,
  phaseRecordId,
  phaseRecordsCollection,
} from '../orchestration/index.js';
import { openEngineKit, toyDefinition } from '../orchestration/test-kit.js';
import type { MessageContext, Queue } from '../queue/index.js';
import { handlersOfService } from './service-handlers.js';

const context: MessageContext = {
  messageId: 'm1',
  subscription: engineSubscriptions.phaseTrigger,
  attributes: {},
  deliveryAttempt: 1,
  publishTime: new Date(0),
  orderingKey: undefined,
  signal: new AbortController().signal,
};

describe('engine.handlers()', () => {
  it('lists every subscription as start() ensures it, and subscribes to nothing', async () => {
    await using kit = await openEngineKit();
    const calls: string[] = [];
    const queue: Queue = {
      ...kit.queue,
      ensureSubscription: async (options) => {
        calls.push(`ensure ${options.name}`);
      },
      subscribe: async (name) => {
        calls.push(`subscribe ${name}`);
        throw new Error('handlers() must not subscribe');
      },
    };
    const engine = createPipelineEngine({ ...kit.deps, queue }, toyDefinition(kit.knobs));
    const handlers = engine.handlers();
    expect(calls).toEqual([]);
    expect(handlers.map((h) => h.subscription).sort()).toEqual(
      Object.values(engineSubscriptions).sort(),
    );
    // The same subscriptions the deploy plan reads off start().
    const ensured = await probeEngineSubscriptions({ minBackoffMs: kit.deps.minBackoffMs ?? 100 });
    expect(handlers.map((h) => h.options)).toEqual(ensured);
    for (const handler of handlers) {
      expect(handler.options.deadLetterTopic).toBe(`${handler.subscription}-dead-letter`);
      expect(handler.topic).toBe(handler.options.topic);
    }
    await engine.close();
  });

  it("runs the engine's own handler: a trigger naming no processor fails for good", async () => {
    await using kit = await openEngineKit();
    const engine = createPipelineEngine(kit.deps, toyDefinition(kit.knobs));
    const trigger = engine
      .handlers()
      .find((h) => h.subscription === engineSubscriptions.phaseTrigger);
    if (trigger === undefined) throw new Error('no phase-trigger handler');
    const message = { phase: 3, dataDate: '2026-01-24', correlationId: 'c1', reason: 'manual' };
    const parsed = trigger.schema.safeParse({ ...message, processors: ['nope'] });
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    // No record of the run yet: a stale trigger, ignored.
    await expect(trigger.handle(parsed.data, context)).resolves.toBeUndefined();
    const record: PhaseRecord = {
      phase: 3,
      dataDate: '2026-01-24',
      correlationId: 'c1',
      status: 'running',
      expected: [],
      reports: {},
      lastPhase: 6,
      triggered: [],
    };
    await kit.runtime.state.set(phaseRecordsCollection, phaseRecordId(3, '2026-01-24'), record);
    const error = await trigger.handle(parsed.data, context).catch((e: unknown) => e);
    expect(isPermanentError(error)).toBe(true);
    expect(String(error)).toMatch(/phase 3 has no processor "nope"/);
    await engine.close();
  });

  it('splits into the services of the deploy plan', async () => {
    await using kit = await openEngineKit();
    const engine = createPipelineEngine(kit.deps, toyDefinition(kit.knobs));
    const names = (service: string) =>
      handlersOfService(engine.handlers(), service).map((h) => h.subscription);
    expect(names('pipeline-orchestrator').sort()).toEqual(
      [
        engineSubscriptions.scrapers,
        engineSubscriptions.orchestrator,
        engineSubscriptions.predictionResults,
      ].sort(),
    );
    expect(names('pipeline-prediction-worker')).toEqual([engineSubscriptions.predictionRequests]);
    expect(() => names('pipeline-nope')).toThrow(/service must be one of pipeline-phases/);
    await engine.close();
  });
});
