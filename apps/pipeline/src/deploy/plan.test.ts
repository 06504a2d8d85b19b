import { describe, expect, it } from 'vitest';
import { allTables } from '../catalog/index.js';
import { topics } from '../messages/index.js';
import { engineSubscriptions } from '../orchestration/index.js';
import { deployPlan } from './plan.js';

const plan = await deployPlan({
  project: 'demo-deploy',
  serviceUrl: (service) => `https://${service}.example.test`,
});

describe('deployPlan', () => {
  it('plans every engine subscription as start() ensures it, pushing to its service route', () => {
    const engine = plan.subscriptions.filter((s) => s.kind === 'engine');
    expect(engine.map((s) => s.name).sort()).toEqual(Object.values(engineSubscriptions).sort());
    const raw = engine.find((s) => s.name === engineSubscriptions.raw);
    expect(raw).toEqual({
      name: 'pipeline-raw',
      topic: topics.scraperComplete,
      kind: 'engine',
      ackDeadlineSeconds: 600,
      retryPolicy: { minimumBackoffSeconds: 0.1, maximumBackoffSeconds: 10 },
      deadLetterTopic: 'pipeline-raw-dead-letter',
      maxDeliveryAttempts: 5,
      push: {
        service: 'pipeline-raw',
        route: 'pubsub/pipeline-raw',
        endpoint: 'https://pipeline-raw.example.test/pubsub/pipeline-raw',
      },
    });
    for (const sub of engine) {
      expect(sub.deadLetterTopic, sub.name).toBe(`${sub.name}-dead-letter`);
      expect(sub.maxDeliveryAttempts, sub.name).toBe(5);
    }
  });

  it('follows the engine settings it is given', async () => {
    const slow = await deployPlan({
      project: 'demo-deploy',
      serviceUrl: 'http://127.0.0.1:1',
      ackDeadlineMs: 120_000,
      maxDeliveryAttempts: 7,
      minBackoffMs: 2_000,
    });
    const sub = slow.subscriptions.find((s) => s.name === engineSubscriptions.orchestrator);
    expect(sub?.ackDeadlineSeconds).toBe(120);
    expect(sub?.maxDeliveryAttempts).toBe(7);
    expect(sub?.retryPolicy?.minimumBackoffSeconds).toBe(2);
    expect(sub?.push?.endpoint).toBe('http://127.0.0.1:1/pubsub/pipeline-orchestrator');
  });

  it('plans every message topic and dead-letter topic, each dead-letter topic with a reader', () => {
    const names = plan.topics.map((t) => t.name);
    for (const topic of Object.values(topics)) expect(names).toContain(topic);
    const deadLetters = plan.topics.filter((t) => t.kind === 'dead-letter');
    expect(deadLetters).toHaveLength(Object.keys(engineSubscriptions).length);
    for (const topic of deadLetters) {
      const readers = plan.subscriptions.filter((s) => s.topic === topic.name);
      expect(readers, topic.name).toEqual([
        expect.objectContaining({ kind: 'dead-letter', name: `${topic.name}-reader` }),
      ]);
    }
  });

  it('gives every engine subscription a service trigger and every service its routes', () => {
    const triggers = plan.services.flatMap((s) => s.triggers.map((t) => t.subscription));
    expect(triggers.sort()).toEqual(Object.values(engineSubscriptions).sort());
    const worker = plan.services.find((s) => s.name === 'pipeline-prediction-worker');
    expect(worker?.triggers).toEqual([
      {
        subscription: engineSubscriptions.predictionRequests,
        route: 'pubsub/pipeline-prediction-requests',
      },
    ]);
  });

  it('plans the state collections, with a TTL on heartbeats only', () => {
    expect(plan.collections.map((c) => c.name).sort()).toEqual([
      'circuit-breakers',
      'failed-work',
      'heartbeats',
      'missing-games',
      'phase-completions',
      'prediction-batches',
      'prediction-results',
      'prediction-shards',
    ]);
    expect(plan.collections.filter((c) => c.ttlField !== undefined)).toEqual([
      expect.objectContaining({ name: 'heartbeats', ttlField: 'expireAt' }),
    ]);
  });

  it('plans every catalogue table with its partitioning, clustering and schema', () => {
    const tables = plan.datasets.flatMap((d) => d.tables);
    expect(tables.map((t) => t.name).sort()).toEqual(allTables.map((t) => t.name).sort());
    for (const table of allTables) {
      const planned = tables.find((t) => t.name === table.name);
      expect(planned?.partitionBy, table.name).toBe(table.partitionBy);
      expect(planned?.clusterBy, table.name).toEqual(table.clusterBy);
      expect(
        planned?.schema.map((c) => c.name),
        table.name,
      ).toEqual(table.columnNames);
    }
  });

  it('plans the bucket: raw payloads expire, exports are kept', async () => {
    expect(plan.buckets).toEqual([
      {
        name: 'demo-deploy-pipewell',
        location: 'US',
        lifecycle: [{ action: 'Delete', matchesPrefix: 'raw/', ageDays: 30 }],
        kept: ['exports/'],
      },
    ]);
    expect(plan.schedulerJobs).toEqual([]);
    const monitored = await deployPlan({
      project: 'p',
      serviceUrl: 'https://run.example.test',
      monitors: [
        {
          name: 'stale-runs',
          schedule: '*/15 * * * *',
          service: 'pipeline-orchestrator',
          route: 'monitors/stale',
        },
      ],
    });
    expect(monitored.schedulerJobs).toEqual([
      {
        name: 'stale-runs',
        schedule: '*/15 * * * *',
        timeZone: 'Etc/UTC',
        service: 'pipeline-orchestrator',
        route: 'monitors/stale',
        uri: 'https://run.example.test/monitors/stale',
        httpMethod: 'POST',
      },
    ]);
  });

  it('refuses bad options by name', async () => {
    await expect(deployPlan({ project: '', serviceUrl: 'https://x' })).rejects.toThrow(/"project"/);
    await expect(deployPlan({ project: 'p', serviceUrl: 'ftp://x' })).rejects.toThrow(
      /"serviceUrl".*pipeline-/,
    );
    await expect(
      deployPlan({ project: 'p', serviceUrl: 'https://x', rawRetentionDays: 0 }),
    ).rejects.toThrow(/"rawRetentionDays"/);
  });
});
