import { type Logger, PipewellOptionsError } from '@pipewell/core';
import { createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { DependencyGuardOptionsError } from './errors.js';
import { createDependencyGuard, type DependencyGuardOptions } from './guard.js';
import { createDependencyMap } from './map.js';
import { createMemoryDecisionSink } from './sink.js';

let propsActual = 100;
const map = createDependencyMap({
  processors: {
    player_game_summary: {
      upstreams: {
        gamebook: { kind: 'hard', coverage: () => ({ expected: 10, actual: 10 }) },
        props: { kind: 'soft', coverage: () => ({ expected: 100, actual: propsActual }) },
      },
    },
  },
});
const run = { processorName: 'player_game_summary', dataDate: '2026-01-24', runId: 'run-7' };

describe('createDependencyGuard', () => {
  it('runs, runs degraded, or skips and reports, recording only degraded and blocked decisions', async () => {
    const sink = createMemoryDecisionSink();
    const clock = createVirtualClock({ now: 5_000 });
    const guard = createDependencyGuard({ map, sink, clock, threshold: 0.8 });
    const process = vi.fn(({ degraded }: { degraded: boolean }) =>
      degraded ? 'partial rows' : 'all rows',
    );

    propsActual = 100;
    expect(await guard.run(run, process)).toMatchObject({ status: 'ran', result: 'all rows' });
    propsActual = 85;
    expect(await guard.run(run, process)).toMatchObject({
      status: 'ran-degraded',
      result: 'partial rows',
    });
    propsActual = 50;
    const skipped = await guard.run(run, process);
    expect(skipped).toMatchObject({ status: 'skipped', decision: { decision: 'blocked' } });
    expect(process).toHaveBeenCalledTimes(2);

    expect(sink.entries.map((e) => [e.decision, e.runId, e.at])).toEqual([
      ['degraded', 'run-7', 5_000],
      ['blocked', 'run-7', 5_000],
    ]);
    expect(sink.entries[1]?.reasons).toContain(
      'props: soft, 50 of 100 (50%), below its 80% threshold',
    );
  });

  it('never fails the run because the sink failed, and lets the processor error through', async () => {
    const logger = createRecordingLogger();
    const sinkError = new Error('firestore down');
    const guard = createDependencyGuard({
      map,
      logger,
      sink: { record: () => Promise.reject(sinkError) },
    });
    propsActual = 90;
    expect(await guard.run(run, () => 'ok')).toMatchObject({
      status: 'ran-degraded',
      result: 'ok',
    });
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        msg: 'soft-deps: could not record a decision',
        fields: { err: sinkError, processorName: 'player_game_summary', dataDate: '2026-01-24' },
      },
    ]);
    propsActual = 100;
    await expect(guard.run(run, () => Promise.reject(new Error('processor bug')))).rejects.toThrow(
      'processor bug',
    );
  });

  it('logs a skipped run with its reasons', async () => {
    const logger = createRecordingLogger();
    const guard = createDependencyGuard({ map, logger });
    propsActual = 50;
    const outcome = await guard.run(run, () => 'ok');
    expect(outcome.status).toBe('skipped');
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        msg: 'soft-deps: run skipped',
        fields: {
          processorName: 'player_game_summary',
          dataDate: '2026-01-24',
          reasons: outcome.decision.reasons,
        },
      },
    ]);
  });

  it('without a sink, records nothing and logs no sink failure', async () => {
    const logger = createRecordingLogger();
    const guard = createDependencyGuard({ map, logger });
    propsActual = 90;
    expect((await guard.run(run, () => 'ok')).status).toBe('ran-degraded');
    expect(logger.entries).toEqual([]);
  });

  it('proceeds degraded when the shortfall equals the budget: 85 of 100 against 0.15', async () => {
    const guard = createDependencyGuard({ map, degradationBudget: 0.15 });
    propsActual = 85;
    expect(await guard.run(run, () => 'rows')).toMatchObject({
      status: 'ran-degraded',
      result: 'rows',
    });
    propsActual = 84;
    expect((await guard.run(run, () => 'rows')).status).toBe('skipped');
  });

  it('check() returns the decision with the guard options, recording and running nothing', async () => {
    const sink = createMemoryDecisionSink();
    const guard = createDependencyGuard({ map, sink, degradationBudget: 0.1 });
    propsActual = 95;
    expect((await guard.check(run)).decision).toBe('degraded');
    propsActual = 85;
    const blocked = await guard.check(run);
    expect(blocked.decision).toBe('blocked');
    expect(blocked.reasons[0]).toContain("over the run's degradation budget of 10%");
    expect(sink.entries).toEqual([]);
    const controller = new AbortController();
    controller.abort(new Error('deadline'));
    await expect(guard.check({ ...run, signal: controller.signal })).rejects.toThrow('deadline');
  });

  it("uses its threshold as the call's: the processor's and the upstream's own win", async () => {
    const layered = createDependencyMap({
      processors: {
        p: {
          threshold: 0.6,
          upstreams: {
            a: { coverage: () => ({ expected: 100, actual: 65 }) },
            b: { threshold: 0.5, coverage: () => ({ expected: 100, actual: 55 }) },
          },
        },
        q: { upstreams: { a: { coverage: () => ({ expected: 100, actual: 65 }) } } },
      },
    });
    const guard = createDependencyGuard({ map: layered, threshold: 0.95 });
    const ranP = await guard.run({ processorName: 'p', dataDate: '2026-01-24' }, () => 'ok');
    expect(ranP.status).toBe('ran-degraded');
    expect(ranP.decision.perUpstream.map((u) => [u.name, u.threshold])).toEqual([
      ['a', 0.6],
      ['b', 0.5],
    ]);
    // Without a processor threshold, the guard's wins over the map's 0.8.
    const ranQ = await guard.run({ processorName: 'q', dataDate: '2026-01-24' }, () => 'ok');
    expect(ranQ.status).toBe('skipped');
    expect(ranQ.decision.reasons[1]).toBe('a: soft, 65 of 100 (65%), below its 95% threshold');
  });

  it("uses its degradation budget as the call's: it wins over the processor's", async () => {
    const budgeted = createDependencyMap({
      processors: {
        p: {
          degradationBudget: 0.05,
          upstreams: { a: { coverage: () => ({ expected: 100, actual: 90 }) } },
        },
      },
    });
    const day = { processorName: 'p', dataDate: '2026-01-24' };
    expect((await createDependencyGuard({ map: budgeted }).check(day)).decision).toBe('blocked');
    const looser = createDependencyGuard({ map: budgeted, degradationBudget: 0.2 });
    expect((await looser.run(day, () => 'ok')).status).toBe('ran-degraded');
  });

  it.each([
    ['2026-02-29', '2026-02 has no day 29'],
    ['2026-02-30', '2026-02 has no day 30'],
    ['2026-04-31', '2026-04 has no day 31'],
  ])('skips a run for the impossible date %s, naming the option', async (dataDate, why) => {
    const sink = createMemoryDecisionSink();
    const guard = createDependencyGuard({ map, sink });
    const process = vi.fn();
    propsActual = 100;
    const outcome = await guard.run({ ...run, dataDate }, process);
    expect(outcome.status).toBe('skipped');
    expect(outcome.decision.reasons).toEqual([
      `blocked: option "dataDate" must be a calendar date as YYYY-MM-DD (got "${dataDate}": ${why})`,
    ]);
    expect(process).not.toHaveBeenCalled();
    expect(sink.entries).toHaveLength(1);
  });

  it('runs for a real leap day, 2024-02-29', async () => {
    const guard = createDependencyGuard({ map });
    propsActual = 100;
    expect(await guard.run({ ...run, dataDate: '2024-02-29' }, () => 'ok')).toMatchObject({
      status: 'ran',
      decision: { dataDate: '2024-02-29' },
    });
  });
});

describe('createDependencyGuard options', () => {
  const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

  function optionsError(options: unknown): DependencyGuardOptionsError {
    try {
      createDependencyGuard(options as DependencyGuardOptions);
    } catch (error) {
      if (DependencyGuardOptionsError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('expected a DependencyGuardOptionsError');
  }

  it('refuses threshold: 80 when the guard is created, naming the option, not at every run', () => {
    const error = optionsError({ map, threshold: 80 });
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(error.name).toBe('DependencyGuardOptionsError');
    expect(error.option).toBe('threshold');
    expect(error.message).toBe(
      '@pipewell/soft-deps: createDependencyGuard: option "threshold" must be a share in (0, 1] (got 80; a share, so 0.8?)',
    );
  });

  it.each([
    ['options', null, 'needs an options object with { map }'],
    ['options', undefined, 'needs an options object with { map }'],
    ['options', 'map', 'needs an options object with { map }'],
    ['map', {}, 'option "map" must be a map from createDependencyMap()'],
    ['map', { map: { processors: {} } }, 'option "map" must be a map from createDependencyMap()'],
    ['map', { map: { threshold: 0.8 } }, 'option "map" must be a map from createDependencyMap()'],
    [
      'map',
      { map: { processors: new Map() } },
      'option "map" must be a map from createDependencyMap()',
    ],
    ['threshold', { map, threshold: 0 }, 'option "threshold" must be a share in (0, 1] (got 0)'],
    ['threshold', { map, threshold: 1.01 }, 'must be a share in (0, 1] (got 1.01)'],
    ['threshold', { map, threshold: Number.NaN }, 'must be a share in (0, 1] (got NaN)'],
    ['threshold', { map, threshold: '0.8' }, 'must be a share in (0, 1] (got "0.8")'],
    ['threshold', { map, threshold: 100 }, 'must be a share in (0, 1] (got 100; a share, so 1?)'],
    // Past 100 it is no percentage: no hint.
    ['threshold', { map, threshold: 150 }, 'must be a share in (0, 1] (got 150)'],
    [
      'degradationBudget',
      { map, degradationBudget: 15 },
      'option "degradationBudget" must be a share in [0, 1] (got 15; a share, so 0.15?)',
    ],
    ['degradationBudget', { map, degradationBudget: -0.1 }, 'in [0, 1] (got -0.1)'],
    ['strict', { map, strict: 'yes' }, 'option "strict" must be a boolean (got "yes")'],
    ['sink', { map, sink: {} }, 'option "sink" must be a DecisionSink with record(entry)'],
    ['sink', { map, sink: null }, 'option "sink" must be a DecisionSink with record(entry)'],
    ['clock', { map, clock: Date }, 'option "clock" must be a Clock from @pipewell/core'],
    ['clock', { map, clock: {} }, 'option "clock" must be a Clock from @pipewell/core'],
    [
      'logger',
      { map, logger: { warn() {} } },
      'option "logger" must be a Logger with debug, info, warn, error methods',
    ],
    [
      'treshold',
      { map, treshold: 0.8 },
      '"treshold" is not an option (options: map, sink, threshold, degradationBudget, strict, clock, logger)',
    ],
    ['signal', { map, signal: new AbortController().signal }, '; pass signal to guard.run()'],
    ['context', { map, context: {} }, '; pass context to guard.run()'],
  ])('names the option %s when it is wrong', (option, options, message) => {
    const error = optionsError(options);
    expect(error.option).toBe(option);
    expect(error.message).toContain(message);
  });

  it('passes each run its own context: one guard, built once, for every warehouse', async () => {
    interface Warehouse {
      readonly name: string;
      count(table: string, date: string): number;
    }
    const seen: string[] = [];
    const typedMap = createDependencyMap<Warehouse>({
      processors: {
        player_game_summary: {
          upstreams: {
            props: {
              coverage: (date, { context, signal }) => {
                seen.push(
                  `${context.name} ${date} ${signal === undefined ? 'no signal' : 'signal'}`,
                );
                return { expected: 10, actual: context.count('props', date) };
              },
            },
          },
        },
      },
    });
    const guard = createDependencyGuard({ map: typedMap });
    const full: Warehouse = { name: 'full', count: () => 10 };
    const half: Warehouse = { name: 'half', count: () => 5 };
    const signal = new AbortController().signal;
    expect(await guard.run({ ...run, context: full }, () => 'rows')).toMatchObject({
      status: 'ran',
    });
    expect(await guard.run({ ...run, context: half, signal }, () => 'rows')).toMatchObject({
      status: 'skipped',
    });
    expect((await guard.check({ ...run, context: full })).decision).toBe('proceed');
    expect(seen).toEqual([
      'full 2026-01-24 no signal',
      'half 2026-01-24 signal',
      'full 2026-01-24 no signal',
    ]);
  });

  it("runs, without recording, when an upstream with whenNoneExpected 'proceed' expects 0", async () => {
    const sink = createMemoryDecisionSink();
    const opening = createDependencyMap({
      processors: {
        player_daily_cache: {
          upstreams: {
            history: { coverage: () => ({ expected: 0, actual: 0 }), whenNoneExpected: 'proceed' },
          },
        },
      },
    });
    const guard = createDependencyGuard({ map: opening, sink });
    const outcome = await guard.run(
      { processorName: 'player_daily_cache', dataDate: '2026-10-21' },
      () => 0,
    );
    expect(outcome).toMatchObject({ status: 'ran', result: 0, decision: { decision: 'proceed' } });
    expect(outcome.decision.reasons[1]).toBe(
      "history: expected 0 records for 2026-10-21, nothing missing (whenNoneExpected: 'proceed')",
    );
    expect(sink.entries).toEqual([]);
  });

  it('recognises a DependencyGuardOptionsError from another copy of the package', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('@pipewell/soft-deps.DependencyGuardOptionsError')]: true,
    });
    expect(DependencyGuardOptionsError.isInstance(foreign)).toBe(true);
  });

  it('accepts every option at its edges', () => {
    expect(() =>
      createDependencyGuard({
        map,
        sink: createMemoryDecisionSink(),
        threshold: 1,
        degradationBudget: 0,
        strict: false,
        clock: createVirtualClock(),
        logger,
      }),
    ).not.toThrow();
    expect(() =>
      createDependencyGuard({ map, degradationBudget: 1, threshold: 0.01 }),
    ).not.toThrow();
  });
});
