import { PipewellOptionsError } from '@pipewell/core';
import { describe, expect, it } from 'vitest';
import { HeartbeatOptionsError } from './errors.js';

describe('HeartbeatOptionsError', () => {
  it('recognises the error of another installed copy of the package by its marker', () => {
    // What a second copy's class looks like: another class object, the same marker string.
    class OtherCopy extends PipewellOptionsError {
      static override readonly marker = '@pipewell/heartbeat.HeartbeatOptionsError';
    }
    class Unrelated extends PipewellOptionsError {
      static override readonly marker = '@pipewell/other.OptionsError';
    }
    expect(HeartbeatOptionsError.isInstance(new OtherCopy('intervalMs', 'bad'))).toBe(true);
    expect(HeartbeatOptionsError.isInstance(new Unrelated('intervalMs', 'bad'))).toBe(false);
    expect(PipewellOptionsError.isInstance(new HeartbeatOptionsError('intervalMs', 'bad'))).toBe(
      true,
    );
  });
});
