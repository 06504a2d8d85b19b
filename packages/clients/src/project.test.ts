import { PipewellOptionsError } from '@pipewell/core';
import { isPermanentError } from '@pipewell/retry';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientConfigError, resolveProjectId } from './project.js';

describe('resolveProjectId', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads process.env when no env is passed', () => {
    vi.stubEnv('GCP_PROJECT_ID', 'from-process-env');
    expect(resolveProjectId()).toBe('from-process-env');
  });

  it('reads GCP_PROJECT_ID, then GCP_PROJECT, then GOOGLE_CLOUD_PROJECT, then the option', () => {
    expect(
      resolveProjectId({
        env: { GCP_PROJECT_ID: 'a', GCP_PROJECT: 'b', GOOGLE_CLOUD_PROJECT: 'c' },
        projectId: 'd',
      }),
    ).toBe('a');
    expect(resolveProjectId({ env: { GCP_PROJECT: 'b', GOOGLE_CLOUD_PROJECT: 'c' } })).toBe('b');
    expect(resolveProjectId({ env: { GOOGLE_CLOUD_PROJECT: 'c' } })).toBe('c');
    expect(resolveProjectId({ env: { GCP_PROJECT_ID: '  ' }, projectId: 'd' })).toBe('d');
  });

  it('has no default project: it names the variables instead', () => {
    let error: unknown;
    try {
      resolveProjectId({ env: {} });
    } catch (e) {
      error = e;
    }
    expect(ClientConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      '@pipewell/clients: no Google Cloud project: set GCP_PROJECT_ID, GCP_PROJECT, GOOGLE_CLOUD_PROJECT or pass { projectId }',
    );
  });
});

describe('ClientConfigError', () => {
  it('is permanent, so a subscriber dead-letters it instead of NACKing it forever', () => {
    const error = new ClientConfigError('message', 'message for phase-complete does not match');
    expect(isPermanentError(error)).toBe(true);
    expect(isPermanentError(new Error('wrapped', { cause: error }))).toBe(true);
  });

  it('names what is wrong in option, as every pipewell options error does', () => {
    const error = new ClientConfigError('topic', 'topic name too short');
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    expect(error.option).toBe('topic');
    expect(error.subject).toBe('topic');
  });
});
