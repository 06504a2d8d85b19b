// Shared StrykerJS settings for `pnpm mutation` (run from a package folder, so paths are
// relative to that package). Not part of CI: a run takes minutes per package.
//
// Under pnpm, Stryker cannot find its plugins by globbing node_modules, so they are resolved
// explicitly from here.

import { fileURLToPath } from 'node:url';

const vitestConfig = fileURLToPath(new URL('./vitest.mutation.config.ts', import.meta.url));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  plugins: [fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner'))],
  testRunner: 'vitest',
  vitest: { configFile: vitestConfig, related: false },
  coverageAnalysis: 'perTest',
  // Production code only. Left out: tests and type tests; the /testing kits (test code: a mutant
  // there is a weaker test, not a product bug); deprecated aliases kept for one minor; and the
  // Firestore stores, whose suites need the emulator (a JVM per mutant is not workable; they run
  // the same contract suites as the memory stores, which are mutated).
  mutate: [
    'src/**/*.ts',
    '!src/**/*.test.ts',
    '!src/**/*.test-d.ts',
    '!src/**/deprecated.ts',
    '!src/testing/**',
    '!src/testing.ts',
    '!src/**/firestore*.ts',
  ],
  checkers: [],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  concurrency: 2,
  timeoutMS: 10_000,
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
