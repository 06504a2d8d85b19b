import { describe, expectTypeOf, it } from 'vitest';
import {
  type CoverageContext,
  createDependencyGuard,
  createDependencyMap,
  type DependencyGuard,
  type DependencyMap,
  evaluateDependencies,
  type GuardedRun,
  type WhenNoneExpected,
} from './index.js';

interface Warehouse {
  count(table: string, date: string): Promise<number>;
}

const warehouse: Warehouse = { count: async () => 1 };
const run = { processorName: 'p', dataDate: '2026-01-24' };

const typedMap = createDependencyMap<Warehouse>({
  processors: {
    p: {
      upstreams: {
        u: {
          coverage: async (date, { context }) => {
            expectTypeOf(context).toEqualTypeOf<Warehouse>();
            return { expected: 10, actual: await context.count('u', date) };
          },
          whenNoneExpected: 'proceed',
        },
      },
    },
  },
});

describe('the typed context', () => {
  it('reaches coverage functions typed, and types the map and its guard', () => {
    expectTypeOf(typedMap).toEqualTypeOf<DependencyMap<Warehouse>>();
    expectTypeOf(createDependencyGuard({ map: typedMap })).toEqualTypeOf<
      DependencyGuard<Warehouse>
    >();
  });

  it('infers the context from an annotated coverage function', () => {
    const inferred = createDependencyMap({
      processors: {
        p: {
          upstreams: {
            u: {
              coverage: (_date: string, { context }: CoverageContext<Warehouse>) => {
                void context;
                return { expected: 1, actual: 1 };
              },
            },
          },
        },
      },
    });
    expectTypeOf(inferred).toEqualTypeOf<DependencyMap<Warehouse>>();
  });

  it("requires every run of a map that needs a context to pass one, of the map's type", async () => {
    const guard = createDependencyGuard({ map: typedMap });
    await guard.run({ ...run, context: warehouse }, () => 1);
    await guard.check({ ...run, context: warehouse });
    // @ts-expect-error the map needs a context
    await guard.run(run, () => 1);
    // @ts-expect-error the map needs a context
    await guard.check(run);
    // @ts-expect-error the context is a Warehouse
    await guard.run({ ...run, context: { count: 1 } }, () => 1);
    await evaluateDependencies(typedMap, 'p', '2026-01-24', { context: warehouse });
    // @ts-expect-error the map needs a context
    await evaluateDependencies(typedMap, 'p', '2026-01-24');
    // @ts-expect-error the map needs a context
    await evaluateDependencies(typedMap, 'p', '2026-01-24', { strict: true });
  });

  it('stays as before for maps without one: context is undefined and optional', async () => {
    const map = createDependencyMap({
      processors: {
        p: {
          upstreams: {
            u: {
              coverage: (_date, context) => {
                expectTypeOf(context.context).toEqualTypeOf<undefined>();
                return { expected: 1, actual: 1 };
              },
            },
          },
        },
      },
    });
    expectTypeOf(map).toEqualTypeOf<DependencyMap>();
    const guard = createDependencyGuard({ map });
    expectTypeOf(guard).toEqualTypeOf<DependencyGuard>();
    expectTypeOf<GuardedRun>().toEqualTypeOf<GuardedRun<undefined>>();
    await guard.run(run, () => 1);
    await evaluateDependencies(map, 'p', '2026-01-24');
    // @ts-expect-error this map takes no context
    await guard.run({ ...run, context: warehouse }, () => 1);
    // @ts-expect-error a guard for a map that needs a Warehouse cannot take this map
    const _wrong: DependencyGuard<Warehouse> = createDependencyGuard({ map });
  });

  it('lets an optional context stay optional', async () => {
    const map = createDependencyMap<Warehouse | undefined>({
      processors: { p: { upstreams: { u: { coverage: () => ({ expected: 1, actual: 1 }) } } } },
    });
    const guard = createDependencyGuard({ map });
    await guard.run(run, () => 1);
    await guard.run({ ...run, context: warehouse }, () => 1);
  });

  it("types whenNoneExpected as 'proceed' | 'block'", () => {
    expectTypeOf<WhenNoneExpected>().toEqualTypeOf<'proceed' | 'block'>();
    createDependencyMap({
      processors: {
        // @ts-expect-error 'skip' is not a whenNoneExpected
        p: { upstreams: { u: { coverage: 'x', whenNoneExpected: 'skip' } } },
      },
    });
  });
});
