import type { Logger } from '@pipewell/core';
import { catchError, createRecordingLogger, createVirtualClock } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import type { Alert } from './alert.js';
import { AlertInputError } from './alert.js';
import { createAlerter } from './alerter.js';
import { createMemoryOutbox } from './outbox.js';
import { type AlertSink, createLoggerSink, createMemorySink, type SinkContext } from './sinks.js';

const alert = (title: string): Alert => ({
  id: title,
  severity: 'warning',
  title,
  body: undefined,
  fields: {},
  key: undefined,
  links: [],
  at: 0,
  suppressed: { repeats: 0, rateLimited: 0 },
});
const context = (): SinkContext => ({ signal: new AbortController().signal });

describe('createMemorySink({ name, limit })', () => {
  it('keeps the last `limit` alerts under its name', async () => {
    const sink = createMemorySink({ name: 'recent', limit: 2 });
    for (const title of ['a', 'b', 'c']) await sink.send(alert(title), context());
    expect(sink.name).toBe('recent');
    expect(sink.alerts.map((a) => a.title)).toEqual(['b', 'c']);
  });

  it('defaults to the name memory and 1000 alerts', async () => {
    const sink = createMemorySink();
    for (let i = 0; i < 1_001; i++) await sink.send(alert(`t${i}`), context());
    expect(sink.name).toBe('memory');
    expect(sink.alerts).toHaveLength(1_000);
    expect(sink.alerts[0]?.title).toBe('t1');
  });

  it('rejects a bad limit or name, naming the option', async () => {
    for (const limit of [0, 1.5, Number.NaN]) {
      const error = await catchError(() => createMemorySink({ limit }), AlertInputError);
      expect(error.option).toBe('limit');
    }
    expect((await catchError(() => createMemorySink({ name: ' ' }), AlertInputError)).option).toBe(
      'name',
    );
  });

  it('still takes the deprecated positional (name, limit)', async () => {
    const sink = createMemorySink('positional', 1);
    for (const title of ['a', 'b']) await sink.send(alert(title), context());
    expect(sink.name).toBe('positional');
    expect(sink.alerts.map((a) => a.title)).toEqual(['b']);
  });
});

describe('createLoggerSink({ logger, name })', () => {
  it('writes warn, or error for error and critical, under its name', async () => {
    const logger = createRecordingLogger();
    const sink = createLoggerSink({ logger, name: 'ops-log' });
    await sink.send(alert('late'), context());
    await sink.send({ ...alert('down'), severity: 'critical' }, context());
    expect(sink.name).toBe('ops-log');
    expect(logger.entries.map((entry) => [entry.level, entry.msg])).toEqual([
      ['warn', '[warning] late'],
      ['error', '[critical] down'],
    ]);
    expect(createLoggerSink({ logger }).name).toBe('logger');
  });

  it('rejects a missing logger or bad name, naming the option', async () => {
    const missing = await catchError(() => createLoggerSink({} as never), AlertInputError);
    expect(missing.option).toBe('logger');
    expect(missing.message).toContain('createLoggerSink needs { logger }');
    const notALogger = { logger: { info: () => {} } as unknown as Logger };
    expect((await catchError(() => createLoggerSink(notALogger), AlertInputError)).option).toBe(
      'logger',
    );
    const logger = createRecordingLogger();
    expect(
      (await catchError(() => createLoggerSink({ logger, name: '' }), AlertInputError)).option,
    ).toBe('name');
  });

  it('still takes the deprecated positional (logger, name)', async () => {
    const logger = createRecordingLogger();
    const sink = createLoggerSink(logger, 'old-style');
    await sink.send(alert('x'), context());
    expect(sink.name).toBe('old-style');
    expect(logger.messages()).toEqual(['[warning] x']);
  });
});

describe('SinkContext', () => {
  it('always carries an AbortSignal, from alert() and from an outbox flush', async () => {
    const clock = createVirtualClock({ now: 0 });
    const signals: Array<{ path: string; signal: unknown }> = [];
    let fail = true;
    const sink: AlertSink = {
      name: 'custom',
      async send(_alert, { signal }) {
        signals.push({ path: fail ? 'alert' : 'flush', signal });
        if (fail) throw new Error('down');
      },
    };
    const outbox = createMemoryOutbox();
    const alerter = createAlerter({ sinks: [sink], outbox, clock });
    expect((await alerter.alert({ severity: 'error', title: 'x' })).status).toBe('queued');
    fail = false;
    expect((await alerter.flushOutbox()).delivered).toBe(1);
    expect(signals.map((s) => [s.path, s.signal instanceof AbortSignal])).toEqual([
      ['alert', true],
      ['flush', true],
    ]);
    await alerter.close();
  });
});
