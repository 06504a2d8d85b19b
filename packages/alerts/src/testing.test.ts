import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catchError, createVirtualClock } from '@pipewell/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertInputError } from './alert.js';
import { createAlerter } from './alerter.js';
import { createFileOutbox } from './file-outbox.js';
import { type AlertOutbox, createMemoryOutbox } from './outbox.js';
import { createSlackSink } from './sinks.js';
import {
  type ContractTestFunctions,
  durableOutboxContract,
  outboxContract,
  startFakeSlack,
} from './testing.js';

const root = mkdtempSync(join(tmpdir(), 'pipewell-alerts-testing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Run a suite's tests here, with a collecting `it` and hooks, and return the names of those that
 * failed: a contract suite that cannot fail on a broken outbox would be no contract at all.
 */
async function failingTests(
  register: (
    functions: ContractTestFunctions & {
      beforeEach(hook: () => Promise<void>): void;
      afterEach(hook: () => Promise<void>): void;
    },
  ) => void,
): Promise<string[]> {
  const tests: Array<{ name: string; run: () => Promise<void> }> = [];
  const before: Array<() => Promise<void>> = [];
  const after: Array<() => Promise<void>> = [];
  register({
    it: (name, run) => tests.push({ name, run }),
    expect,
    beforeEach: (hook) => before.push(hook),
    afterEach: (hook) => after.push(hook),
  });
  expect(tests.length).toBeGreaterThan(4);
  const failed: string[] = [];
  for (const test of tests) {
    try {
      for (const hook of before) await hook();
      try {
        await test.run();
      } finally {
        for (const hook of after) await hook();
      }
    } catch {
      failed.push(test.name);
    }
  }
  return failed;
}

/** An outbox that forgets a lease as soon as it has granted it. */
function forgettingLeases(inner: AlertOutbox): AlertOutbox {
  return {
    limits: inner.limits,
    add: (entry) => inner.add(entry),
    async claim(request) {
      const claims = await inner.claim(request);
      for (const { entry, ...claim } of claims) {
        await inner.release(
          { entry, ...claim },
          {
            attempts: entry.attempts,
            lastError: entry.lastError,
            nextAttemptAt: entry.nextAttemptAt,
          },
        );
      }
      return claims;
    },
    remove: (claim) => inner.remove(claim),
    release: (claim, retry) => inner.release(claim, retry),
    list: () => inner.list(),
  };
}

describe('outboxContract', () => {
  it('passes a correct outbox', async () => {
    expect(
      await failingTests((functions) =>
        outboxContract({ ...functions, makeOutbox: (limits) => createMemoryOutbox(limits) }),
      ),
    ).toEqual([]);
  });

  it('fails an outbox that forgets the leases it grants', async () => {
    const failed = await failingTests((functions) =>
      outboxContract({
        ...functions,
        makeOutbox: (limits) => forgettingLeases(createMemoryOutbox(limits)),
      }),
    );
    expect(failed).toContain('hides a leased entry from other claimers until the lease ends');
  });

  it('names the test function or option it is missing', async () => {
    const error = await catchError(
      () => outboxContract({ it, makeOutbox: () => createMemoryOutbox() } as never),
      AlertInputError,
    );
    expect(error.option).toBe('expect');
    expect(error.message).toContain("import them from 'vitest'");
    const noFactory = await catchError(
      () => outboxContract({ it, expect } as never),
      AlertInputError,
    );
    expect(noFactory.option).toBe('makeOutbox');
  });
});

describe('durableOutboxContract', () => {
  it('passes the file outbox, and fails an outbox that forgets everything on a restart', async () => {
    expect(
      await failingTests((functions) =>
        durableOutboxContract({
          ...functions,
          openOutbox: (name, limits) =>
            createFileOutbox({ path: join(root, name, 'outbox.json'), ...limits }),
        }),
      ),
    ).toEqual([]);
    const failed = await failingTests((functions) =>
      durableOutboxContract({
        ...functions,
        // A new, empty outbox on every open: what a restart would find with no durable storage.
        openOutbox: (_name, limits) => createMemoryOutbox(limits),
      }),
    );
    expect(failed).toContain('delivers each queued alert exactly once across an alerter restart');
  });

  it('names the hook it is missing', async () => {
    const error = await catchError(
      () =>
        durableOutboxContract({
          it,
          expect,
          openOutbox: () => createMemoryOutbox(),
        } as never),
      AlertInputError,
    );
    expect(error.option).toBe('beforeEach');
  });
});

describe('startFakeSlack', () => {
  it('records each request at the time of its clock, and answers as scripted', async () => {
    const clock = createVirtualClock({ now: 5_000 });
    await using slack = await startFakeSlack({ clock });
    slack.script({ status: 410, body: 'channel_is_archived' });
    const alerter = createAlerter({
      sinks: [createSlackSink({ webhookUrl: slack.webhookUrl, clock })],
      clock,
    });
    expect((await alerter.alert({ severity: 'error', title: 'archived' })).status).toBe('failed');
    expect((await alerter.alert({ severity: 'error', title: 'Stale run' })).status).toBe(
      'delivered',
    );
    expect(slack.received.map((r) => [r.at, r.answered])).toEqual([
      [5_000, 410],
      [5_000, 200],
    ]);
    expect(slack.delivered()).toEqual([':x: [error] Stale run']);
    await alerter.close();
  });

  it('stops listening at the end of an await using block', async () => {
    let url: string;
    {
      await using slack = await startFakeSlack();
      url = slack.webhookUrl;
      expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(200);
    }
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('rejects a clock that is not one, naming the option', async () => {
    const error = await catchError(startFakeSlack({ clock: {} as never }), AlertInputError);
    expect(error.option).toBe('clock');
  });
});
