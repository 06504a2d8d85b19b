/** Runs async work one call at a time per key, in call order, within this process. */
export type Serializer = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/**
 * A {@link Serializer}: a call waits for the calls before it with the same key to settle
 * (resolved or rejected). Keys are forgotten once idle, so memory stays bounded.
 */
export function createSerializer(): Serializer {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const before = tails.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => {});
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
