import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

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
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: basename(dir),
        root: dir,
        include: ['src/**/*.test.ts'],
        typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: 'tsconfig.json' },
      },
    })),
  },
});
