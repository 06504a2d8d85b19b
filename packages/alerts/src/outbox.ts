import { type Alert, AlertInputError, severities } from './alert.js';

/** An alert a sink could not deliver, kept for a later attempt. */
export interface OutboxEntry {
  /** `${alert.id}:${sink}`: one entry per alert and sink. */
  readonly id: string;
  /** The name of the sink that still owes this delivery. */
  readonly sink: string;
  /** The alert as raised (sinks get it unredacted; it holds no sink credential). */
  readonly alert: Alert;
  /** Delivery rounds so far, each with the sink's own retries; the first is the one `alert()` made. */
  readonly attempts: number;
  /** Epoch ms of the first failed round; `maxAgeMs` counts from here. */
  readonly firstFailedAt: number;
  /** Epoch ms before which the entry is not claimed (backoff between rounds). */
  readonly nextAttemptAt: number;
  /** The last error, redacted. */
  readonly lastError: string;
}

/** An entry leased by {@link AlertOutbox.claim}: settle it with `remove` or `release`. */
export interface OutboxClaim {
  /** The entry as it was when claimed. */
  readonly entry: OutboxEntry;
  /** Identifies this lease; `remove` and `release` do nothing once another claimer holds the entry. */
  readonly token: string;
  /** Epoch ms the lease ends; after it another claimer may take the entry. */
  readonly leaseExpiresAt: number;
}

/** What {@link AlertOutbox.claim} takes. */
export interface ClaimRequest {
  /** The claimer's time, epoch ms: entries due at or before it can be claimed. */
  readonly now: number;
  /** How long the claim holds the entries against other claimers. */
  readonly leaseMs: number;
  /** The most entries to claim at once. */
  readonly limit: number;
}

/** What {@link AlertOutbox.release} writes back for a later round. */
export interface OutboxRetry {
  readonly attempts: number;
  /** Redacted. */
  readonly lastError: string;
  readonly nextAttemptAt: number;
}

/** When the alerter gives up on an entry and marks it dead. */
export interface OutboxLimits {
  /** Delivery rounds (the first included) after which an entry is dead. */
  readonly maxAttempts: number;
  /** Age, from its first failure, after which an entry is dead. */
  readonly maxAgeMs: number;
}

/** Options every outbox factory takes. */
export interface OutboxLimitsOptions {
  /**
   * Delivery rounds (the one `alert()` made included) after which an alert is marked dead.
   * @default 100
   */
  readonly maxAttempts?: number;
  /**
   * Age, from the first failure, after which an alert is marked dead instead of retried.
   * @default 86400000 (24 hours)
   */
  readonly maxAgeMs?: number;
}

/**
 * Where undelivered alerts wait until they are delivered, fail for good, or die of age or
 * attempts. Claims lease entries, so several alerters (instances) can flush one outbox at once
 * and each entry goes to one of them: an entry is invisible to other claimers until its lease
 * ends or it is settled.
 *
 * Implementations: {@link createMemoryOutbox}, {@link createFileOutbox},
 * `createFirestoreOutbox` from `@pipewell/alerts/firestore`. A third-party outbox should pass
 * `outboxContract` and `durableOutboxContract` from `@pipewell/alerts/testing`.
 *
 * @example
 * ```ts
 * const outbox: AlertOutbox = createFileOutbox({ path: '/var/lib/pipeline/alert-outbox.json' });
 * const alerter = createAlerter({ sinks, outbox });
 * ```
 */
export interface AlertOutbox {
  /** When the alerter gives up on an entry. */
  readonly limits: OutboxLimits;
  /** Store an entry, due at its `nextAttemptAt`; an entry with the same id is replaced. */
  add(entry: OutboxEntry): Promise<void>;
  /**
   * Lease up to `limit` entries that are due (`nextAttemptAt <= now`) and not leased by anyone
   * else (or whose lease has ended), earliest due first.
   */
  claim(request: ClaimRequest): Promise<OutboxClaim[]>;
  /** Delete a claimed entry (delivered, failed for good, or dead). False when the lease was lost. */
  remove(claim: OutboxClaim): Promise<boolean>;
  /** Put a claimed entry back for a later round and end the lease. False when the lease was lost. */
  release(claim: OutboxClaim, retry: OutboxRetry): Promise<boolean>;
  /** Every entry, earliest due first: for dashboards and tests. */
  list(): Promise<OutboxEntry[]>;
}

/** @internal Validate the limits options, naming the bad one. */
export function resolveLimits(options: OutboxLimitsOptions | undefined): OutboxLimits {
  const maxAttempts = options?.maxAttempts ?? 100;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new AlertInputError(
      'maxAttempts',
      `option "maxAttempts" must be an integer >= 1 (got ${maxAttempts})`,
    );
  }
  const maxAgeMs = options?.maxAgeMs ?? 24 * 60 * 60_000;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) {
    throw new AlertInputError(
      'maxAgeMs',
      `option "maxAgeMs" must be a number > 0 (got ${maxAgeMs})`,
    );
  }
  return Object.freeze({ maxAttempts, maxAgeMs });
}

/** @internal Validate a claim request, naming the bad field. */
export function checkClaimRequest(request: ClaimRequest): void {
  if (!Number.isFinite(request?.now))
    throw new AlertInputError('now', `claim "now" must be a finite number (got ${request?.now})`);
  if (!Number.isFinite(request.leaseMs) || request.leaseMs <= 0) {
    throw new AlertInputError('leaseMs', `claim "leaseMs" must be > 0 (got ${request.leaseMs})`);
  }
  if (!Number.isInteger(request.limit) || request.limit < 1) {
    throw new AlertInputError(
      'limit',
      `claim "limit" must be an integer >= 1 (got ${request.limit})`,
    );
  }
}

/** @internal An entry with its lease, as the memory and file outboxes keep it. */
export interface StoredEntry {
  readonly entry: OutboxEntry;
  readonly lease: { readonly token: string; readonly expiresAt: number } | null;
}

/** @internal When a stored entry can next be claimed: due, and not under a live lease. */
export function availableAt(stored: StoredEntry): number {
  return Math.max(stored.entry.nextAttemptAt, stored.lease?.expiresAt ?? Number.NEGATIVE_INFINITY);
}

function byDue(a: StoredEntry, b: StoredEntry): number {
  return (
    a.entry.nextAttemptAt - b.entry.nextAttemptAt ||
    a.entry.firstFailedAt - b.entry.firstFailedAt ||
    (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0)
  );
}

/** @internal The stored entries earliest due first. */
export function sortedEntries(entries: ReadonlyMap<string, StoredEntry>): OutboxEntry[] {
  return [...entries.values()].sort(byDue).map((stored) => structuredClone(stored.entry));
}

/** @internal Claim from a map of stored entries (the memory and file outboxes share this). */
export function claimEntries(
  entries: Map<string, StoredEntry>,
  request: ClaimRequest,
): OutboxClaim[] {
  checkClaimRequest(request);
  const due = [...entries.values()]
    .filter((stored) => availableAt(stored) <= request.now)
    .sort(byDue)
    .slice(0, request.limit);
  const token = globalThis.crypto.randomUUID();
  const leaseExpiresAt = request.now + request.leaseMs;
  return due.map((stored) => {
    entries.set(stored.entry.id, {
      entry: stored.entry,
      lease: { token, expiresAt: leaseExpiresAt },
    });
    return { entry: structuredClone(stored.entry), token, leaseExpiresAt };
  });
}

/** @internal True when `claim` still holds its entry in `entries`. */
export function holds(entries: ReadonlyMap<string, StoredEntry>, claim: OutboxClaim): boolean {
  return entries.get(claim?.entry?.id)?.lease?.token === claim.token;
}

/** @internal Apply a release to a map of stored entries; false when the lease was lost. */
export function releaseEntry(
  entries: Map<string, StoredEntry>,
  claim: OutboxClaim,
  retry: OutboxRetry,
): boolean {
  checkRetry(retry);
  const stored = entries.get(claim.entry.id);
  if (stored === undefined || !holds(entries, claim)) return false;
  entries.set(claim.entry.id, {
    entry: {
      ...stored.entry,
      attempts: retry.attempts,
      lastError: retry.lastError,
      nextAttemptAt: retry.nextAttemptAt,
    },
    lease: null,
  });
  return true;
}

/** @internal Validate a release, naming the bad field. */
export function checkRetry(retry: OutboxRetry): void {
  if (!Number.isInteger(retry?.attempts) || retry.attempts < 0)
    throw new AlertInputError('attempts', 'release "attempts" must be an integer >= 0');
  if (typeof retry.lastError !== 'string')
    throw new AlertInputError('lastError', 'release "lastError" must be a string');
  if (!Number.isFinite(retry.nextAttemptAt))
    throw new AlertInputError('nextAttemptAt', 'release "nextAttemptAt" must be a finite number');
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * @internal Read an outbox entry from stored data (a file, a document), or say what is wrong
 * with it. Never trusts the shape: the data may have been edited or torn.
 */
export function parseEntry(data: unknown): OutboxEntry | string {
  if (!isRecord(data)) return 'not an object';
  for (const field of ['id', 'sink', 'lastError'] as const)
    if (typeof data[field] !== 'string') return `bad ${field}`;
  for (const field of ['attempts', 'firstFailedAt', 'nextAttemptAt'] as const)
    if (typeof data[field] !== 'number' || !Number.isFinite(data[field])) return `bad ${field}`;
  const alert = data.alert;
  if (!isRecord(alert)) return 'bad alert';
  if (typeof alert.id !== 'string' || typeof alert.title !== 'string') return 'bad alert';
  if (!severities.includes(alert.severity as never)) return 'bad alert.severity';
  if (typeof alert.at !== 'number') return 'bad alert.at';
  const fields = alert.fields ?? {};
  if (!isRecord(fields) || Object.values(fields).some((v) => typeof v !== 'string'))
    return 'bad alert.fields';
  const links = alert.links ?? [];
  if (
    !Array.isArray(links) ||
    links.some(
      (link) => !isRecord(link) || typeof link.text !== 'string' || typeof link.url !== 'string',
    )
  )
    return 'bad alert.links';
  const suppressed = alert.suppressed ?? {};
  if (
    !isRecord(suppressed) ||
    typeof (suppressed.repeats ?? 0) !== 'number' ||
    typeof (suppressed.rateLimited ?? 0) !== 'number'
  )
    return 'bad alert.suppressed';
  for (const field of ['body', 'key'] as const)
    if (alert[field] != null && typeof alert[field] !== 'string') return `bad alert.${field}`;
  return {
    id: data.id as string,
    sink: data.sink as string,
    attempts: data.attempts as number,
    firstFailedAt: data.firstFailedAt as number,
    nextAttemptAt: data.nextAttemptAt as number,
    lastError: data.lastError as string,
    alert: {
      id: alert.id,
      severity: alert.severity as Alert['severity'],
      title: alert.title,
      body: (alert.body as string | null | undefined) ?? undefined,
      fields: fields as Record<string, string>,
      key: (alert.key as string | null | undefined) ?? undefined,
      links: (links as Array<{ text: string; url: string }>).map(({ text, url }) => ({
        text,
        url,
      })),
      at: alert.at,
      suppressed: {
        repeats: (suppressed.repeats as number | undefined) ?? 0,
        rateLimited: (suppressed.rateLimited as number | undefined) ?? 0,
      },
    },
  };
}

/** @internal Validate an entry given to `add`, naming the bad field. */
export function checkEntry(entry: OutboxEntry): OutboxEntry {
  const parsed = parseEntry(entry);
  if (typeof parsed === 'string')
    throw new AlertInputError('entry', `outbox entry rejected: ${parsed}`);
  return parsed;
}

/** The in-memory outbox: {@link AlertOutbox} plus `size`, for tests and single short-lived processes. */
export interface MemoryOutbox extends AlertOutbox {
  /** How many entries are waiting. */
  readonly size: number;
}

/**
 * An in-memory {@link AlertOutbox}: the default. It dies with the process, so give a durable
 * one ({@link createFileOutbox}, or `createFirestoreOutbox` on Cloud Run and Cloud Functions)
 * wherever an alert must survive a restart.
 *
 * @example
 * ```ts
 * const outbox = createMemoryOutbox({ maxAttempts: 10 });
 * const alerter = createAlerter({ sinks, outbox });
 * ```
 */
export function createMemoryOutbox(options: OutboxLimitsOptions = {}): MemoryOutbox {
  const limits = resolveLimits(options);
  const entries = new Map<string, StoredEntry>();
  return {
    limits,
    async add(entry) {
      const checked = checkEntry(entry);
      entries.set(checked.id, { entry: structuredClone(checked), lease: null });
    },
    async claim(request) {
      return claimEntries(entries, request);
    },
    async remove(claim) {
      if (!holds(entries, claim)) return false;
      entries.delete(claim.entry.id);
      return true;
    },
    async release(claim, retry) {
      return releaseEntry(entries, claim, retry);
    },
    async list() {
      return sortedEntries(entries);
    },
    get size() {
      return entries.size;
    },
  };
}
