import { createVirtualClock, type Logger } from '@pipewell/retry';
import { describe, expect, it, vi } from 'vitest';
import { createDependencyGuard } from './guard.js';
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
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_f, message) => warnings.push(message ?? ''),
    };
    const guard = createDependencyGuard({
      map,
      logger,
      sink: { record: () => Promise.reject(new Error('firestore down')) },
    });
    propsActual = 90;
    expect(await guard.run(run, () => 'ok')).toMatchObject({
      status: 'ran-degraded',
      result: 'ok',
    });
    expect(warnings).toEqual(['soft-deps: could not record a decision']);
    propsActual = 100;
    await expect(guard.run(run, () => Promise.reject(new Error('processor bug')))).rejects.toThrow(
      'processor bug',
    );
  });

  it('needs a map', () => {
    expect(() => createDependencyGuard({} as never)).toThrow('needs { map }');
  });
});
