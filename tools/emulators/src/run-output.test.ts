import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');

it('the root vitest config sets up every project without printing any warning more than once', async () => {
  // `list --filesOnly` resolves every project's config, as a run does, without running tests.
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [vitestBin, 'list', '--filesOnly'],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(error) : resolve(`${stdout}\n${stderr}`)),
    );
  });
  const files = output.split('\n').filter((line) => line.startsWith('['));
  expect(files.some((line) => line.startsWith('[types] '))).toBe(true);
  const messages = output.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('['));
  const repeated = messages.filter((line, i) => messages.indexOf(line) !== i);
  expect(repeated, output).toEqual([]);
}, 90_000);
