import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, pooled } from './pool.js';

/** Run every callback already queued (promise reactions, I/O): nothing here waits on a timer. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('closeAll', () => {
  afterEach(async () => {
    await closeAll().catch(() => {});
  });

  it('closes each pooled client once, and a client asked for afterwards is a new one', async () => {
    const closed: number[] = [];
    let made = 0;
    const create = () => ({ id: ++made });
    const close = async (client: { id: number }) => {
      closed.push(client.id);
    };
    const first = pooled('test', { projectId: 'a' }, create, close);
    expect(pooled('test', { projectId: 'a' }, create, close)).toBe(first);
    const other = pooled('test', { projectId: 'b' }, create, close);
    await closeAll();
    await closeAll();
    expect([first.id, other.id]).toEqual([1, 2]);
    expect(closed).toEqual([1, 2]);
    expect(pooled('test', { projectId: 'a' }, create, close)).toEqual({ id: 3 });
  });

  it('a second call made while the first is still closing resolves only once the clients are closed', async () => {
    let finish = (): void => {};
    const slow = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let clientClosed = false;
    pooled(
      'test',
      { projectId: 'slow' },
      () => ({}),
      async () => {
        await slow;
        clientClosed = true;
      },
    );
    const first = closeAll();
    let secondResolved = false;
    const second = closeAll().then(() => {
      secondResolved = true;
    });
    await settle();
    expect(secondResolved).toBe(false);
    finish();
    await second;
    expect(clientClosed).toBe(true);
    await first;
  });

  it('closes every client even when one fails, then rejects naming how many failed', async () => {
    const closed: string[] = [];
    pooled(
      'test',
      { projectId: 'broken' },
      () => ({}),
      async () => {
        throw new Error('socket already gone');
      },
    );
    pooled(
      'test',
      { projectId: 'fine' },
      () => ({}),
      async () => {
        closed.push('fine');
      },
    );
    const error = await closeAll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).message).toBe(
      '@pipewell/clients: 1 client(s) failed to close',
    );
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'socket already gone',
    ]);
    expect(closed).toEqual(['fine']);
  });
});
