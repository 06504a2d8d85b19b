import { AlertInputError } from '../alert.js';

/**
 * The assertions the contract suites make: what `expect(value)` returns in vitest (and in Jest),
 * reduced to the matchers the suites use.
 */
export interface ContractAssertion {
  /** `Object.is` equality. */
  toBe(expected: unknown): void;
  /** Deep equality. */
  toEqual(expected: unknown): void;
  /** Deep equality on the properties `expected` has. */
  toMatchObject(expected: object): void;
  /** An array or string of this length. */
  toHaveLength(length: number): void;
  /** An array holding `item`, or a string holding it as a substring. */
  toContain(item: unknown): void;
  /** The same assertions, negated. */
  readonly not: ContractAssertion;
  /** For a promise: the assertions on the error it rejects with. */
  readonly rejects: {
    /** It rejects with an error whose message holds `expected`. */
    toThrow(expected?: string | RegExp): Promise<unknown>;
  };
}

/**
 * The test functions a contract suite registers its tests with: pass vitest's (or Jest's) own,
 * `{ it, expect, beforeEach, afterEach }`, so the suite does not import a test runner itself.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * import { durableOutboxContract, outboxContract } from '@pipewell/alerts/testing';
 *
 * describe('my outbox', () => {
 *   outboxContract({ it, expect, makeOutbox: (limits) => createMyOutbox(limits) });
 *   durableOutboxContract({ it, expect, beforeEach, afterEach, openOutbox: (name, limits) => openMyOutbox(name, limits) });
 * });
 * ```
 */
export interface ContractTestFunctions {
  /** Registers a test: `it` from vitest or Jest. */
  readonly it: (name: string, test: () => Promise<void>, timeoutMs?: number) => void;
  /** Makes an assertion: `expect` from vitest or Jest. */
  readonly expect: (actual: unknown) => ContractAssertion;
}

/** @internal Check that the caller passed the test functions, naming the missing one. */
export function checkTestFunctions(
  suite: string,
  options: object | undefined,
  names: readonly string[],
): void {
  for (const name of names) {
    if (typeof (options as Record<string, unknown> | undefined)?.[name] !== 'function') {
      throw new AlertInputError(
        name,
        `${suite} needs { ${names.join(', ')} } from your test runner ("${name}" is missing): import them from 'vitest'`,
      );
    }
  }
}

/** @internal Check that the caller passed its outbox factory, naming the option. */
export function checkFactory(suite: string, options: object | undefined, name: string): void {
  if (typeof (options as Record<string, unknown> | undefined)?.[name] !== 'function') {
    throw new AlertInputError(
      name,
      `${suite} needs { ${name} }: a function that returns your outbox`,
    );
  }
}
