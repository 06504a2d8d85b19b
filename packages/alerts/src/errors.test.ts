import { PipewellError, PipewellOptionsError } from '@pipewell/core';
import { catchError } from '@pipewell/core/testing';
import { isPermanentError } from '@pipewell/retry';
import { describe, expect, it } from 'vitest';
import { AlertInputError } from './alert.js';
import { createAlerter } from './alerter.js';
import { AlertOutboxError } from './outbox-error.js';
import { createMemorySink, WebhookError } from './sinks.js';

describe('alerts errors', () => {
  it('AlertInputError names the bad input in option, and still answers to the deprecated field', async () => {
    const alerter = createAlerter({ sinks: [createMemorySink()] });
    const error = await catchError(
      alerter.alert({ severity: 'info', title: ' ' }),
      AlertInputError,
    );
    expect(error.option).toBe('title');
    expect(error.field).toBe('title');
    expect(PipewellOptionsError.isInstance(error)).toBe(true);
    await alerter.close();
  });

  it('WebhookError is a PipewellError that keeps its status, so a 410 is permanent', () => {
    const error = new WebhookError('slack', 410, new Headers(), 'channel_is_archived');
    expect(error).toBeInstanceOf(PipewellError);
    expect(PipewellError.isInstance(error)).toBe(true);
    expect(WebhookError.isInstance(error)).toBe(true);
    expect(error.name).toBe('WebhookError');
    expect(error.message).toBe('slack answered 410: channel_is_archived');
    expect(isPermanentError(error)).toBe(true);
  });

  it('AlertOutboxError is a PipewellError with its cause', () => {
    const cause = new Error('EACCES');
    const error = new AlertOutboxError('cannot take the lock', { cause });
    expect(PipewellError.isInstance(error)).toBe(true);
    expect(AlertOutboxError.isInstance(error)).toBe(true);
    expect(WebhookError.isInstance(error)).toBe(false);
    expect(error.cause).toBe(cause);
  });
});
