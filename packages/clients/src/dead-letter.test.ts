import { describe, expect, it } from 'vitest';
import { deadLetterAttributes, describeIssues } from './dead-letter.js';
import { loadAlone } from './test-support/load-alone.js';

describe('@pipewell/clients/dead-letter', () => {
  it('loads without any Google Cloud SDK', async () => {
    expect(await loadAlone('dead-letter.ts')).toEqual(['deadLetterAttributes', 'describeIssues']);
  }, 60_000);
});

describe('deadLetterAttributes', () => {
  it('names a validation problem and nothing else', () => {
    expect(deadLetterAttributes('validation', 'points: Expected number')).toEqual({
      pipewell_error: 'validation',
      pipewell_reason: 'points: Expected number',
    });
  });

  it("names a handler's error: message, name, class and the first code along `cause`", () => {
    class QuotaError extends Error {
      override name = 'QuotaExceeded';
    }
    const error = new QuotaError('over quota', {
      cause: { response: { status: 429 } },
    });
    expect(deadLetterAttributes('permanent', error)).toEqual({
      pipewell_error: 'permanent',
      pipewell_reason: 'over quota',
      pipewell_error_name: 'QuotaExceeded',
      pipewell_error_class: 'QuotaError',
      pipewell_error_code: '429',
    });
    expect(deadLetterAttributes('attempts', new TypeError('boom'))).toEqual({
      pipewell_error: 'attempts',
      pipewell_reason: 'boom',
      pipewell_error_name: 'TypeError',
      pipewell_error_class: 'TypeError',
    });
  });

  it('gives the issues of a zod-shaped error as the reason', () => {
    const error = Object.assign(new Error('invalid'), {
      issues: [
        { path: ['player', 'points'], message: 'Expected number' },
        { path: [], message: 'Unrecognized key' },
      ],
    });
    expect(deadLetterAttributes('permanent', error).pipewell_reason).toBe(
      'player.points: Expected number; (root): Unrecognized key',
    );
  });

  it("cuts the reason to Pub/Sub's 1024 bytes, never inside a character", () => {
    const long = `${'a'.repeat(1023)}é and more`;
    expect(deadLetterAttributes('validation', long).pipewell_reason).toBe('a'.repeat(1023));
    const error = new Error('€'.repeat(400)); // 3 bytes each: 341 fit
    expect(deadLetterAttributes('permanent', error).pipewell_reason).toBe('€'.repeat(341));
  });
});

describe('describeIssues', () => {
  it('joins the first five issues as `path: message`', () => {
    const issues = Array.from({ length: 7 }, (_, i) => ({
      path: ['rows', i],
      message: `bad ${i}`,
    }));
    expect(describeIssues({ issues })).toBe(
      'rows.0: bad 0; rows.1: bad 1; rows.2: bad 2; rows.3: bad 3; rows.4: bad 4',
    );
  });
});
