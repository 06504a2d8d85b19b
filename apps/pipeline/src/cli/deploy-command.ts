import type { Env } from '@pipewell/core';
import type { Command } from 'commander';
import {
  type DeployPlan,
  deployCheck,
  deployPlan,
  renderPlanGcloud,
  renderPlanYaml,
} from '../deploy/index.js';
import { CliInputError } from './errors.js';
import { type ExitCode, exitCodes } from './exit-code.js';

/** Options `pipewell deploy plan` and `deploy check` share: where the plan points. */
interface PlanFlags {
  readonly project?: string;
  readonly serviceUrl?: string;
  readonly region?: string;
  readonly bucket?: string;
}

/** What the deploy commands write to and read from. */
export interface DeployCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Env;
}

/** The Pub/Sub client `deploy check` reads the live project with (the emulator when `PUBSUB_EMULATOR_HOST` is set). */
export type OpenPubSub = (
  projectId: string,
) => Promise<Parameters<typeof deployCheck>[0]['pubsub']>;

async function openPubSubDefault(projectId: string) {
  const { PubSub } = await import('@google-cloud/pubsub');
  return new PubSub({ projectId });
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * The plan the flags describe. `--service-url` is one URL, or a template with `{service}` (Cloud
 * Run gives each service its own URL: `https://{service}-abc123-ew.a.run.app`).
 */
async function planOf(flags: PlanFlags, env: Env): Promise<DeployPlan> {
  const project = flags.project ?? env.GOOGLE_CLOUD_PROJECT;
  if (project === undefined || project.trim() === '') {
    throw new CliInputError('--project', 'give --project or set GOOGLE_CLOUD_PROJECT');
  }
  const template = flags.serviceUrl ?? env.PIPEWELL_SERVICE_URL;
  if (template === undefined || template.trim() === '') {
    throw new CliInputError(
      '--service-url',
      'give --service-url (one URL, or a template such as https://{service}-abc123-ew.a.run.app) or set PIPEWELL_SERVICE_URL',
    );
  }
  return deployPlan({
    project: project.trim(),
    serviceUrl: template.includes('{service}')
      ? (service) => template.replaceAll('{service}', service)
      : template,
    ...(flags.region === undefined ? {} : { region: flags.region }),
    ...(flags.bucket === undefined ? {} : { bucket: flags.bucket }),
  });
}

function planOptions(command: Command): Command {
  return command
    .option('--project <id>', 'the Google Cloud project (default: GOOGLE_CLOUD_PROJECT)')
    .option(
      '--service-url <url>',
      "the services' base URL, or a template with {service} (default: PIPEWELL_SERVICE_URL)",
    )
    .option('--region <region>', 'the region of the services and scheduler jobs')
    .option('--bucket <name>', 'the raw payloads bucket (default: <project>-pipewell)');
}

/**
 * Add `pipewell deploy plan` (the resources the pipeline needs, as YAML or an idempotent gcloud
 * script) and `pipewell deploy check` (a live project or the emulator against the plan: exit 0
 * no difference, 1 warnings, 2 errors) to `program`.
 */
export function addDeployCommands(
  program: Command,
  io: DeployCommandIo,
  setExitCode: (code: ExitCode) => void,
  openPubSub: OpenPubSub = openPubSubDefault,
): void {
  const deploy = program
    .command('deploy')
    .description('The Google Cloud resources the pipeline needs, and drift from them.');

  planOptions(
    deploy
      .command('plan')
      .description('Print the resources the pipeline needs, derived from its own definitions.'),
  )
    .option(
      '--format <format>',
      'yaml (a reviewable manifest) or gcloud (an idempotent script)',
      'yaml',
    )
    .action(async (flags: PlanFlags & { format: string }) => {
      try {
        if (flags.format !== 'yaml' && flags.format !== 'gcloud') {
          throw new CliInputError(
            '--format',
            `--format must be yaml or gcloud (got ${JSON.stringify(flags.format)})`,
          );
        }
        const plan = await planOf(flags, io.env);
        io.stdout.write(flags.format === 'yaml' ? renderPlanYaml(plan) : renderPlanGcloud(plan));
        setExitCode(exitCodes.ok);
      } catch (error) {
        io.stderr.write(`pipewell deploy plan: ${oneLine(error)}\n`);
        setExitCode(exitCodes.failed);
      }
    });

  planOptions(
    deploy
      .command('check')
      .description(
        'Compare the live project (or the emulator) with the plan; exit 0, 1 warnings, 2 errors.',
      ),
  ).action(async (flags: PlanFlags) => {
    try {
      const plan = await planOf(flags, io.env);
      const pubsub = await openPubSub(plan.project);
      try {
        const result = await deployCheck({ plan, pubsub });
        for (const finding of result.findings) {
          io.stdout.write(
            `${finding.severity} ${finding.code} ${finding.resource}: ${finding.message}\n`,
          );
        }
        for (const note of result.notes) io.stdout.write(`note: ${note}\n`);
        if (result.findings.length === 0)
          io.stdout.write('no drift: the project matches the plan\n');
        setExitCode(result.exitCode);
      } finally {
        await (pubsub as { close?: () => Promise<void> }).close?.();
      }
    } catch (error) {
      io.stderr.write(`pipewell deploy check: ${oneLine(error)}\n`);
      setExitCode(exitCodes.failed);
    }
  });
}
