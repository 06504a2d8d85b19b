import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeEmulatorSuites } from './report.js';

describe('summarizeEmulatorSuites', () => {
  it('lists each suite once, with the emulators and ports it ran on', () => {
    const lines = summarizeEmulatorSuites([
      { event: 'available', suite: 'tools/emulators' },
      { event: 'available', suite: '@pipewell/clients Pub/Sub' },
      { event: 'started', suite: 'tools/emulators', kind: 'Firestore', host: '127.0.0.1:4001' },
      {
        event: 'started',
        suite: '@pipewell/clients Pub/Sub',
        kind: 'Pub/Sub',
        host: '127.0.0.1:4002',
      },
      { event: 'started', suite: 'tools/emulators', kind: 'Pub/Sub', host: '127.0.0.1:4003' },
    ]);
    expect(lines).toEqual([
      'Emulator suites: 2 ran, 0 skipped',
      '  ran      @pipewell/clients Pub/Sub  Pub/Sub on 127.0.0.1:4002',
      '  ran      tools/emulators            Firestore on 127.0.0.1:4001, Pub/Sub on 127.0.0.1:4003',
    ]);
  });

  it('says why a suite was skipped or missing, and what to do, once', () => {
    const hint = 'Install the Google Cloud CLI.';
    const lines = summarizeEmulatorSuites([
      { event: 'skipped', suite: 'b', reason: 'gcloud is not on PATH', hint },
      { event: 'skipped', suite: 'a', reason: 'gcloud is not on PATH', hint },
      { event: 'missing', suite: 'c', reason: 'java is not on PATH', hint },
    ]);
    expect(lines).toEqual([
      'Emulator suites: 0 ran, 2 skipped, 1 missing',
      '  SKIPPED  a  gcloud is not on PATH',
      '  SKIPPED  b  gcloud is not on PATH',
      '  MISSING  c  java is not on PATH (CI requires the emulators)',
      '!!! 3 emulator suites did not run: gcloud is not on PATH; java is not on PATH. Install the Google Cloud CLI.',
    ]);
  });

  it('reports an emulator that failed to start, and a suite whose tests were filtered out', () => {
    const lines = summarizeEmulatorSuites([
      { event: 'available', suite: 'slow' },
      {
        event: 'start-failed',
        suite: 'slow',
        kind: 'Firestore',
        host: '127.0.0.1:4004',
        message: 'did not answer in time\nlast output',
      },
      { event: 'available', suite: 'filtered' },
    ]);
    expect(lines).toEqual([
      'Emulator suites: 0 ran, 0 skipped, 1 failed to start',
      '  idle     filtered  emulators available, none started (its tests were filtered out)',
      '  FAILED   slow      could not start Firestore on 127.0.0.1:4004: did not answer in time',
    ]);
  });

  it('prints nothing when no emulator suite was loaded', () => {
    expect(summarizeEmulatorSuites([])).toEqual([]);
  });
});

const vitestBin = fileURLToPath(
  new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url),
);
const fixtureConfig = fileURLToPath(
  new URL('./fixtures/summary/vitest.config.ts', import.meta.url),
);
// A PATH with neither gcloud nor java: the fixture's two suites find no emulators.
const emptyPath = mkdtempSync(join(tmpdir(), 'pipewell-no-gcloud-'));

afterAll(() => {
  rmSync(emptyPath, { recursive: true, force: true });
});

/** Run the fixture's two emulator suites in a fresh vitest, as `pnpm test` would run them. */
function runFixture(ci: string): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // This worker's own vitest and summary variables would leak into the nested run.
    if (!name.startsWith('VITEST') && !name.startsWith('PIPEWELL_')) env[name] = value;
  }
  Object.assign(env, { PATH: emptyPath, CI: ci, NO_COLOR: '1', FORCE_COLOR: '0' });
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitestBin, 'run', '--config', fixtureConfig],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('a run whose emulator suites find no gcloud', () => {
  type Run = { code: number; output: string };
  let runs: Promise<[outsideCI: Run, underCI: Run]>;
  beforeAll(() => {
    // Both at once: each is a whole vitest start-up.
    runs = Promise.all([runFixture(''), runFixture('true')]);
  });

  it('outside CI: passes, warns once for the run, and the summary names each skipped suite and why', async () => {
    const [{ code, output }] = await runs;
    expect(code, output).toBe(0);
    expect(output.match(/!!!/g), output).toHaveLength(1);
    expect(output).toContain(
      '!!! 2 emulator suites did not run: gcloud is not on PATH. To run them, install the Google Cloud CLI',
    );
    expect(output).not.toContain('SKIPPING');
    const summary = output.slice(output.indexOf('Emulator suites:'));
    expect(summary.split('\n').slice(0, 3)).toEqual([
      'Emulator suites: 0 ran, 2 skipped',
      '  SKIPPED  fixture Firestore  gcloud is not on PATH',
      '  SKIPPED  fixture Pub/Sub    gcloud is not on PATH',
    ]);
  }, 90_000);

  it('under CI=true: fails, and the summary says the emulators were missing', async () => {
    const [, { code, output }] = await runs;
    expect(code, output).not.toBe(0);
    expect(output).toContain('CI requires them');
    expect(output).toContain('Emulator suites: 0 ran, 0 skipped, 2 missing');
    expect(output).toMatch(/MISSING {2}fixture Firestore {2}gcloud is not on PATH \(CI requires/);
    expect(output).toMatch(/MISSING {2}fixture Pub\/Sub {4}gcloud is not on PATH \(CI requires/);
  }, 90_000);
});
