import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { createLane } from './lane.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('createLane', () => {
  it('runs tasks one at a time in call order, past a failure', async () => {
    const lane = createLane();
    const log: string[] = [];
    const first = deferred();
    const a = lane.run(async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
      throw new Error('a failed');
    });
    const b = lane.run(async () => {
      log.push('b');
      return 'b done';
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['a start']);
    first.resolve();
    expect((await catchError(a)) as Error).toHaveProperty('message', 'a failed');
    expect(await b).toBe('b done');
    expect(log).toEqual(['a start', 'a end', 'b']);
  });

  it('rejects at once when the signal aborts while the task waits, and never runs it', async () => {
    const lane = createLane();
    const blocker = deferred();
    const blocking = lane.run(() => blocker.promise);
    const controller = new AbortController();
    let ran = false;
    const waiting = lane.run(async () => {
      ran = true;
    }, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await catchError(waiting)).toBe(reason);
    blocker.resolve();
    await blocking;
    await lane.idle();
    expect(ran).toBe(false);
  });

  it('rejects without running when the signal has already aborted', async () => {
    const lane = createLane();
    let ran = false;
    const reason = new Error('too late');
    const result = lane.run(async () => {
      ran = true;
    }, AbortSignal.abort(reason));
    expect(await catchError(result)).toBe(reason);
    await lane.idle();
    expect(ran).toBe(false);
  });

  it('leaves a started task to settle on its own when the signal aborts', async () => {
    const lane = createLane();
    const controller = new AbortController();
    const gate = deferred();
    const started = deferred();
    const running = lane.run(async () => {
      started.resolve();
      await gate.promise;
      return 'finished';
    }, controller.signal);
    await started.promise;
    controller.abort(new Error('late'));
    gate.resolve();
    expect(await running).toBe('finished');
  });

  it('resolves idle only once every task given so far has settled', async () => {
    const lane = createLane();
    const gate = deferred();
    let settled = false;
    lane
      .run(() => gate.promise)
      .then(() => {
        settled = true;
      });
    const idle = lane.idle();
    gate.resolve();
    await idle;
    expect(settled).toBe(true);
  });
});
