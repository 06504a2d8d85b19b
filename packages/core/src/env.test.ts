import { afterEach, describe, expect, it, vi } from 'vitest';
import { processEnv, readEnv } from './env.js';

describe('readEnv', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('returns the env it is given, untouched', () => {
    const env = { PIPEWELL_X: '1' };
    expect(readEnv(env)).toBe(env);
  });

  it('defaults to the live process.env', () => {
    expect(readEnv()).toBe(process.env);
    expect(processEnv()).toBe(process.env);
  });

  it('is an empty record where there is no process', () => {
    vi.stubGlobal('process', undefined);
    expect(processEnv()).toBeUndefined();
    expect(readEnv()).toEqual({});
  });
});
