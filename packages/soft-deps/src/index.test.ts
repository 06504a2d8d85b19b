import { describe, expect, it } from 'vitest';
import * as softDeps from './index.js';

describe('the @pipewell/soft-deps entry point', () => {
  it('exports the guard, its class-based mixin, the map and the sink', () => {
    expect(Object.keys(softDeps).sort()).toEqual([
      'DependencyGuardOptionsError',
      'DependencyMapError',
      'compareDecisions',
      'createDependencyGuard',
      'createDependencyMap',
      'createMemoryDecisionSink',
      'evaluateDependencies',
      'parseDependencyMap',
      'withSoftDependencies',
    ]);
  });
});
