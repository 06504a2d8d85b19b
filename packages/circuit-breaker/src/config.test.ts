import { readFileSync } from 'node:fs';
import { PipewellOptionsError } from '@pipewell/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { breakerConfigFromEnv, breakerEnvVariables } from './config.js';
import { BreakerConfigError } from './errors.js';

function configError(make: () => unknown): BreakerConfigError {
  try {
    make();
  } catch (error) {
    if (BreakerConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a BreakerConfigError');
}

describe('breakerConfigFromEnv', () => {
  it('uses the original defaults: 5 failures, 5 minutes open, one trial call', () => {
    const { config, sources } = breakerConfigFromEnv({ name: 'bigquery', env: {} });
    expect(config).toEqual({
      policy: 'consecutive',
      failureThreshold: 5,
      windowSize: 10,
      windowMs: 60_000,
      failureRateThreshold: 0.5,
      minimumCalls: 10,
      slowCallMs: undefined,
      openTimeoutMs: 300_000,
      halfOpenMaxCalls: 1,
      successThreshold: 1,
      failureScope: 'instance',
      minInstances: 1,
      syncIntervalMs: 10_000,
      probeLeaseMs: 60_000,
    });
    expect(sources.failureThreshold).toEqual({ from: 'built-in' });
  });

  it('reads the original variable names, per breaker first, and says where each value came from', () => {
    const { config, sources } = breakerConfigFromEnv({
      name: 'bigquery-loads',
      halfOpenMaxCalls: 3,
      failureThreshold: 8,
      env: {
        CIRCUIT_BREAKER_THRESHOLD: '4',
        CIRCUIT_BREAKER_TIMEOUT_MINUTES: '10',
        CIRCUIT_BREAKER_BIGQUERY_LOADS_TIMEOUT_MINUTES: '2.5',
        CIRCUIT_BREAKER_OTHER_THRESHOLD: '99',
      },
    });
    expect(config.failureThreshold).toBe(4);
    expect(config.openTimeoutMs).toBe(150_000);
    expect(config.halfOpenMaxCalls).toBe(3);
    expect(config.successThreshold).toBe(3);
    expect(sources.failureThreshold).toEqual({
      from: 'env',
      variable: 'CIRCUIT_BREAKER_THRESHOLD',
    });
    expect(sources.openTimeoutMs).toEqual({
      from: 'env',
      variable: 'CIRCUIT_BREAKER_BIGQUERY_LOADS_TIMEOUT_MINUTES',
    });
    expect(sources.halfOpenMaxCalls).toEqual({ from: 'defaults' });
    expect(sources.successThreshold).toEqual({ from: 'defaults' });
  });

  it('lists every variable a breaker reads', () => {
    const variables = breakerEnvVariables('featureStore');
    expect(variables.failureThreshold).toEqual([
      'CIRCUIT_BREAKER_FEATURE_STORE_THRESHOLD',
      'CIRCUIT_BREAKER_THRESHOLD',
    ]);
    expect(variables.openTimeoutMs).toEqual([
      'CIRCUIT_BREAKER_FEATURE_STORE_TIMEOUT_MINUTES',
      'CIRCUIT_BREAKER_TIMEOUT_MINUTES',
    ]);
    expect(variables.failureScope).toEqual([
      'CIRCUIT_BREAKER_FEATURE_STORE_FAILURE_SCOPE',
      'CIRCUIT_BREAKER_FAILURE_SCOPE',
    ]);
    expect(Object.keys(variables)).toHaveLength(14);
  });

  it.each([
    [
      { CIRCUIT_BREAKER_THRESHOLD: 'five' },
      'CIRCUIT_BREAKER_THRESHOLD',
      'must be a whole number (got "five")',
    ],
    [
      { CIRCUIT_BREAKER_X_THRESHOLD: '2.5' },
      'CIRCUIT_BREAKER_X_THRESHOLD',
      'must be a whole number (got "2.5")',
    ],
    [
      { CIRCUIT_BREAKER_THRESHOLD: '0' },
      'CIRCUIT_BREAKER_THRESHOLD',
      'environment variable CIRCUIT_BREAKER_THRESHOLD is invalid',
    ],
    [
      { CIRCUIT_BREAKER_TIMEOUT_MINUTES: '' },
      'CIRCUIT_BREAKER_TIMEOUT_MINUTES',
      'must be a number (got "")',
    ],
    [
      { CIRCUIT_BREAKER_X_TIMEOUT_MINUTES: '-1' },
      'CIRCUIT_BREAKER_X_TIMEOUT_MINUTES',
      'is invalid',
    ],
    [{ CIRCUIT_BREAKER_POLICY: 'random' }, 'CIRCUIT_BREAKER_POLICY', '(got "random")'],
    [{ CIRCUIT_BREAKER_FAILURE_RATE: '1.5' }, 'CIRCUIT_BREAKER_FAILURE_RATE', 'is invalid'],
    [
      { CIRCUIT_BREAKER_SUCCESS_THRESHOLD: '2' },
      'CIRCUIT_BREAKER_SUCCESS_THRESHOLD',
      'cannot exceed halfOpenMaxCalls (1)',
    ],
    [{ CIRCUIT_BREAKER_FAILURE_SCOPE: 'global' }, 'CIRCUIT_BREAKER_FAILURE_SCOPE', '"global"'],
    [
      { CIRCUIT_BREAKER_X_FAILURE_SCOPE: 'fleet', CIRCUIT_BREAKER_POLICY: 'timeWindow' },
      'CIRCUIT_BREAKER_X_FAILURE_SCOPE',
      'needs the consecutive policy (policy is "timeWindow")',
    ],
  ])('fails loudly on %j naming the variable', (env, variable, message) => {
    const error = configError(() => breakerConfigFromEnv({ name: 'x', env }));
    expect(error.option).toBe(variable);
    expect(error.message).toContain(message);
    expect(error.message).toContain(variable);
  });

  it('names options from code too', () => {
    expect(
      configError(() => breakerConfigFromEnv({ name: 'x', openTimeoutMs: 0, env: {} })).option,
    ).toBe('openTimeoutMs');
    const window = configError(() =>
      breakerConfigFromEnv({
        name: 'x',
        policy: 'countWindow',
        failureThreshold: 20,
        windowSize: 10,
        env: {},
      }),
    );
    expect(window.message).toContain('failureThreshold (20) cannot exceed windowSize (10)');
    expect(configError(() => breakerConfigFromEnv({ name: '--', env: {} })).option).toBe('name');
    const quorum = configError(() =>
      breakerConfigFromEnv({ name: 'x', failureScope: 'fleet', minInstances: 2, env: {} }),
    );
    expect(quorum.option).toBe('failureScope');
    expect(quorum.message).toContain('minInstances must be 1 (got 2)');
    expect(
      breakerConfigFromEnv({ name: 'x', failureScope: 'fleet', env: {} }).config.failureScope,
    ).toBe('fleet');
  });

  it('is a PipewellOptionsError, and still answers to the deprecated source', () => {
    const error = configError(() =>
      breakerConfigFromEnv({ name: 'x', env: { CIRCUIT_BREAKER_THRESHOLD: 'lots' } }),
    );
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(error.option).toBe('CIRCUIT_BREAKER_THRESHOLD');
    expect(error.source).toBe('CIRCUIT_BREAKER_THRESHOLD');
  });
});

describe('breakerConfigFromEnv: one options object', () => {
  it('takes settings as createCircuitBreaker does, and refuses an unknown one by name', () => {
    const { config, sources } = breakerConfigFromEnv({
      name: 'bigquery',
      failureThreshold: 2,
      env: { CIRCUIT_BREAKER_BIGQUERY_PROBE_LEASE_MS: '5000' },
    });
    expect(config).toMatchObject({ failureThreshold: 2, probeLeaseMs: 5_000 });
    expect(sources.failureThreshold).toEqual({ from: 'defaults' });
    expect(sources.probeLeaseMs).toEqual({
      from: 'env',
      variable: 'CIRCUIT_BREAKER_BIGQUERY_PROBE_LEASE_MS',
    });
    const unknown = configError(() =>
      breakerConfigFromEnv({ name: 'x', failureTreshold: 2, env: {} } as never),
    );
    expect(unknown.option).toBe('failureTreshold');
    expect(configError(() => breakerConfigFromEnv(null as never)).option).toBe('options');
    expect(configError(() => breakerConfigFromEnv({ name: 'x', env: 'no' } as never)).option).toBe(
      'env',
    );
  });

  it('still accepts the deprecated positional form, with the same result', () => {
    const env = { CIRCUIT_BREAKER_THRESHOLD: '3' };
    expect(breakerConfigFromEnv('bigquery', { halfOpenMaxCalls: 2 }, env)).toEqual(
      breakerConfigFromEnv({ name: 'bigquery', halfOpenMaxCalls: 2, env }),
    );
    expect(configError(() => breakerConfigFromEnv('x', 5 as never, {})).option).toBe('defaults');
  });
});

describe('settings from one source', () => {
  it('reads every setting from a variable whose suffix the README lists', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = new Map(
      [...readme.matchAll(/^\| `([A-Z_]+)` \| `(\w+)` \|/gm)].map(([, suffix, setting]) => [
        setting,
        suffix,
      ]),
    );
    const variables = breakerEnvVariables('x');
    expect(Object.keys(variables).sort()).toEqual([...documented.keys()].sort());
    for (const [setting, suffix] of documented) {
      expect(variables[setting as keyof typeof variables]).toEqual([
        `CIRCUIT_BREAKER_X_${suffix}`,
        `CIRCUIT_BREAKER_${suffix}`,
      ]);
    }
  });

  it('parses each variable by the type the schema gives its setting', () => {
    const { config } = breakerConfigFromEnv({
      name: 'x',
      env: {
        CIRCUIT_BREAKER_POLICY: ' timeWindow ',
        CIRCUIT_BREAKER_FAILURE_RATE: '0.25',
        CIRCUIT_BREAKER_WINDOW_MS: '1500.5',
        CIRCUIT_BREAKER_MIN_INSTANCES: '2',
        CIRCUIT_BREAKER_TIMEOUT_MINUTES: '0.5',
      },
    });
    expect(config).toMatchObject({
      policy: 'timeWindow',
      failureRateThreshold: 0.25,
      windowMs: 1500.5,
      minInstances: 2,
      openTimeoutMs: 30_000,
    });
    expect(
      configError(() =>
        breakerConfigFromEnv({ name: 'x', env: { CIRCUIT_BREAKER_MIN_INSTANCES: '1.5' } }),
      ).message,
    ).toContain('must be a whole number (got "1.5")');
  });
});

describe('the default environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is process.env when no env is passed, for breakerConfigFromEnv and createCircuitBreaker', async () => {
    vi.stubEnv('CIRCUIT_BREAKER_DEFAULTENV_THRESHOLD', '7');
    expect(breakerConfigFromEnv({ name: 'defaultenv' }).config.failureThreshold).toBe(7);
    const { createCircuitBreaker } = await import('./breaker.js');
    const breaker = createCircuitBreaker({ name: 'defaultenv' });
    expect(breaker.config.failureThreshold).toBe(7);
    await breaker.close();
  });
});

describe('breakerConfigFromEnv: what each refusal says', () => {
  it("quotes the schema's own complaint and the value it got", () => {
    expect(
      configError(() => breakerConfigFromEnv({ name: 'x', openTimeoutMs: -1, env: {} })).message,
    ).toBe(
      '@pipewell/circuit-breaker: option "openTimeoutMs" is invalid: Too small: expected number to be >0 (got -1)',
    );
    expect(
      configError(() => breakerConfigFromEnv({ name: 'x', policy: 'random' as never, env: {} }))
        .message,
    ).toBe(
      '@pipewell/circuit-breaker: option "policy" is invalid: Invalid option: expected one of "consecutive"|"countWindow"|"timeWindow" (got "random")',
    );
  });

  it('refuses a value it cannot print as JSON (a bigint) with a BreakerConfigError too', () => {
    const error = configError(() =>
      breakerConfigFromEnv({ name: 'x', openTimeoutMs: 5n as never, env: {} }),
    );
    expect(error.option).toBe('openTimeoutMs');
    expect(error.message).toContain('expected number, received bigint (got 5)');
  });

  it('reads a blank variable as no number, not as 0', () => {
    const error = configError(() =>
      breakerConfigFromEnv({ name: 'x', env: { CIRCUIT_BREAKER_TIMEOUT_MINUTES: '   ' } }),
    );
    expect(error.option).toBe('CIRCUIT_BREAKER_TIMEOUT_MINUTES');
    expect(error.message).toBe(
      '@pipewell/circuit-breaker: environment variable CIRCUIT_BREAKER_TIMEOUT_MINUTES must be a number (got "   ")',
    );
  });

  it('refuses a name that is not a string, naming "name"', () => {
    const error = configError(() => breakerConfigFromEnv({ name: 5 as never, env: {} }));
    expect(error.option).toBe('name');
    expect(error.message).toBe(
      '@pipewell/circuit-breaker: a breaker needs a name with letters or digits (got 5)',
    );
  });

  it('says what a missing options object, bad env or bad positional settings should be', () => {
    expect(configError(() => breakerConfigFromEnv(null as never)).message).toBe(
      '@pipewell/circuit-breaker: breakerConfigFromEnv needs an options object with a name',
    );
    expect(configError(() => breakerConfigFromEnv({ name: 'x', env: 'no' } as never)).message).toBe(
      '@pipewell/circuit-breaker: option "env" must be an object of variables',
    );
    expect(configError(() => breakerConfigFromEnv('x', 5 as never, {})).message).toBe(
      '@pipewell/circuit-breaker: breaker settings must be an object',
    );
  });

  it('takes the positional form with a name alone', () => {
    expect(breakerConfigFromEnv('x', undefined, {}).config.failureThreshold).toBe(5);
  });

  it('accepts every value of each choice setting, the defaults included', () => {
    for (const policy of ['consecutive', 'countWindow', 'timeWindow'] as const) {
      expect(breakerConfigFromEnv({ name: 'x', policy, env: {} }).config.policy).toBe(policy);
    }
    for (const failureScope of ['instance', 'fleet'] as const) {
      expect(breakerConfigFromEnv({ name: 'x', failureScope, env: {} }).config.failureScope).toBe(
        failureScope,
      );
    }
  });
});

describe('breakerConfigFromEnv: the countWindow bound', () => {
  it('lets failureThreshold equal windowSize, and ignores windowSize for other policies', () => {
    expect(
      breakerConfigFromEnv({
        name: 'x',
        policy: 'countWindow',
        failureThreshold: 10,
        windowSize: 10,
        env: {},
      }).config.failureThreshold,
    ).toBe(10);
    expect(
      breakerConfigFromEnv({ name: 'x', failureThreshold: 20, windowSize: 10, env: {} }).config
        .failureThreshold,
    ).toBe(20);
  });

  it('names the option, or the variable, that set failureThreshold too high', () => {
    const fromCode = configError(() =>
      breakerConfigFromEnv({
        name: 'x',
        policy: 'countWindow',
        failureThreshold: 11,
        windowSize: 10,
        env: {},
      }),
    );
    expect(fromCode.option).toBe('failureThreshold');
    expect(fromCode.message).toBe(
      '@pipewell/circuit-breaker: failureThreshold: failureThreshold (11) cannot exceed windowSize (10) with the countWindow policy: the breaker could never open',
    );
    const fromEnv = configError(() =>
      breakerConfigFromEnv({
        name: 'x',
        policy: 'countWindow',
        windowSize: 10,
        env: { CIRCUIT_BREAKER_X_THRESHOLD: '11' },
      }),
    );
    expect(fromEnv.option).toBe('CIRCUIT_BREAKER_X_THRESHOLD');
  });
});

describe('breakerConfigFromEnv: where successThreshold came from', () => {
  it('is its own source when set, else the source of halfOpenMaxCalls it defaults to', () => {
    const set = breakerConfigFromEnv({
      name: 'x',
      successThreshold: 1,
      env: { CIRCUIT_BREAKER_HALF_OPEN_MAX_CALLS: '2' },
    });
    expect(set.config).toMatchObject({ halfOpenMaxCalls: 2, successThreshold: 1 });
    expect(set.sources.successThreshold).toEqual({ from: 'defaults' });

    const defaulted = breakerConfigFromEnv({
      name: 'x',
      env: { CIRCUIT_BREAKER_X_HALF_OPEN_MAX_CALLS: '3' },
    });
    expect(defaulted.config.successThreshold).toBe(3);
    expect(defaulted.sources.successThreshold).toEqual({
      from: 'env',
      variable: 'CIRCUIT_BREAKER_X_HALF_OPEN_MAX_CALLS',
    });
    expect(breakerConfigFromEnv({ name: 'x', env: {} }).sources.successThreshold).toEqual({
      from: 'built-in',
    });
  });
});

describe('breakerConfigFromEnv: settings that contradict each other, set in code', () => {
  it('names the option in code: successThreshold above halfOpenMaxCalls, fleet counting without consecutive', () => {
    const success = configError(() =>
      breakerConfigFromEnv({ name: 'x', halfOpenMaxCalls: 2, successThreshold: 3, env: {} }),
    );
    expect(success.option).toBe('successThreshold');
    expect(success.message).toBe(
      '@pipewell/circuit-breaker: successThreshold: successThreshold (3) cannot exceed halfOpenMaxCalls (2): the breaker could never close',
    );
    const scope = configError(() =>
      breakerConfigFromEnv({ name: 'x', failureScope: 'fleet', policy: 'countWindow', env: {} }),
    );
    expect(scope.option).toBe('failureScope');
  });
});

describe('breakerEnvVariables: the name part', () => {
  it('turns every run of separators into one underscore', () => {
    expect(breakerEnvVariables('bigquery--loads').failureThreshold[0]).toBe(
      'CIRCUIT_BREAKER_BIGQUERY_LOADS_THRESHOLD',
    );
    expect(breakerEnvVariables('-_big query_-').failureThreshold[0]).toBe(
      'CIRCUIT_BREAKER_BIG_QUERY_THRESHOLD',
    );
  });
});
