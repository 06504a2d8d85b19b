import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecisions, type Decision, evaluateDependencies } from './evaluate.js';
import { type Coverage, createDependencyMap, type DependencyMapConfig } from './map.js';

const counts = (expected: number, actual: number) => (): Coverage => ({ expected, actual });

function mapWith(
  upstreams: NonNullable<DependencyMapConfig['processors'][string]['upstreams']>,
  extra = {},
) {
  return createDependencyMap({ processors: { player_game_summary: { upstreams, ...extra } } });
}

const evaluate = (map: ReturnType<typeof mapWith>, options = {}) =>
  evaluateDependencies(map, 'player_game_summary', '2026-01-24', options);

describe('evaluateDependencies', () => {
  it('proceeds when every upstream is complete', async () => {
    const result = await evaluate(
      mapWith({
        gamebook: { kind: 'hard', coverage: counts(10, 10) },
        props: { kind: 'soft', coverage: counts(300, 300) },
      }),
    );
    expect(result).toMatchObject({
      decision: 'proceed',
      coverage: 1,
      reasons: ['proceed: all 2 upstreams complete'],
    });
    expect(result.perUpstream.map((u) => u.status)).toEqual(['complete', 'complete']);
  });

  it('is degraded when a soft upstream is below 100% but at or above the threshold', async () => {
    const result = await evaluate(
      mapWith({
        gamebook: { kind: 'hard', coverage: counts(10, 10) },
        props: { kind: 'soft', coverage: counts(10, 9) },
      }),
    );
    expect(result.decision).toBe('degraded');
    expect(result.coverage).toBe(0.9);
    expect(result.reasons).toEqual([
      'degraded: 1 soft upstream(s) incomplete',
      'props: soft, 9 of 10 (90%), at or above its 80% threshold',
    ]);
  });

  it('blocks when a hard upstream is below 100% (one missing game is enough)', async () => {
    const result = await evaluate(
      mapWith({
        gamebook: { kind: 'hard', coverage: counts(10, 9) },
        props: { kind: 'soft', coverage: counts(10, 10) },
      }),
    );
    expect(result.decision).toBe('blocked');
    expect(result.reasons).toEqual([
      'blocked: 1 of 2 upstreams not ready',
      'gamebook: hard, 9 of 10 (90%), needs 100%',
    ]);
  });

  it('blocks when a soft upstream is below its threshold', async () => {
    const result = await evaluate(mapWith({ props: { kind: 'soft', coverage: counts(10, 7) } }));
    expect(result.decision).toBe('blocked');
    expect(result.reasons[1]).toBe('props: soft, 7 of 10 (70%), below its 80% threshold');
  });

  it('honours per-upstream, per-processor and per-call thresholds, most specific first', async () => {
    const map = createDependencyMap({
      threshold: 0.9,
      processors: {
        a: { upstreams: { x: { coverage: counts(100, 85) } } },
        b: { threshold: 0.8, upstreams: { x: { coverage: counts(100, 85) } } },
        c: { upstreams: { x: { threshold: 0.5, coverage: counts(100, 60) } } },
      },
    });
    expect((await evaluateDependencies(map, 'a', '2026-01-24')).decision).toBe('blocked');
    expect((await evaluateDependencies(map, 'b', '2026-01-24')).decision).toBe('degraded');
    expect((await evaluateDependencies(map, 'c', '2026-01-24')).decision).toBe('degraded');
    expect((await evaluateDependencies(map, 'a', '2026-01-24', { threshold: 0.8 })).decision).toBe(
      'degraded',
    );
  });

  it('strict mode is the original all-or-nothing check', async () => {
    const map = mapWith({ props: { kind: 'soft', coverage: counts(10, 9) } });
    expect((await evaluate(map, { strict: true })).decision).toBe('blocked');
  });

  it('escalates to blocked past the degradation budget', async () => {
    const map = mapWith(
      { props: { kind: 'soft', coverage: counts(100, 90) } },
      { degradationBudget: 0.05 },
    );
    const result = await evaluate(map);
    expect(result.decision).toBe('blocked');
    expect(result.reasons[0]).toBe(
      "blocked: about 10% of records would be degraded, over the run's degradation budget of 5%",
    );
    expect((await evaluate(map, { degradationBudget: 0.1 })).decision).toBe('degraded');
  });

  it('caps coverage at 100% and says when there is more than expected', async () => {
    const result = await evaluate(
      mapWith({ gamebook: { kind: 'hard', coverage: counts(10, 12) } }),
    );
    expect(result.decision).toBe('proceed');
    expect(result.perUpstream[0]).toMatchObject({
      coverage: 1,
      reason: 'gamebook: complete, 12 of 10 (100%); 2 more than expected',
    });
  });

  it('proceeds, saying so, for a processor without upstreams', async () => {
    const map = createDependencyMap({ processors: { scraper: {} } });
    expect(await evaluateDependencies(map, 'scraper', '2026-01-24')).toMatchObject({
      decision: 'proceed',
      coverage: null,
      reasons: ['proceed: no upstream dependencies'],
    });
  });

  describe('bad input gives a blocked decision with a reason, never a crash or a silent proceed', () => {
    it.each([
      [
        'a coverage function that throws',
        () => Promise.reject(new Error('BigQuery 403')),
        'props: coverage check failed: BigQuery 403',
      ],
      [
        'negative counts',
        counts(10, -1),
        'props: coverage check returned invalid counts (expected 10, actual -1)',
      ],
      [
        'NaN counts',
        counts(Number.NaN, 5),
        'props: coverage check returned invalid counts (expected NaN, actual 5)',
      ],
      [
        'no counts at all',
        () => undefined as never,
        'props: coverage check returned invalid counts (expected undefined',
      ],
      [
        'expected = 0',
        counts(0, 0),
        'props: expected 0 records for 2026-01-24: coverage cannot be measured',
      ],
    ])('%s', async (_name, coverage, reason) => {
      const result = await evaluate(mapWith({ props: { kind: 'soft', coverage } }));
      expect(result.decision).toBe('blocked');
      expect(result.perUpstream[0]?.status).toBe('error');
      expect(result.reasons[1]).toContain(reason);
    });

    it('an unknown processor', async () => {
      const result = await evaluateDependencies(mapWith({}), 'player_game_sumary', '2026-01-24');
      expect(result).toMatchObject({
        decision: 'blocked',
        reasons: [
          'blocked: unknown processor "player_game_sumary": it is not in the dependency map',
        ],
      });
    });

    it('an upstream whose coverage source is not registered', async () => {
      const map = createDependencyMap({
        processors: { p: { upstreams: { gamebook: { kind: 'hard', coverage: 'gamebook_rows' } } } },
      });
      expect(map.problems).toEqual([
        'p: upstream gamebook names coverage source "gamebook_rows", which is not registered',
      ]);
      const result = await evaluateDependencies(map, 'p', '2026-01-24');
      expect(result.decision).toBe('blocked');
      expect(result.reasons[1]).toBe(
        'gamebook: no coverage source named "gamebook_rows" is registered',
      );
    });

    it('a bad data date or threshold', async () => {
      const map = mapWith({ props: { coverage: counts(1, 1) } });
      expect(
        (await evaluateDependencies(map, 'player_game_summary', '24/01/2026')).reasons[0],
      ).toContain('must be YYYY-MM-DD');
      expect((await evaluate(map, { threshold: 1.5 })).reasons[0]).toContain(
        'the threshold must be in (0, 1]',
      );
    });
  });

  it('passes the signal to coverage functions and rejects when it aborts', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const map = mapWith({
      props: {
        coverage: (_date, { signal }) => {
          seen = signal;
          controller.abort(new Error('deadline'));
          return Promise.reject(signal?.reason);
        },
      },
    });
    await expect(evaluate(map, { signal: controller.signal })).rejects.toThrow('deadline');
    expect(seen).toBe(controller.signal);
  });
});

describe('evaluateDependencies (property)', () => {
  // Integer counts and percentages: fast-check's doubles crowd the boundaries, which hides the
  // partial-coverage cases where decisions differ.
  const upstream = fc.record({
    kind: fc.constantFrom('hard' as const, 'soft' as const),
    expected: fc.integer({ min: 1, max: 100 }),
    actual: fc.integer({ min: 0, max: 120 }),
    improvement: fc.integer({ min: 1, max: 60 }),
  });
  const percentage = (min: number, max: number) => fc.integer({ min, max }).map((n) => n / 100);

  it('is monotone in coverage: more coverage never makes the decision worse', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(upstream, { minLength: 1, maxLength: 3 }),
        fc.nat(2),
        percentage(5, 100),
        fc.option(percentage(0, 60), { nil: undefined }),
        async (upstreams, which, threshold, degradationBudget) => {
          const decide = async (improveIndex: number | undefined): Promise<Decision> => {
            const map = createDependencyMap({
              processors: {
                p: {
                  upstreams: Object.fromEntries(
                    upstreams.map((u, i) => {
                      const actual = i === improveIndex ? u.actual + u.improvement : u.actual;
                      return [`u${i}`, { kind: u.kind, coverage: counts(u.expected, actual) }];
                    }),
                  ),
                },
              },
            });
            const options =
              degradationBudget === undefined ? { threshold } : { threshold, degradationBudget };
            return (await evaluateDependencies(map, 'p', '2026-01-24', options)).decision;
          };
          const before = await decide(undefined);
          const after = await decide(which % upstreams.length);
          expect(compareDecisions(after, before)).toBeLessThanOrEqual(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
