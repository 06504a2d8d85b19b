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
    expect(result.perUpstream.map((u) => [u.status, u.reason])).toEqual([
      ['complete', 'gamebook: complete, 10 of 10 (100%)'],
      ['complete', 'props: complete, 300 of 300 (100%)'],
    ]);
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

  it('treats an upstream without a kind as soft', async () => {
    const result = await evaluate(mapWith({ props: { coverage: counts(10, 9) } }));
    expect(result.perUpstream.map((u) => [u.kind, u.status])).toEqual([['soft', 'partial']]);
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

  describe("threshold precedence is the README's: upstream's own, processor's, call's, map's", () => {
    const precedenceMap = createDependencyMap({
      threshold: 0.9,
      processors: {
        // Processor threshold 0.6; one upstream sets its own (0.5), one inherits.
        p: {
          threshold: 0.6,
          upstreams: {
            own: { threshold: 0.5, coverage: counts(100, 55) },
            strictOwn: { threshold: 0.7, coverage: counts(100, 65) },
            inherits: { coverage: counts(100, 65) },
          },
        },
        // No processor threshold: the call's, else the map's.
        q: { upstreams: { inherits: { coverage: counts(100, 70) } } },
      },
    });
    const thresholds = async (processor: string, options = {}) =>
      Object.fromEntries(
        (
          await evaluateDependencies(precedenceMap, processor, '2026-01-24', options)
        ).perUpstream.map((u) => [u.name, [u.threshold, u.status]]),
      );

    it("an upstream's own threshold wins over its processor's and the call's, stricter or looser", async () => {
      for (const options of [{}, { threshold: 0.95 }, { threshold: 0.1 }]) {
        const result = await thresholds('p', options);
        expect(result.own).toEqual([0.5, 'partial']);
        expect(result.strictOwn).toEqual([0.7, 'insufficient']);
      }
    });

    it("the processor's threshold wins over the call's, stricter or looser", async () => {
      expect((await thresholds('p', { threshold: 0.95 })).inherits).toEqual([0.6, 'partial']);
      expect((await thresholds('p', { threshold: 0.1 })).inherits).toEqual([0.6, 'partial']);
      const looserCall = createDependencyMap({
        processors: { p: { threshold: 0.8, upstreams: { u: { coverage: counts(100, 70) } } } },
      });
      const result = await evaluateDependencies(looserCall, 'p', '2026-01-24', { threshold: 0.5 });
      expect(result.decision).toBe('blocked');
      expect(result.reasons[1]).toBe('u: soft, 70 of 100 (70%), below its 80% threshold');
    });

    it("the call's threshold wins over the map's", async () => {
      expect((await thresholds('q')).inherits).toEqual([0.9, 'insufficient']);
      expect((await thresholds('q', { threshold: 0.7 })).inherits).toEqual([0.7, 'partial']);
      expect((await thresholds('q', { threshold: 0.95 })).inherits).toEqual([0.95, 'insufficient']);
    });
  });

  it('strict mode is the original all-or-nothing check: a soft upstream is required', async () => {
    const map = mapWith({ props: { kind: 'soft', coverage: counts(10, 9) } });
    const result = await evaluate(map, { strict: true });
    expect(result.decision).toBe('blocked');
    expect(result.reasons[1]).toBe('props: required, 9 of 10 (90%), needs 100%');
  });

  it('escalates to blocked past the degradation budget', async () => {
    const map = mapWith(
      { props: { kind: 'soft', coverage: counts(100, 90) } },
      { degradationBudget: 0.05 },
    );
    const result = await evaluate(map);
    expect(result.decision).toBe('blocked');
    expect(result.reasons).toEqual([
      "blocked: about 10% of records would be degraded, over the run's degradation budget of 5%",
      'props: soft, 90 of 100 (90%), at or above its 80% threshold',
    ]);
  });

  it('accepts the edges of its options: threshold 1, degradation budget 0 and 1', async () => {
    const map = mapWith({ props: { coverage: counts(10, 9) } });
    const required = await evaluate(map, { threshold: 1 });
    expect(required.reasons).toEqual([
      'blocked: 1 of 1 upstreams not ready',
      'props: required, 9 of 10 (90%), needs 100%',
    ]);
    expect((await evaluate(map, { degradationBudget: 0 })).reasons[0]).toBe(
      "blocked: about 10% of records would be degraded, over the run's degradation budget of 0%",
    );
    expect((await evaluate(map, { degradationBudget: 1 })).decision).toBe('degraded');
  });

  it('measures the degraded share by the largest shortfall among soft upstreams', async () => {
    const map = mapWith({
      props: { coverage: counts(100, 95) },
      lines: { coverage: counts(100, 85) },
    });
    const result = await evaluate(map, { degradationBudget: 0.1 });
    expect(result.decision).toBe('blocked');
    expect(result.reasons[0]).toBe(
      "blocked: about 15% of records would be degraded, over the run's degradation budget of 10%",
    );
    expect((await evaluate(map, { degradationBudget: 0.15 })).decision).toBe('degraded');
  });

  describe("the degradation budget: the call's, else the processor's, else the map's", () => {
    // 10% of the records would be degraded.
    const budgetMap = createDependencyMap({
      degradationBudget: 0.05,
      processors: {
        own: { degradationBudget: 0.2, upstreams: { u: { coverage: counts(100, 90) } } },
        inherits: { upstreams: { u: { coverage: counts(100, 90) } } },
        none: { upstreams: { u: { coverage: counts(100, 90) } } },
      },
    });
    const decide = async (processor: string, options = {}) =>
      (await evaluateDependencies(budgetMap, processor, '2026-01-24', options)).decision;

    it("the processor's budget wins over the map's, looser or stricter", async () => {
      expect(await decide('own')).toBe('degraded');
      expect(await decide('inherits')).toBe('blocked');
      const stricter = createDependencyMap({
        degradationBudget: 0.5,
        processors: {
          p: { degradationBudget: 0, upstreams: { u: { coverage: counts(100, 90) } } },
        },
      });
      expect((await evaluateDependencies(stricter, 'p', '2026-01-24')).decision).toBe('blocked');
    });

    it("the call's budget wins over the processor's and the map's, looser or stricter", async () => {
      expect(await decide('own', { degradationBudget: 0.05 })).toBe('blocked');
      expect(await decide('inherits', { degradationBudget: 0.2 })).toBe('degraded');
    });

    it('without any budget a degraded run is never blocked for its share', async () => {
      const unbudgeted = createDependencyMap({
        processors: { p: { upstreams: { u: { threshold: 0.1, coverage: counts(100, 15) } } } },
      });
      expect((await evaluateDependencies(unbudgeted, 'p', '2026-01-24')).decision).toBe('degraded');
    });
  });

  it('gives the lowest measured coverage, leaving out upstreams that could not be measured', async () => {
    const result = await evaluate(
      mapWith({
        gamebook: { kind: 'hard', coverage: counts(10, 10) },
        props: { coverage: counts(10, 9) },
        lines: { coverage: () => Promise.reject(new Error('timeout')) },
      }),
    );
    expect(result.decision).toBe('blocked');
    expect(result.coverage).toBe(0.9);
    const unmeasured = await evaluate(mapWith({ lines: { coverage: counts(0, 0) } }));
    expect(unmeasured.coverage).toBeNull();
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
        'infinite counts',
        counts(Number.POSITIVE_INFINITY, 5),
        'props: coverage check returned invalid counts (expected Infinity, actual 5)',
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
      expect(result).toEqual({
        processorName: 'player_game_sumary',
        dataDate: '2026-01-24',
        decision: 'blocked',
        coverage: null,
        perUpstream: [],
        reasons: [
          'blocked: unknown processor "player_game_sumary": it is not in the dependency map',
        ],
      });
    });

    it.each([
      ['undefined', undefined],
      ['an object without processors', {}],
    ])('a map that is %s', async (_name, map) => {
      const result = await evaluateDependencies(map as never, 'p', '2026-01-24');
      expect(result.decision).toBe('blocked');
      expect(result.reasons).toEqual([
        'blocked: unknown processor "p": it is not in the dependency map',
      ]);
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
      ).toBe('blocked: option "dataDate" must be a calendar date as YYYY-MM-DD (got "24/01/2026")');
      expect((await evaluate(map, { threshold: 1.5 })).reasons[0]).toContain(
        'the threshold must be in (0, 1]',
      );
    });

    it.each([
      [{ threshold: 0 }, 'the threshold must be in (0, 1] (got 0)'],
      [{ threshold: Number.NaN }, 'the threshold must be in (0, 1] (got NaN)'],
      [{ degradationBudget: -0.1 }, 'the degradation budget must be in [0, 1] (got -0.1)'],
      [{ degradationBudget: 1.5 }, 'the degradation budget must be in [0, 1] (got 1.5)'],
      [{ degradationBudget: Number.NaN }, 'the degradation budget must be in [0, 1] (got NaN)'],
    ])('the option %j, without measuring anything', async (options, reason) => {
      let measured = 0;
      const map = mapWith({
        props: {
          coverage: () => {
            measured++;
            return { expected: 10, actual: 9 };
          },
        },
      });
      const result = await evaluate(map, options);
      expect(result.decision).toBe('blocked');
      expect(result.reasons).toEqual([`blocked: ${reason}`]);
      expect(measured).toBe(0);
    });

    it.each([
      ['2026-02-29', '2026-02 has no day 29'],
      ['2026-02-30', '2026-02 has no day 30'],
      ['2026-04-31', '2026-04 has no day 31'],
    ])('an impossible data date, %s, without measuring anything', async (dataDate, why) => {
      let measured = 0;
      const map = mapWith({
        props: {
          coverage: () => {
            measured++;
            return { expected: 1, actual: 1 };
          },
        },
      });
      const result = await evaluateDependencies(map, 'player_game_summary', dataDate);
      expect(result).toMatchObject({ decision: 'blocked', dataDate });
      expect(result.reasons).toEqual([
        `blocked: option "dataDate" must be a calendar date as YYYY-MM-DD (got "${dataDate}": ${why})`,
      ]);
      expect(measured).toBe(0);
    });

    it('but a real leap day is measured as any other date', async () => {
      const seen: string[] = [];
      const map = mapWith({
        props: {
          coverage: (date) => {
            seen.push(date);
            return { expected: 1, actual: 1 };
          },
        },
      });
      expect((await evaluateDependencies(map, 'player_game_summary', '2024-02-29')).decision).toBe(
        'proceed',
      );
      expect(seen).toEqual(['2024-02-29']);
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

describe('evaluateDependencies: whenNoneExpected', () => {
  it("blocks on 0 expected by default and with 'block', as before", async () => {
    for (const props of [
      { coverage: counts(0, 0) },
      { coverage: counts(0, 0), whenNoneExpected: 'block' as const },
    ]) {
      const result = await evaluate(mapWith({ props }));
      expect(result.decision).toBe('blocked');
      expect(result.perUpstream[0]).toMatchObject({ status: 'error', expected: 0, actual: 0 });
    }
  });

  it("proceeds on 0 expected with 'proceed': complete, unmeasured, and the reasons say why", async () => {
    const result = await evaluate(
      mapWith({
        gamebook: { kind: 'hard', coverage: counts(0, 0), whenNoneExpected: 'proceed' },
        props: { coverage: counts(0, 2), whenNoneExpected: 'proceed' },
      }),
    );
    expect(result).toMatchObject({ decision: 'proceed', coverage: null });
    expect(result.perUpstream.map((u) => [u.status, u.expected, u.actual, u.coverage])).toEqual([
      ['complete', 0, 0, null],
      ['complete', 0, 2, null],
    ]);
    expect(result.reasons).toEqual([
      "proceed: all 2 upstreams complete, 2 of them with 0 records expected (whenNoneExpected: 'proceed')",
      "gamebook: expected 0 records for 2026-01-24, nothing missing (whenNoneExpected: 'proceed')",
      "props: expected 0 records for 2026-01-24, nothing missing (whenNoneExpected: 'proceed'); 2 present all the same",
    ]);
  });

  it('still judges the other upstreams: a partial one degrades, an insufficient one blocks', async () => {
    const none = { coverage: counts(0, 0), whenNoneExpected: 'proceed' as const };
    const degraded = await evaluate(mapWith({ none, props: { coverage: counts(10, 9) } }));
    expect(degraded.decision).toBe('degraded');
    expect(degraded.coverage).toBe(0.9);
    const blocked = await evaluate(mapWith({ none, props: { coverage: counts(10, 5) } }));
    expect(blocked.decision).toBe('blocked');
    expect(blocked.reasons[0]).toBe('blocked: 1 of 2 upstreams not ready');
  });

  it("only opts out of the 0 case: errors and short counts still block under 'proceed'", async () => {
    for (const coverage of [
      counts(10, 0),
      counts(-1, 0),
      () => Promise.reject(new Error('down')),
    ]) {
      const result = await evaluate(mapWith({ props: { coverage, whenNoneExpected: 'proceed' } }));
      expect(result.decision).toBe('blocked');
    }
  });

  it('keeps the opt-out under strict', async () => {
    const map = mapWith({ props: { coverage: counts(0, 0), whenNoneExpected: 'proceed' } });
    expect((await evaluate(map, { strict: true })).decision).toBe('proceed');
  });
});

describe('evaluateDependencies: context', () => {
  it("passes options.context to every coverage function, typed by the map's C", async () => {
    const warehouse = {
      rows: new Map([
        ['gamebook', 10],
        ['props', 9],
      ]),
    };
    const seen: Array<[string, string, unknown]> = [];
    const count =
      (table: string) =>
      (date: string, { context, upstream }: { context: typeof warehouse; upstream: string }) => {
        seen.push([date, upstream, context]);
        return { expected: 10, actual: context.rows.get(table) ?? 0 };
      };
    const map = createDependencyMap<typeof warehouse>({
      processors: {
        player_game_summary: {
          upstreams: {
            gamebook: { coverage: count('gamebook') },
            props: { coverage: count('props') },
          },
        },
      },
    });
    const result = await evaluateDependencies(map, 'player_game_summary', '2026-01-24', {
      context: warehouse,
    });
    expect(result.decision).toBe('degraded');
    expect(seen).toEqual([
      ['2026-01-24', 'gamebook', warehouse],
      ['2026-01-24', 'props', warehouse],
    ]);
  });

  it('passes context undefined when none is given', async () => {
    const seen: unknown[] = [];
    const map = mapWith({
      props: {
        coverage: (_date, context) => {
          seen.push('context' in context, context.context);
          return { expected: 1, actual: 1 };
        },
      },
    });
    await evaluate(map);
    expect(seen).toEqual([true, undefined]);
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

  // A decimal share with `digits` places, written as a user writes it in a config (0.15, 0.07).
  const decimalShare = fc
    .integer({ min: 1, max: 4 })
    .chain((digits) =>
      fc.record({
        digits: fc.constant(digits),
        units: fc.integer({ min: 1, max: 10 ** digits - 1 }),
        scale: fc.integer({ min: 1, max: 1_000 }),
      }),
    )
    .map(({ digits, units, scale }) => ({
      value: Number(`0.${String(units).padStart(digits, '0')}`),
      units,
      whole: 10 ** digits,
      scale,
    }));

  it('a shortfall exactly equal to the degradation budget is within it (coverage = 1 - budget)', async () => {
    await fc.assert(
      fc.asyncProperty(decimalShare, async ({ value: budget, units, whole, scale }) => {
        // Missing `budget` of the records exactly: scale x whole expected, scale x units missing.
        const decide = async (missing: number): Promise<Decision> => {
          const map = mapWith(
            { props: { kind: 'soft', coverage: counts(scale * whole, scale * whole - missing) } },
            { degradationBudget: budget },
          );
          return (await evaluate(map, { threshold: 1e-9 })).decision;
        };
        expect(await decide(scale * units)).toBe('degraded');
        // One record more missing is over the budget.
        expect(await decide(scale * units + 1)).toBe('blocked');
      }),
      { numRuns: 500 },
    );
  });

  it('a coverage exactly equal to the threshold passes it', async () => {
    await fc.assert(
      fc.asyncProperty(decimalShare, async ({ value: threshold, units, whole, scale }) => {
        const decide = async (actual: number): Promise<Decision> =>
          (
            await evaluate(mapWith({ props: { coverage: counts(scale * whole, actual) } }), {
              threshold,
            })
          ).decision;
        expect(await decide(scale * units)).toBe('degraded');
        expect(await decide(scale * units - 1)).toBe('blocked');
      }),
      { numRuns: 500 },
    );
  });

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
