import { describe, expect, it } from 'vitest';
import { createRecordingLogger } from './recording-logger.js';

describe('createRecordingLogger', () => {
  it('records each call as { level, msg, fields }, in order', () => {
    const logger = createRecordingLogger();
    logger.info({ rows: 3 }, 'loaded');
    logger.warn({ err: 'x' });
    logger.error({}, 'lost');
    logger.debug({ detail: true }, 'noise');
    expect(logger.entries).toEqual([
      { level: 'info', msg: 'loaded', fields: { rows: 3 } },
      { level: 'warn', msg: undefined, fields: { err: 'x' } },
      { level: 'error', msg: 'lost', fields: {} },
      { level: 'debug', msg: 'noise', fields: { detail: true } },
    ]);
    expect(logger.at('warn')).toEqual([{ level: 'warn', msg: undefined, fields: { err: 'x' } }]);
    expect(logger.messages()).toEqual(['loaded', '', 'lost', 'noise']);
  });

  it('keeps the fields as they were at the call', () => {
    const logger = createRecordingLogger();
    const fields = { attempt: 1 };
    logger.info(fields, 'try');
    fields.attempt = 2;
    expect(logger.entries[0]?.fields).toEqual({ attempt: 1 });
  });

  it('forgets everything on clear()', () => {
    const logger = createRecordingLogger();
    logger.info({}, 'one');
    logger.clear();
    expect(logger.entries).toEqual([]);
  });

  it('works with its methods detached, as packages call them', () => {
    const logger = createRecordingLogger();
    const { warn } = logger;
    warn({ a: 1 }, 'detached');
    expect(logger.messages()).toEqual(['detached']);
  });
});
