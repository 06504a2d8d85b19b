import { processEnv } from '@pipewell/core';
import { openPipelineEngine } from '../app/index.js';
import { runCli } from './cli.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('interrupted (SIGINT)')));

process.exitCode = await runCli(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    env: processEnv() ?? {},
    isTTY: process.stdout.isTTY === true,
    signal: controller.signal,
  },
  { openEngine: openPipelineEngine },
);
