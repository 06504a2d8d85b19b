import { execFileSync } from 'node:child_process';
import { type RunningEmulator, requireEmulators, startPubSubEmulator } from '@pipewell/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlanToPubSub, deployPlan } from '../deploy/index.js';
import { engineSubscriptions } from '../orchestration/index.js';
import { type CliDeps, runCli } from './cli.js';
import { collector } from './test-support.js';

const deps: CliDeps = {
  openEngine: () => Promise.reject(new Error('deploy must not open the engine')),
};

async function deploy(
  args: readonly string[],
  env: Record<string, string> = {},
  more: Partial<CliDeps> = {},
) {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(
    ['deploy', ...args],
    { stdout, stderr, env, isTTY: false },
    { ...deps, ...more },
  );
  return { code, stdout, stderr };
}

const template = 'https://{service}-abc123-ew.a.run.app';

describe('pipewell deploy plan', () => {
  it('prints the YAML manifest with every engine subscription and its dead-letter topic', async () => {
    const { code, stdout, stderr } = await deploy([
      'plan',
      '--project',
      'demo',
      '--service-url',
      template,
    ]);
    expect(stderr.text).toBe('');
    expect(code).toBe(0);
    expect(stdout.text).toContain('project: demo');
    for (const name of Object.values(engineSubscriptions)) {
      expect(stdout.text).toContain(`name: ${name}`);
      expect(stdout.text).toContain(`${name}-dead-letter`);
    }
    expect(stdout.text).toContain('https://pipeline-phases-abc123-ew.a.run.app/pubsub/');
  });

  it('prints a gcloud script bash can parse, reading the project from GOOGLE_CLOUD_PROJECT', async () => {
    const { code, stdout } = await deploy(['plan', '--format', 'gcloud'], {
      GOOGLE_CLOUD_PROJECT: 'demo',
      PIPEWELL_SERVICE_URL: template,
    });
    expect(code).toBe(0);
    expect(stdout.text).toContain('gcloud pubsub subscriptions create');
    execFileSync('bash', ['-n'], { input: stdout.text });
  });

  it.each([
    [['plan', '--service-url', template], '--project'],
    [['plan', '--project', 'demo'], '--service-url'],
    [['plan', '--project', 'demo', '--service-url', template, '--format', 'toml'], '--format'],
  ])('refuses %j with one line naming %s, exit 2', async (args, option) => {
    const { code, stdout, stderr } = await deploy(args);
    expect(code).toBe(2);
    expect(stdout.text).toBe('');
    expect(stderr.lines()).toHaveLength(1);
    expect(stderr.text).toContain(option);
  });
});

const runEmulator = requireEmulators('pipewell deploy check (Pub/Sub)');

describe.runIf(runEmulator)('pipewell deploy check on the Pub/Sub emulator', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startPubSubEmulator({ projectId: 'demo-deploy-cli' });
  }, 120_000);
  afterAll(async () => {
    await emulator?.stop();
  });

  it('exits 2 naming a subscription deleted between two phases, after a clean apply exits 0 or 1', async () => {
    const { PubSub } = await import('@google-cloud/pubsub');
    const projectId = 'demo-deploy-cli';
    const pubsub = new PubSub({ projectId, apiEndpoint: emulator.host, emulatorMode: true });
    const openPubSub = async (project: string) =>
      new PubSub({ projectId: project, apiEndpoint: emulator.host, emulatorMode: true });
    try {
      const plan = await deployPlan({
        project: projectId,
        serviceUrl: (service) => template.replaceAll('{service}', service),
      });
      await applyPlanToPubSub(plan, pubsub);
      const clean = await deploy(
        ['check', '--project', projectId, '--service-url', template],
        {},
        { openPubSub },
      );
      expect(clean.stderr.text).toBe('');
      expect(clean.stdout.text).not.toContain('error ');
      expect(clean.code).toBeLessThan(2);
      await pubsub.subscription(engineSubscriptions.orchestrator).delete();
      const drift = await deploy(
        ['check', '--project', projectId, '--service-url', template],
        {},
        { openPubSub },
      );
      expect(drift.code).toBe(2);
      expect(drift.stdout.text).toMatch(
        new RegExp(`error \\S+ ${engineSubscriptions.orchestrator}`),
      );
    } finally {
      await pubsub.close();
    }
  }, 60_000);
});
