import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Refuses any Google Cloud SDK ("loaded the SDK: ...") and any test runner ("loaded a test
// runner: ..."): ESM imports through a resolve hook, CommonJS requires through the CJS resolver.
const guard = `
import Module, { register } from 'node:module';
const refuse = (specifier) => {
  if (specifier.startsWith('@google-cloud/')) throw new Error('loaded the SDK: ' + specifier);
  if (specifier === 'vitest' || specifier.startsWith('vitest/')) throw new Error('loaded a test runner: ' + specifier);
};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  refuse(request);
  return resolveFilename.call(this, request, ...rest);
};
register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(specifier, context, next) {' +
  "  if (specifier.startsWith('@google-cloud/')) throw new Error('loaded the SDK: ' + specifier);" +
  "  if (specifier === 'vitest' || specifier.startsWith('vitest/')) throw new Error('loaded a test runner: ' + specifier);" +
  '  return next(specifier, context);' +
  '}'
));
`;

/**
 * Load `entry` (a path relative to src/) from source in a fresh Node process in which loading a
 * Google Cloud SDK or vitest throws, and resolve with its export names, sorted. A test helper of
 * this package's own suites; not shipped.
 */
export async function loadAlone(entry: string): Promise<string[]> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  const url = pathToFileURL(fileURLToPath(new URL(`../${entry}`, import.meta.url))).href;
  const { stdout } = await run(
    process.execPath,
    [
      '--conditions=@pipewell/source',
      '--import',
      tsx,
      '--import',
      `data:text/javascript,${encodeURIComponent(guard)}`,
      '--input-type=module',
      '--eval',
      `const m = await import(${JSON.stringify(url)}); console.log(JSON.stringify(Object.keys(m).sort()));`,
    ],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout) as string[];
}
