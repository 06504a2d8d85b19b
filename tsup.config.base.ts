import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/**
 * The one build config every published package uses: ESM and CommonJS with types for each.
 * Only options tsdown also accepts, so a later switch stays mechanical.
 */
export function packageConfig(overrides: Options = {}): ReturnType<typeof defineConfig> {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    treeshake: true,
    define: {
      __PIPEWELL_PACKAGE_NAME__: JSON.stringify(pkg.name),
      __PIPEWELL_PACKAGE_VERSION__: JSON.stringify(pkg.version),
    },
    ...overrides,
  });
}
