const pools = new Map<string, Map<string, { client: unknown; close: () => Promise<void> }>>();

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/** Plain data by value (keys sorted); anything else (an auth client, a function) by identity. */
function stableKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (
      typeof v === 'function' ||
      (v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        Object.getPrototypeOf(v) !== Object.prototype)
    ) {
      let id = identities.get(v as object);
      if (id === undefined) {
        id = nextIdentity++;
        identities.set(v as object, id);
      }
      return `[instance ${id}]`;
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
      );
    }
    return v;
  });
}

/**
 * One client per (service, project, options) per process, created on first use. Plain option
 * values are compared by value; objects such as an auth client by identity.
 */
export function pooled<T>(
  service: string,
  options: object,
  create: () => T,
  close: (client: T) => Promise<void>,
): T {
  let pool = pools.get(service);
  if (pool === undefined) {
    pool = new Map();
    pools.set(service, pool);
  }
  const key = stableKey(options);
  const existing = pool.get(key);
  if (existing !== undefined) return existing.client as T;
  const client = create();
  pool.set(key, { client, close: () => close(client) });
  return client;
}

/** Closings started by earlier `closeAll` calls and not yet settled. */
const underway = new Set<Promise<unknown>>();

/**
 * Close every pooled client (BigQuery, Pub/Sub, Firestore) and forget them: for shutdown and
 * between tests. Idempotent, and safe to call concurrently: each call resolves once every client
 * pooled before it is closed, including those an earlier call is still closing, so a second
 * shutdown hook never returns while connections are still open. Errors from the clients this
 * call closed are collected and rethrown together. A client asked for afterwards is a new one.
 *
 * @example
 * ```ts
 * process.on('SIGTERM', async () => {
 *   await subscriber.close();
 *   await closeAll();
 * });
 * ```
 */
export async function closeAll(): Promise<void> {
  const closing = [...pools.values()].flatMap((pool) =>
    [...pool.values()].map((entry) => entry.close()),
  );
  pools.clear();
  const earlier = [...underway];
  const settled = Promise.allSettled(closing);
  underway.add(settled);
  // Each caller sees the failures of its own clients; an earlier caller reports its own.
  const results = await settled.finally(() => underway.delete(settled));
  await Promise.allSettled(earlier);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((f) => f.reason),
      `@pipewell/clients: ${failures.length} client(s) failed to close`,
    );
  }
}
