import { describe, expectTypeOf, it } from 'vitest';
import type * as SoftDeps from './index.js';

describe('the types @pipewell/soft-deps exports', () => {
  it('names what a user writes: coverage functions, configs, sinks, outcomes', () => {
    expectTypeOf<SoftDeps.CoverageFunction>().returns.toEqualTypeOf<
      SoftDeps.Coverage | Promise<SoftDeps.Coverage>
    >();
    expectTypeOf<SoftDeps.DecisionSink['record']>()
      .parameter(0)
      .toEqualTypeOf<SoftDeps.DecisionRecord>();
    expectTypeOf<SoftDeps.SoftDependenciesOptions>().toExtend<SoftDeps.DependencyGuardOptions>();
  });

  it("no longer exports the map's resolved internals", () => {
    // @ts-expect-error how a map stores a processor is internal
    type _Processor = SoftDeps.ResolvedProcessor;
    // @ts-expect-error how a map stores an upstream is internal
    type _Upstream = SoftDeps.ResolvedUpstream;
  });
});
