import { describe, expectTypeOf, it } from 'vitest';
import {
  createDependencyMap,
  type DependencyDecision,
  type GuardContext,
  type GuardOutcome,
  type SoftDependencyProcessor,
  withSoftDependencies,
} from './index.js';

const map = createDependencyMap({
  processors: { p: { upstreams: { u: { coverage: () => ({ expected: 1, actual: 1 }) } } } },
});

interface Warehouse {
  count(table: string): Promise<number>;
}

class BaseProcessor {
  constructor(
    protected readonly warehouse: Warehouse,
    readonly table: string,
  ) {}
  rows(): Promise<number> {
    return this.warehouse.count(this.table);
  }
}

abstract class AbstractProcessor {
  constructor(readonly name: string) {}
  abstract process(dataDate: string, options: { degraded: boolean }): Promise<number>;
}

describe('withSoftDependencies types', () => {
  it("keeps the base's constructor parameters", () => {
    const Mixed = withSoftDependencies(BaseProcessor, { map, processorName: 'p' });
    expectTypeOf(Mixed).constructorParameters.toEqualTypeOf<[Warehouse, string]>();
    const warehouse: Warehouse = { count: async () => 1 };
    new Mixed(warehouse, 'nba_raw.gamebook');
    // @ts-expect-error the table is missing
    new Mixed(warehouse);
    // @ts-expect-error the arguments are the base's, in its order
    new Mixed('nba_raw.gamebook', warehouse);
  });

  it("keeps the base's members, protected ones included, and types the added methods", () => {
    class Summary extends withSoftDependencies(BaseProcessor, { map, processorName: 'p' }) {
      run(dataDate: string): Promise<GuardOutcome<number>> {
        return this.runWithDependencies(dataDate, async ({ degraded, decision, signal }) => {
          expectTypeOf(decision).toEqualTypeOf<DependencyDecision>();
          expectTypeOf(signal).toEqualTypeOf<AbortSignal | undefined>();
          return degraded ? 0 : this.warehouse.count(this.table);
        });
      }
    }
    const summary = new Summary({ count: async () => 1 }, 't');
    expectTypeOf(summary).toExtend<BaseProcessor>();
    expectTypeOf(summary).toExtend<SoftDependencyProcessor>();
    expectTypeOf(summary.rows()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(summary.run('2026-01-24')).toEqualTypeOf<Promise<GuardOutcome<number>>>();
    expectTypeOf(summary.checkDependencies('2026-01-24')).toEqualTypeOf<
      Promise<DependencyDecision>
    >();
    expectTypeOf(
      summary.runWithDependencies('2026-01-24', (context: GuardContext) => context.degraded, {
        runId: 'run-1',
        signal: AbortSignal.timeout(1000),
      }),
    ).toEqualTypeOf<Promise<GuardOutcome<boolean>>>();
    // @ts-expect-error warehouse is protected, as in the base
    summary.warehouse;
    // @ts-expect-error runId is not a checkDependencies option
    summary.checkDependencies('2026-01-24', { runId: 'run-1' });
  });

  it('supports an abstract base: the result stays abstract until a subclass implements it', () => {
    const Mixed = withSoftDependencies(AbstractProcessor, { map, processorName: 'p' });
    // @ts-expect-error cannot create an instance of an abstract class
    new Mixed('p');
    class Done extends Mixed {
      process(dataDate: string, { degraded }: { degraded: boolean }): Promise<number> {
        return Promise.resolve(degraded ? dataDate.length : 0);
      }
    }
    expectTypeOf(Done).constructorParameters.toEqualTypeOf<[string]>();
    expectTypeOf(new Done('p').process).toEqualTypeOf<
      (dataDate: string, options: { degraded: boolean }) => Promise<number>
    >();
    expectTypeOf(new Done('p').checkDependencies).toEqualTypeOf<
      SoftDependencyProcessor['checkDependencies']
    >();
    // @ts-expect-error process is abstract and not implemented
    class NotDone extends Mixed {}
    void NotDone;
  });

  it('types the options: processorName is required, the guard options are checked', () => {
    // @ts-expect-error processorName is missing
    withSoftDependencies(BaseProcessor, { map });
    // @ts-expect-error a threshold is a number
    withSoftDependencies(BaseProcessor, { map, processorName: 'p', threshold: '0.8' });
    // @ts-expect-error the base must be a class
    withSoftDependencies({}, { map, processorName: 'p' });
  });
});
