import { describe, expect, it } from 'vitest';
import { checkRunFilter, meetsStaleClaim } from './heartbeat-store.js';
import type { HeartbeatRecord, RunFilter } from './record.js';

describe('checkRunFilter', () => {
  it('accepts every filter a store can honour', () => {
    for (const filter of [
      {},
      ...['running', 'succeeded', 'failed', 'cancelled', 'stale'].map((status) => ({ status })),
      { processorName: 'box_scores', dataDate: '2024-02-29', status: 'running' },
    ] as RunFilter[]) {
      expect(() => checkRunFilter(filter)).not.toThrow();
    }
  });

  it.each([
    [undefined, 'filter', 'listRuns needs a filter object'],
    [null, 'filter', 'listRuns needs a filter object, {} for every run (got null)'],
    [{ dataDate: '2026-02-30' }, 'dataDate', '2026-02 has no day 30'],
    [{ status: 'done' }, 'status', 'option "status" must be one of running, succeeded'],
    [{ processorName: 7 }, 'processorName', 'option "processorName" must be a string'],
  ])('refuses %j with HeartbeatOptionsError naming %s', (filter, option, message) => {
    expect(() => checkRunFilter(filter as never)).toThrow(
      expect.objectContaining({
        name: 'HeartbeatOptionsError',
        option,
        message: expect.stringContaining(message),
      }),
    );
  });
});

describe('meetsStaleClaim', () => {
  const record = {
    status: 'running',
    lastBeatAt: 10_000,
    lastProgressAt: 2_000,
  } as HeartbeatRecord;

  it('holds for a running record strictly older than a bound', () => {
    expect(meetsStaleClaim(record, { lastBeatBefore: 10_001, at: 0 })).toBe(true);
    expect(meetsStaleClaim(record, { lastBeatBefore: 10_000, at: 0 })).toBe(false);
    expect(meetsStaleClaim(record, { lastBeatBefore: 0, lastProgressBefore: 2_001, at: 0 })).toBe(
      true,
    );
    expect(meetsStaleClaim(record, { lastBeatBefore: 0, lastProgressBefore: 2_000, at: 0 })).toBe(
      false,
    );
  });

  it('never holds for a run that is not running', () => {
    for (const status of ['succeeded', 'failed', 'cancelled', 'stale'] as const) {
      expect(meetsStaleClaim({ ...record, status }, { lastBeatBefore: 1e12, at: 0 })).toBe(false);
    }
  });
});
