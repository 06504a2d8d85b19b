import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createVirtualClock } from '@pipewell/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalQueue } from './local-queue.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const child = fileURLToPath(new URL('./crash-child.fixture.ts', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipewell-queue-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openLocalQueue after a crash', () => {
  it('delivers again, after SIGKILL mid-handler, the message being handled and every message whose publish resolved', async () => {
    const process_ = spawn(
      process.execPath,
      ['--conditions=@pipewell/source', '--import', 'tsx', child, dir],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    process_.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      process_.on('exit', (_code, signal) => resolve(signal)),
    );
    const seen: Array<Record<string, unknown>> = [];
    for await (const line of createInterface({ input: process_.stdout })) {
      seen.push(JSON.parse(line) as Record<string, unknown>);
      const handling = seen.some((entry) => 'handling' in entry);
      if (handling && seen.some((entry) => entry.published === 200)) break;
    }
    expect(seen, stderr).toContainEqual({ handling: { n: 0 }, attempt: 1 });
    process_.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const clock = createVirtualClock();
    const queue = await openLocalQueue({ dir, clock });
    try {
      expect(queue.recovery.pending).toBe(200);
      const delivered: Array<[number, number]> = [];
      await queue.subscribe('work-sub', (data: { n: number }, context) => {
        delivered.push([data.n, context.deliveryAttempt]);
      });
      await clock.runAll(queue.idle());
      expect(delivered).toHaveLength(200);
      // The message the child was handling counts its interrupted delivery; the rest are new.
      expect(delivered.find(([n]) => n === 0)).toEqual([0, 2]);
      expect(delivered.filter(([, attempt]) => attempt === 1)).toHaveLength(199);
    } finally {
      await queue.close();
    }
  }, 30_000);
});
