import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The unit tests of one package (the folder Stryker runs in), resolving sibling packages from
// source as the root config does. Emulator suites are left out: a mutant run must not start a
// JVM, and the contract suites they run also run against the memory stores.
const conditions = ['@pipewell/source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  resolve: { conditions, mainFields: ['main'] },
  ssr: { resolve: { conditions, externalConditions: conditions, mainFields: ['main'] } },
  test: {
    root: process.cwd(),
    include: ['src/**/*.test.ts'],
    exclude: ['src/**/firestore*.test.ts', '**/node_modules/**'],
  },
});
