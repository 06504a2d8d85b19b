import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTable, openDuckDbWarehouse, type Warehouse } from '../warehouse/index.js';
import { batchGate, countRowsOn, coverageGate, judgeGate, quorumGate } from './gates.js';
import type { PhaseRecord } from './types.js';

const dataDate = '2026-01-24';
const at = {
  from: 3,
  to: 4,
  dataDate,
  decidedBy: 'all-reported',
  decidedAt: '2026-01-24T09:00:00.000Z',
} as const;
const games = defineTable({
  name: 'gate_test.games',
  columns: { data_date: 'DATE', game: 'STRING' },
  keys: ['data_date', 'game'],
  partitionBy: 'data_date',
  description: 'Games scheduled.',
});
const covered = defineTable({
  name: 'gate_test.covered',
  columns: { data_date: 'DATE', game: 'STRING' },
  keys: ['data_date', 'game'],
  partitionBy: 'data_date',
  description: 'Games covered.',
});
const record = {} as PhaseRecord;
let warehouse: Warehouse;

beforeEach(async () => {
  warehouse = await openDuckDbWarehouse({ path: ':memory:' });
  await warehouse.ensureTables([games, covered]);
  await warehouse.merge(
    games,
    ['g1', 'g2', 'g3', 'g4', 'g5'].map((game) => ({ data_date: dataDate, game })),
  );
});

afterEach(async () => {
  await warehouse.close();
});

describe('judgeGate', () => {
  it('fails closed: no checks, a check that cannot be measured, a gate that threw', async () => {
    expect(await judgeGate(at, [])).toMatchObject({
      open: false,
      reasons: [expect.stringContaining('no checks')],
    });
    const zero = await judgeGate(at, [{ name: 'games covered', expected: 0, actual: 0 }]);
    expect(zero.open).toBe(false);
    expect(zero.reasons.join('\n')).toContain('expected 0 records');
    const threw = await judgeGate(at, { failure: new Error('warehouse down') });
    expect(threw).toMatchObject({ open: false, degraded: false });
    expect(threw.reasons[0]).toContain('warehouse down');
  });

  it('passes a check with nothing expected only when it says so', async () => {
    const none = { name: 'yesterday covered', expected: 0, actual: 0 } as const;
    expect((await judgeGate(at, [none])).open).toBe(false);
    const proceed = await judgeGate(at, [{ ...none, whenNoneExpected: 'proceed' }]);
    expect(proceed).toMatchObject({ open: true, degraded: false });
    expect(proceed.reasons[1]).toBe(
      "yesterday covered: expected 0 records for 2026-01-24, nothing missing (whenNoneExpected: 'proceed')",
    );
    const mixed = await judgeGate(at, [
      { ...none, whenNoneExpected: 'proceed' },
      { name: 'today covered', expected: 5, actual: 2 },
    ]);
    expect(mixed.open).toBe(false);
    expect(mixed.reasons).toHaveLength(3);
  });

  it('opens degraded at the threshold and lists every check', async () => {
    const decision = await judgeGate(at, [
      { name: 'summary has rows', kind: 'hard', expected: 1, actual: 1 },
      { name: 'games covered', expected: 5, actual: 4 },
    ]);
    expect(decision).toMatchObject({ open: true, degraded: true, from: 3, to: 4 });
    expect(decision.reasons).toHaveLength(3);
    expect(decision.reasons[2]).toContain('games covered: soft, 4 of 5 (80%)');
  });
});

describe('gate helpers, on rows in the warehouse', () => {
  it('coverageGate: critical output empty and coverage below 80% keep it shut', async () => {
    const gate = coverageGate({
      critical: [{ name: 'covered', rows: countRowsOn(covered, 'data_date') }],
      coverage: {
        name: 'games covered',
        expected: countRowsOn(games, 'data_date'),
        actual: countRowsOn(covered, 'data_date'),
      },
    });
    const shut = await judgeGate(at, await gate(dataDate, warehouse, { record }));
    expect(shut.open).toBe(false);
    await warehouse.merge(
      covered,
      ['g1', 'g2', 'g3', 'g4'].map((game) => ({ data_date: dataDate, game })),
    );
    const open = await judgeGate(at, await gate(dataDate, warehouse, { record }));
    expect(open).toMatchObject({ open: true, degraded: true });
  });

  it('quorumGate: k of n outputs with rows and every critical one', async () => {
    const outputs = [
      { name: 'games', rows: countRowsOn(games, 'data_date'), critical: true },
      { name: 'covered', rows: countRowsOn(covered, 'data_date') },
    ];
    const one = await judgeGate(
      at,
      await quorumGate({ outputs, min: 1 })(dataDate, warehouse, { record }),
    );
    expect(one).toMatchObject({ open: true, degraded: true });
    const two = await judgeGate(
      at,
      await quorumGate({ outputs, min: 2 })(dataDate, warehouse, { record }),
    );
    expect(two.open).toBe(false);
    const criticalEmpty = await judgeGate(
      at,
      await quorumGate({
        outputs: [{ ...outputs[1], critical: true } as (typeof outputs)[number]],
        min: 1,
      })(dataDate, warehouse, { record }),
    );
    expect(criticalEmpty.open).toBe(false);
    expect(() => quorumGate({ outputs, min: 3 })).toThrow(
      /min must be a whole number from 1 to the 2 outputs \(got 3\)/,
    );
  });

  it('batchGate: >= 80% of the batch', async () => {
    const gate = batchGate({
      expected: countRowsOn(games, 'data_date'),
      actual: countRowsOn(covered, 'data_date'),
    });
    await warehouse.merge(covered, [{ data_date: dataDate, game: 'g1' }]);
    expect((await judgeGate(at, await gate(dataDate, warehouse, { record }))).open).toBe(false);
    await warehouse.merge(
      covered,
      ['g2', 'g3', 'g4', 'g5'].map((game) => ({ data_date: dataDate, game })),
    );
    expect(await judgeGate(at, await gate(dataDate, warehouse, { record }))).toMatchObject({
      open: true,
      degraded: false,
    });
  });
});
