import { PipewellOptionsError } from '@pipewell/core';
import { describe, expect, it } from 'vitest';
import { evaluateDependencies } from './evaluate.js';
import { createDependencyMap, DependencyMapError, parseDependencyMap } from './map.js';

// A slice of the original system's map, as a JSON config names its coverage sources.
const nbaMapJson = JSON.stringify({
  threshold: 0.8,
  processors: {
    player_game_summary: {
      upstreams: {
        nbac_gamebook_player_stats: {
          kind: 'hard',
          coverage: 'gamebook_rows',
          description: 'NBA.com gamebook',
        },
        bdl_player_boxscores: { kind: 'soft', coverage: 'boxscore_rows' },
        odds_api_player_points_props: { kind: 'soft', threshold: 0.5, coverage: 'props_rows' },
      },
    },
    player_daily_cache: {
      degradationBudget: 0.05,
      upstreams: { player_game_summary: { kind: 'hard', coverage: 'summary_rows' } },
    },
  },
});

function mapError(make: () => unknown): DependencyMapError {
  try {
    make();
  } catch (error) {
    if (DependencyMapError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a DependencyMapError');
}

describe('dependency maps', () => {
  it('load from JSON with coverage sources registered in code', async () => {
    const map = parseDependencyMap(nbaMapJson, {
      sources: {
        gamebook_rows: () => ({ expected: 10, actual: 10 }),
        boxscore_rows: async () => ({ expected: 240, actual: 230 }),
        props_rows: async () => ({ expected: 100, actual: 60 }),
        summary_rows: () => ({ expected: 240, actual: 240 }),
      },
    });
    expect(map.problems).toEqual([]);
    expect(
      map.processors
        .get('player_game_summary')
        ?.upstreams.map((u) => [u.name, u.kind, u.threshold]),
    ).toEqual([
      ['nbac_gamebook_player_stats', 'hard', 1],
      ['bdl_player_boxscores', 'soft', 0.8],
      ['odds_api_player_points_props', 'soft', 0.5],
    ]);
    const decision = await evaluateDependencies(map, 'player_game_summary', '2026-01-24');
    expect(decision.decision).toBe('degraded');
    expect(map.processors.get('player_daily_cache')?.degradationBudget).toBe(0.05);
  });

  it.each([
    [
      { processors: { p: { upstreams: { u: { kind: 'firm', coverage: 'x' } } } } },
      'processors.p.upstreams.u.kind',
    ],
    [
      { processors: { p: { upstreams: { u: { coverage: 'x', threshold: 1.5 } } } } },
      'processors.p.upstreams.u.threshold',
    ],
    [
      { processors: { p: { upstreams: { u: { coverage: 42 } } } } },
      'processors.p.upstreams.u.coverage',
    ],
    [
      { processors: { p: { upstreams: { u: { coverage: 'x', whenNoneExpected: 'skip' } } } } },
      'processors.p.upstreams.u.whenNoneExpected',
    ],
    [{ processors: { p: { upstream: {} } } }, 'processors.p'],
    [{ threshold: 0, processors: {} }, 'threshold'],
    [{}, 'processors'],
  ])('reject %j naming %s', (config, path) => {
    const error = mapError(() => createDependencyMap(config as never));
    expect(error.name).toBe('DependencyMapError');
    expect(error.option).toBe(path);
    expect(error.path).toBe(path);
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`dependency map at ${path}: `);
  });

  it('say which unknown keys a processor has', () => {
    expect(
      mapError(() => createDependencyMap({ processors: { p: { upstream: {} } } } as never)).message,
    ).toContain('(upstream)');
    expect(
      mapError(() =>
        createDependencyMap({ processors: { p: { upstream: {}, other: 1 } } } as never),
      ).message,
    ).toMatch(/ \(upstream, other\)$/);
  });

  it("give zod's message for the first problem, and nothing after it", () => {
    const error = mapError(() =>
      createDependencyMap({
        processors: { p: { upstreams: { u: { kind: 'firm', coverage: 'x' } } } },
      } as never),
    );
    expect(error.message).toBe(
      '@pipewell/soft-deps: dependency map at processors.p.upstreams.u.kind: Invalid option: expected one of "hard"|"soft"',
    );
  });

  it('reject text that is not JSON, at the option path ""', () => {
    const error = mapError(() => parseDependencyMap('{ processors: '));
    expect(error.option).toBe('');
    expect(
      error.message.startsWith('@pipewell/soft-deps: dependency map is not valid JSON ('),
    ).toBe(true);
  });

  it('take coverage functions, which name no source', async () => {
    const map = createDependencyMap({
      processors: {
        p: {
          upstreams: {
            named: { coverage: 'rows' },
            inline: { coverage: () => ({ expected: 10, actual: 10 }) },
          },
        },
      },
    });
    expect(map.problems).toEqual([
      'p: upstream named names coverage source "rows", which is not registered',
    ]);
    expect(map.processors.get('p')?.upstreams.map((u) => [u.name, u.source])).toEqual([
      ['named', 'rows'],
      ['inline', undefined],
    ]);
    const decision = await evaluateDependencies(map, 'p', '2026-01-24');
    expect(decision.perUpstream.map((u) => u.status)).toEqual(['error', 'complete']);
  });

  it("take whenNoneExpected from JSON, 'block' when left out", async () => {
    const map = parseDependencyMap(
      JSON.stringify({
        processors: {
          p: {
            upstreams: {
              opening: { coverage: 'none', whenNoneExpected: 'proceed' },
              schedule: { coverage: 'none' },
            },
          },
        },
      }),
      { sources: { none: () => ({ expected: 0, actual: 0 }) } },
    );
    const decision = await evaluateDependencies(map, 'p', '2026-10-21');
    expect(decision.perUpstream.map((u) => [u.name, u.status])).toEqual([
      ['opening', 'complete'],
      ['schedule', 'error'],
    ]);
  });

  it('take a default degradation budget in [0, 1] for processors without their own', () => {
    const map = createDependencyMap({
      degradationBudget: 0.05,
      processors: { own: { degradationBudget: 0.2 }, inherits: {} },
    });
    expect(map.processors.get('own')?.degradationBudget).toBe(0.2);
    expect(map.processors.get('inherits')?.degradationBudget).toBe(0.05);
    for (const edge of [0, 1]) {
      expect(
        createDependencyMap({ degradationBudget: edge, processors: { p: {} } }).processors.get('p')
          ?.degradationBudget,
      ).toBe(edge);
    }
    for (const bad of [-0.1, 1.5]) {
      const error = mapError(() => createDependencyMap({ degradationBudget: bad, processors: {} }));
      expect(error.option).toBe('degradationBudget');
    }
  });

  it('make errors that recognise a DependencyMapError from another copy of the package', () => {
    // Another installed copy has its own class, but the same marker.
    const foreign = (name: string) =>
      Object.assign(new Error('from another copy'), {
        [Symbol.for(`@pipewell/soft-deps.${name}`)]: true,
      });
    expect(DependencyMapError.isInstance(foreign('DependencyMapError'))).toBe(true);
    expect(DependencyMapError.isInstance(foreign('DependencyGuardOptionsError'))).toBe(false);
  });
});
