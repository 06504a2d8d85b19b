import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const child = fileURLToPath(new URL('./idle-child.fixture.ts', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipewell-queue-idle-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalQueue.idle in a process with nothing else to do', () => {
  it('keeps the process alive through a redelivery backoff until the queue is idle', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@pipewell/source', '--import', 'tsx', child, dir],
      { cwd: repoRoot, timeout: 20_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ idle: true, attempts: [1, 2] });
  }, 30_000);
});
