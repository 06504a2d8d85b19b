#!/usr/bin/env node
// The consumer test: pack every published package, install the tarballs into throwaway
// projects outside the workspace (ESM and CommonJS with node16 resolution, plus a bundler-
// resolution typecheck), build them with tsc, run them, check no export's types leak `any`,
// and install two versions of @pipewell/retry and of @pipewell/core side by side. Prints each
// package's packed size.
// Needs the packages built first (pnpm build).
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Every published package: each folder under packages/ (core first, as the others depend on it).
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort((a, b) => (a === 'core' ? -1 : b === 'core' ? 1 : a.localeCompare(b)));
const work = mkdtempSync(join(tmpdir(), 'pipewell-consumers-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const pnpm = process.env.npm_execpath;
if (!pnpm)
  throw new Error('run this through pnpm (pnpm run test:consumers), which sets npm_execpath');

function run(command, args, cwd, env = {}) {
  return execFileSync(command, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  }).toString();
}

function sizeOf(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(path) : statSync(path).size;
  }
  return total;
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;

// 1. Pack each package as it would be published (pnpm applies publishConfig and turns
//    workspace:^ into a version range).
const packed = {};
for (const name of packages) {
  const before = new Set(readdirSync(tarballs));
  run(
    process.execPath,
    [pnpm, 'pack', '--pack-destination', tarballs],
    join(root, 'packages', name),
  );
  const file = readdirSync(tarballs).find((f) => !before.has(f));
  if (!file) throw new Error(`packing ${name} produced no tarball`);
  packed[name] = join(tarballs, file);
}

console.log('\npacked sizes');
console.log(
  `${'package'.padEnd(28)}${'tarball'.padStart(10)}${'unpacked'.padStart(11)}  runtime dependencies`,
);
for (const name of packages) {
  const dir = join(work, 'unpacked', name);
  mkdirSync(dir, { recursive: true });
  run('tar', ['xzf', packed[name], '-C', dir], work);
  const manifest = JSON.parse(readFileSync(join(dir, 'package', 'package.json'), 'utf8'));
  if (JSON.stringify(manifest).includes('workspace:'))
    throw new Error(`${name}: the packed manifest still says workspace:`);
  if (JSON.stringify(manifest.exports).includes('@pipewell/source'))
    throw new Error(`${name}: the source condition was published`);
  const deps = Object.keys(manifest.dependencies ?? {}).join(', ') || 'none';
  console.log(
    `${`@pipewell/${name}`.padEnd(28)}${kb(statSync(packed[name]).size).padStart(10)}${kb(sizeOf(join(dir, 'package'))).padStart(11)}  ${deps}`,
  );
}

// 2. More versions of retry and of core, as two services pinned to different minors would have.
function repack(name, version) {
  const dir = join(work, `${name}-${version}`);
  cpSync(join(work, 'unpacked', name, 'package'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  manifest.version = version;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  run('npm', ['pack', '--pack-destination', tarballs, '--silent'], dir);
  return join(tarballs, `pipewell-${name}-${version}.tgz`);
}

const dependencies = Object.fromEntries(
  packages.map((name) => [`@pipewell/${name}`, `file:${packed[name]}`]),
);
Object.assign(dependencies, {
  'retry-v1': `file:${repack('retry', '0.1.0')}`,
  'retry-v2': `file:${repack('retry', '0.2.0')}`,
  // A second copy of core under another name: its errors must pass the first copy's isInstance.
  'core-v1': `file:${repack('core', '0.1.0')}`,
});

function consumer(kind, type, compilerOptions) {
  const dir = join(work, `consumer-${kind}`);
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const file of ['main.ts', 'types-check.ts'])
    cpSync(join(root, 'scripts', 'consumer', file), join(dir, 'src', file));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: `pipewell-consumer-${kind}`,
        private: true,
        type,
        dependencies,
        devDependencies: { '@types/node': '^20.19.0' },
        // The packages' own dependencies on @pipewell/core and @pipewell/retry resolve to the
        // packed tarballs too.
        overrides: { '@pipewell/core': '$@pipewell/core', '@pipewell/retry': '$@pipewell/retry' },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          types: ['node'],
          skipLibCheck: false,
          outDir: 'dist',
          ...compilerOptions,
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  return dir;
}

// 3. Install and build: ESM and CommonJS with node16 resolution; bundler resolution typechecked.
const esm = consumer('esm', 'module', { module: 'node16', moduleResolution: 'node16' });
const cjs = consumer('cjs', 'commonjs', { module: 'node16', moduleResolution: 'node16' });
for (const dir of [esm, cjs]) {
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  run(process.execPath, [tsc, '-p', '.'], dir);
}
writeFileSync(
  join(esm, 'tsconfig.bundler.json'),
  JSON.stringify({
    extends: './tsconfig.json',
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler', noEmit: true },
  }),
);
run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], esm);
console.log(
  '\ntypes: node16 (ESM and CommonJS) and bundler resolution compile; no export leaks any',
);

// 4. Run both builds.
for (const dir of [esm, cjs]) process.stdout.write(run(process.execPath, ['dist/main.js'], dir));

rmSync(work, { recursive: true, force: true });
console.log('consumer test passed');
