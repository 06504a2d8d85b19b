import { PubSub } from '@google-cloud/pubsub';
import { type RunningEmulator, requireEmulators, startPubSubEmulator } from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineSubscriptions } from '../orchestration/index.js';
import { applyPlanToPubSub } from './apply.js';
import { deployCheck, deployCheckExitCode } from './check.js';
import { deployPlan } from './plan.js';
import type { DeployPlan } from './types.js';

describe('deployCheckExitCode', () => {
  it('is 0 without findings, 1 with warnings only, 2 with an error', () => {
    const warning = {
      severity: 'warning',
      code: 'ack-deadline-differs',
      resource: 's',
      message: 'm',
    } as const;
    expect(deployCheckExitCode([])).toBe(0);
    expect(deployCheckExitCode([warning])).toBe(1);
    expect(deployCheckExitCode([warning, { ...warning, severity: 'error' }])).toBe(2);
  });
});

const available = requireEmulators('@pipewell/pipeline deploy check');

describe.skipIf(!available)('deployCheck against the Pub/Sub emulator', () => {
  let emulator: RunningEmulator;
  const clients: PubSub[] = [];
  let projects = 0;

  beforeAll(async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    emulator = await startPubSubEmulator({ projectId: 'demo-deploy' });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await emulator?.stop();
  });

  /** A fresh project on the emulator (it has no reset) with the plan applied. */
  async function applied(): Promise<{ pubsub: PubSub; plan: DeployPlan }> {
    const projectId = `demo-deploy-${++projects}`;
    const pubsub = new PubSub({ projectId, apiEndpoint: emulator.host, emulatorMode: true });
    clients.push(pubsub);
    const plan = await deployPlan({
      project: projectId,
      serviceUrl: (s) => `http://127.0.0.1:9/${s}`,
    });
    await applyPlanToPubSub(plan, pubsub);
    return { pubsub, plan };
  }

  it('finds only the topic nothing subscribes to once the plan is applied, and applying again creates nothing', async () => {
    const { pubsub, plan } = await applied();
    const result = await deployCheck({ plan, pubsub });
    // grading-trigger is in `topics`, but no subscription of the engine reads it.
    expect(result.findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'topic-without-subscriber',
        resource: 'grading-trigger',
      }),
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.notes).toEqual([expect.stringContaining('scheduler jobs not checked')]);
    expect(await applyPlanToPubSub(plan, pubsub)).toEqual({ topics: [], subscriptions: [] });
  });

  it('reports a subscription missing between two phases as an error naming it', async () => {
    const { pubsub, plan } = await applied();
    await pubsub.subscription(engineSubscriptions.orchestrator).delete();
    const result = await deployCheck({ plan, pubsub });
    const errors = result.findings.filter((f) => f.severity === 'error');
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'missing-subscription',
          resource: 'pipeline-orchestrator',
        }),
        expect.objectContaining({ code: 'topic-without-subscriber', resource: 'phase-complete' }),
        expect.objectContaining({
          code: 'handler-without-trigger',
          resource: 'pipeline-orchestrator/pubsub/pipeline-orchestrator',
        }),
      ]),
    );
    expect(errors).toHaveLength(3);
    expect(errors[0]?.message).toBeDefined();
    expect(result.exitCode).toBe(2);
  });

  it('reports a subscription whose dead-letter policy was removed', async () => {
    const { pubsub, plan } = await applied();
    await pubsub.subscription(engineSubscriptions.raw).setMetadata({ deadLetterPolicy: null });
    const result = await deployCheck({ plan, pubsub });
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'no-dead-letter',
        resource: 'pipeline-raw',
      }),
    );
    expect(result.exitCode).toBe(2);
  });

  it('reports a dead-letter topic nobody reads and a push endpoint that moved', async () => {
    const { pubsub, plan } = await applied();
    await pubsub.subscription('pipeline-scrapers-dead-letter-reader').delete();
    await pubsub
      .subscription(engineSubscriptions.predictionRequests)
      .modifyPushConfig({ pushEndpoint: 'http://127.0.0.1:9/elsewhere' });
    const result = await deployCheck({ plan, pubsub });
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'error',
          code: 'dead-letter-unread',
          resource: 'pipeline-scrapers',
        }),
        expect.objectContaining({
          severity: 'error',
          code: 'push-endpoint-differs',
          resource: 'pipeline-prediction-requests',
          message: expect.stringContaining('http://127.0.0.1:9/elsewhere'),
        }),
        expect.objectContaining({
          code: 'handler-without-trigger',
          resource: expect.stringContaining('prediction-requests'),
        }),
      ]),
    );
  });

  it('reports drifted settings as warnings', async () => {
    const { pubsub, plan } = await applied();
    await pubsub
      .subscription(engineSubscriptions.predictionResults)
      .setMetadata({ ackDeadlineSeconds: 30 });
    const result = await deployCheck({ plan, pubsub });
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        code: 'ack-deadline-differs',
        resource: 'pipeline-prediction-results',
        message: expect.stringContaining('ack deadline 30 s, the plan says 600 s'),
      }),
    );
    expect(result.exitCode).toBe(1);
  });

  it('reports a missing scheduler job when a scheduler client is given', async () => {
    const { pubsub, plan } = await applied();
    const monitored: DeployPlan = {
      ...plan,
      schedulerJobs: [
        {
          name: 'stale-runs',
          schedule: '*/15 * * * *',
          timeZone: 'Etc/UTC',
          service: 'pipeline-orchestrator',
          route: 'monitors/stale',
          uri: 'http://127.0.0.1:9/pipeline-orchestrator/monitors/stale',
          httpMethod: 'POST',
        },
      ],
    };
    const none = await deployCheck({
      plan: monitored,
      pubsub,
      scheduler: { listJobs: async () => [] },
    });
    expect(none.findings).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'missing-scheduler-job',
        resource: 'stale-runs',
      }),
    );
    expect(none.notes).toEqual([]);
    const present = await deployCheck({
      plan: monitored,
      pubsub,
      scheduler: { listJobs: async () => [{ name: 'stale-runs', schedule: '*/15 * * * *' }] },
    });
    expect(present.findings.filter((f) => f.code.includes('scheduler'))).toEqual([]);
  });
});
