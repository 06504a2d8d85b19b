import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { createEmulatorSummaryReporter } from './tools/emulators/src/summary-reporter';

// Every workspace folder with a src/ is a vitest project; tests import sibling packages from
// source through the "@pipewell/source" export condition, so no build step runs first.
const repoRoot = fileURLToPath(new URL('.', import.meta.url));
const projectDirs = ['packages', 'apps', 'examples', 'tools']
  .map((group) => join(repoRoot, group))
  .flatMap((group) =>
    existsSync(group) ? readdirSync(group).map((name) => join(group, name)) : [],
  )
  .filter((dir) => existsSync(join(dir, 'src')));

// No 'module' condition or main field: some dependencies (@opentelemetry/api, under the Google
// clients) ship an ESM build with extensionless imports that only bundlers can load, and tests run
// dependencies in Node as Node would.
const conditions = ['@pipewell/source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  resolve: { conditions, mainFields: ['main'] },
  ssr: { resolve: { conditions, externalConditions: conditions, mainFields: ['main'] } },
  test: {
    // The emulator summary comes last, under the results.
    reporters: ['default', createEmulatorSummaryReporter()],
    projects: [
      ...projectDirs.map(
        (dir): TestProjectInlineConfiguration => ({
          extends: true,
          test: { name: basename(dir), root: dir, include: ['src/**/*.test.ts'] },
        }),
      ),
      // The type tests (*.test-d.ts) of every workspace in one project, one tsc over all of src
      // (a type error anywhere there fails the run): vitest 4.1 prints its "experimental
      // feature" warning, and runs tsc, once per project with typecheck on.
      {
        extends: true,
        test: {
          name: 'types',
          root: repoRoot,
          typecheck: {
            enabled: true,
            only: true,
            include: ['{packages,apps,examples,tools}/*/src/**/*.test-d.ts'],
            tsconfig: 'tsconfig.type-tests.json',
          },
        },
      },
    ],
  },
});
