import { PipewellError } from '@pipewell/core';
import { isPermanentError, isTransientError } from '@pipewell/retry';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GameKeyError, SourceParseError, UnknownTeamError } from './errors.js';
import { formatIssuePath, parseResponse } from './parse-response.js';

describe('SourceParseError', () => {
  it('names the source, the endpoint and the first issue path, and counts the rest', () => {
    const error = new SourceParseError('balldontlie', '/v1/stats', [
      { path: 'data[3].min', message: 'expected string' },
      { path: 'data[4].min', message: 'expected string' },
    ]);
    expect(error.message).toBe(
      'balldontlie /v1/stats: data[3].min: expected string (and 1 more issues)',
    );
    expect(error.name).toBe('SourceParseError');
    expect(error.issues).toHaveLength(2);
  });

  it('leaves the path out for an issue with the whole payload', () => {
    const error = new SourceParseError('espn', '/scoreboard', [{ path: '', message: 'not JSON' }]);
    expect(error.message).toBe('espn /scoreboard: not JSON');
  });

  it('is permanent, never transient, and a PipewellError', () => {
    for (const error of [
      new SourceParseError('odds-api', '/v4/events', [{ path: 'x', message: 'y' }]),
      new UnknownTeamError('XYZ', 'espn'),
      new GameKeyError('x', 'bad key'),
    ]) {
      expect(error.permanent).toBe(true);
      expect(isPermanentError(error)).toBe(true);
      expect(isTransientError(error)).toBe(false);
      expect(PipewellError.isInstance(error)).toBe(true);
    }
    expect(SourceParseError.isInstance(new UnknownTeamError('XYZ', 'espn'))).toBe(false);
  });
});

describe('parseResponse', () => {
  const schema = z.object({ data: z.array(z.object({ min: z.string() })) });

  it('returns the parsed value', () => {
    expect(parseResponse(schema, { data: [{ min: '38' }] }, 'balldontlie', '/v1/stats')).toEqual({
      data: [{ min: '38' }],
    });
  });

  it('throws a SourceParseError naming the zod issue path, with the zod error as cause', () => {
    const json = { data: [{ min: '1' }, { min: '2' }, { min: '3' }, { min: 38 }] };
    let thrown: unknown;
    try {
      parseResponse(schema, json, 'balldontlie', '/v1/stats');
    } catch (error) {
      thrown = error;
    }
    expect(SourceParseError.isInstance(thrown)).toBe(true);
    const error = thrown as SourceParseError;
    expect(error.message).toBe(
      'balldontlie /v1/stats: data[3].min: Invalid input: expected string, received number',
    );
    expect(error.source).toBe('balldontlie');
    expect(error.endpoint).toBe('/v1/stats');
    expect((error.cause as Error).name).toBe('ZodError');
  });
});

describe('formatIssuePath', () => {
  it('writes keys with dots and indexes in brackets', () => {
    expect(formatIssuePath(['data', 3, 'player', 'id'])).toBe('data[3].player.id');
    expect(formatIssuePath([0, 'x'])).toBe('[0].x');
    expect(formatIssuePath([])).toBe('');
  });
});
