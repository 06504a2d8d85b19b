import { PipewellOptionsError } from '@pipewell/core';
import { createVirtualClock } from '@pipewell/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { DependencyGuardOptionsError } from './errors.js';
import { evaluateDependencies } from './evaluate.js';
import { createDependencyMap } from './map.js';
import { type SoftDependenciesOptions, withSoftDependencies } from './mixin.js';
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
const dataDate = '2026-01-24';

/** A processor base class as teams write them: its ports come in through the constructor. */
class AnalyticsProcessor {
  readonly written: { dataDate: string; degraded: boolean }[] = [];
  constructor(
    protected readonly table: string,
    protected readonly batchSize: number,
  ) {}
  protected write(dataDate: string, degraded: boolean): number {
    this.written.push({ dataDate, degraded });
    return this.batchSize;
  }
}

function processorClass(options: Partial<SoftDependenciesOptions> = {}) {
  return class PlayerGameSummary extends withSoftDependencies(AnalyticsProcessor, {
    map,
    processorName: 'player_game_summary',
    ...options,
  }) {
    run(day: string, runId?: string) {
      return this.runWithDependencies(day, ({ degraded }) => this.write(day, degraded), {
        ...(runId === undefined ? {} : { runId }),
      });
    }
  };
}

describe('withSoftDependencies', () => {
  it("keeps the base's constructor and members", () => {
    const Processor = processorClass();
    const processor = new Processor('nba_analytics.player_game_summary', 500);
    expect(processor).toBeInstanceOf(AnalyticsProcessor);
    expect(processor.written).toEqual([]);
    expect(Reflect.get(processor, 'table')).toBe('nba_analytics.player_game_summary');
    expect(Reflect.get(processor, 'batchSize')).toBe(500);
  });

  it('runs, runs degraded, or skips, recording degraded and blocked decisions as the guard does', async () => {
    const sink = createMemoryDecisionSink();
    const clock = createVirtualClock({ now: 7_000 });
    const Processor = processorClass({ sink, clock });
    const processor = new Processor('nba_analytics.player_game_summary', 500);

    propsActual = 100;
    expect(await processor.run(dataDate, 'run-1')).toMatchObject({ status: 'ran', result: 500 });
    propsActual = 85;
    expect(await processor.run(dataDate, 'run-2')).toMatchObject({
      status: 'ran-degraded',
      result: 500,
      decision: { decision: 'degraded' },
    });
    propsActual = 50;
    const skipped = await processor.run(dataDate, 'run-3');
    expect(skipped).toMatchObject({ status: 'skipped', decision: { decision: 'blocked' } });
    expect(skipped).not.toHaveProperty('result');

    expect(processor.written).toEqual([
      { dataDate, degraded: false },
      { dataDate, degraded: true },
    ]);
    expect(sink.entries.map((e) => [e.processorName, e.decision, e.runId, e.at])).toEqual([
      ['player_game_summary', 'degraded', 'run-2', 7_000],
      ['player_game_summary', 'blocked', 'run-3', 7_000],
    ]);
    expect(sink.entries[1]?.reasons).toContain(
      'props: soft, 50 of 100 (50%), below its 80% threshold',
    );
  });

  it("checkDependencies returns the guard's decision and records and runs nothing", async () => {
    const sink = createMemoryDecisionSink();
    const Processor = processorClass({ sink, threshold: 0.9 });
    const processor = new Processor('t', 1);
    propsActual = 85;
    const decision = await processor.checkDependencies(dataDate);
    expect(decision).toEqual(
      await evaluateDependencies(map, 'player_game_summary', dataDate, { threshold: 0.9 }),
    );
    expect(decision.decision).toBe('blocked');
    propsActual = 95;
    expect((await processor.checkDependencies(dataDate)).decision).toBe('degraded');
    expect(sink.entries).toEqual([]);
    expect(processor.written).toEqual([]);
  });

  it('applies the guard options given at class creation: strict and the degradation budget', async () => {
    propsActual = 90;
    const strict = new (processorClass({ strict: true }))('t', 1);
    expect((await strict.run(dataDate)).status).toBe('skipped');
    const budgeted = new (processorClass({ degradationBudget: 0.05 }))('t', 1);
    expect((await budgeted.run(dataDate)).status).toBe('skipped');
    const lenient = new (processorClass({ degradationBudget: 0.1 }))('t', 1);
    expect((await lenient.run(dataDate)).status).toBe('ran-degraded');
  });

  it('passes the signal to coverage functions and the processor, and rejects when it aborts', async () => {
    const seen: (AbortSignal | undefined)[] = [];
    const signalled = createDependencyMap({
      processors: {
        p: {
          upstreams: {
            u: {
              coverage: (_day, { signal }) => {
                seen.push(signal);
                return { expected: 1, actual: 1 };
              },
            },
          },
        },
      },
    });
    class Processor extends withSoftDependencies(AnalyticsProcessor, {
      map: signalled,
      processorName: 'p',
    }) {}
    const processor = new Processor('t', 1);
    const controller = new AbortController();
    const process = vi.fn(({ signal }: { signal: AbortSignal | undefined }) => signal);
    const outcome = await processor.runWithDependencies(dataDate, process, {
      signal: controller.signal,
    });
    expect(outcome).toMatchObject({ status: 'ran', result: controller.signal });
    await processor.checkDependencies(dataDate, { signal: controller.signal });
    expect(seen).toEqual([controller.signal, controller.signal]);

    controller.abort(new Error('deadline'));
    await expect(
      processor.checkDependencies(dataDate, { signal: controller.signal }),
    ).rejects.toThrow('deadline');
    await expect(
      processor.runWithDependencies(dataDate, process, { signal: controller.signal }),
    ).rejects.toThrow('deadline');
    expect(process).toHaveBeenCalledTimes(1);
  });

  it('works on an abstract base: the subclass implements its abstract members', async () => {
    abstract class Processor {
      constructor(readonly name: string) {}
      abstract process(day: string, degraded: boolean): string;
    }
    class Summary extends withSoftDependencies(Processor, {
      map,
      processorName: 'player_game_summary',
    }) {
      process(day: string, degraded: boolean): string {
        return `${this.name} ${day}${degraded ? ' (degraded)' : ''}`;
      }
      run(day: string) {
        return this.runWithDependencies(day, ({ degraded }) => this.process(day, degraded));
      }
    }
    propsActual = 90;
    const summary = new Summary('summary');
    expect(summary).toBeInstanceOf(Processor);
    expect(await summary.run(dataDate)).toMatchObject({
      status: 'ran-degraded',
      result: 'summary 2026-01-24 (degraded)',
    });
  });

  it('skips a run for an impossible data date, with a reason naming dataDate', async () => {
    const processor = new (processorClass())('t', 1);
    propsActual = 100;
    const outcome = await processor.run('2026-02-30');
    expect(outcome.status).toBe('skipped');
    expect(outcome.decision.reasons[0]).toContain('option "dataDate" must be a calendar date');
    expect(processor.written).toEqual([]);
  });
});

describe('withSoftDependencies options', () => {
  function optionsError(base: unknown, options: unknown): DependencyGuardOptionsError {
    try {
      withSoftDependencies(base as typeof AnalyticsProcessor, options as SoftDependenciesOptions);
    } catch (error) {
      if (DependencyGuardOptionsError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('expected a DependencyGuardOptionsError');
  }

  it('refuses an unknown processor when the class is defined, naming processorName', () => {
    const error = optionsError(AnalyticsProcessor, { map, processorName: 'player_game_sumary' });
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(error.option).toBe('processorName');
    expect(error.message).toBe(
      '@pipewell/soft-deps: withSoftDependencies: option "processorName" is "player_game_sumary", which is not in the map (it has "player_game_summary")',
    );
  });

  it.each([
    ['Base', undefined, { map, processorName: 'player_game_summary' }, '"Base" must be a class'],
    ['options', AnalyticsProcessor, null, 'needs an options object with { map }'],
    ['map', AnalyticsProcessor, { processorName: 'p' }, 'option "map" must be a map'],
    [
      'processorName',
      AnalyticsProcessor,
      { map },
      'option "processorName" must be the processor\'s name in the map (got undefined)',
    ],
    ['processorName', AnalyticsProcessor, { map, processorName: '' }, '(got "")'],
    [
      'threshold',
      AnalyticsProcessor,
      { map, processorName: 'player_game_summary', threshold: 80 },
      'option "threshold" must be a share in (0, 1] (got 80; a share, so 0.8?)',
    ],
    [
      'sink',
      AnalyticsProcessor,
      { map, processorName: 'player_game_summary', sink: {} },
      'option "sink" must be a DecisionSink',
    ],
    [
      'treshold',
      AnalyticsProcessor,
      { map, processorName: 'player_game_summary', treshold: 0.8 },
      '"treshold" is not an option (options: map, sink, threshold, degradationBudget, strict, clock, logger, processorName)',
    ],
    [
      'signal',
      AnalyticsProcessor,
      { map, processorName: 'player_game_summary', signal: new AbortController().signal },
      '; pass signal to checkDependencies() or runWithDependencies()',
    ],
  ])('names %s when it is wrong', (option, base, options, message) => {
    const error = optionsError(base, options);
    expect(error.option).toBe(option);
    expect(error.message.startsWith('@pipewell/soft-deps: withSoftDependencies: ')).toBe(true);
    expect(error.message).toContain(message);
  });

  it.each([
    [0, '(it has no processors)'],
    [10, '(it has "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9")'],
  ])("lists the map's %i processors in the message", (count, listed) => {
    const processors = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`p${i}`, { upstreams: {} }]),
    );
    const error = optionsError(AnalyticsProcessor, {
      map: createDependencyMap({ processors }),
      processorName: 'q',
    });
    expect(error.message.endsWith(`is "q", which is not in the map ${listed}`)).toBe(true);
  });

  it("lists at most ten of the map's processors in the message", () => {
    const processors = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`p${i}`, { upstreams: {} }]),
    );
    const big = createDependencyMap({ processors });
    const error = optionsError(AnalyticsProcessor, { map: big, processorName: 'q' });
    expect(error.message).toContain('"p8", "p9" and 2 more)');
  });
});
