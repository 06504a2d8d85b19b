import type { Alert } from './alert.js';

/** An alert a sink could not deliver, kept for a later attempt. */
export interface OutboxEntry {
  /** `${alert.id}:${sink}`. */
  readonly id: string;
  readonly sink: string;
  readonly alert: Alert;
  /** Delivery rounds so far (each with the sink's own retries). */
  readonly attempts: number;
  readonly firstFailedAt: number;
  /** The last error, redacted. */
  readonly lastError: string;
}

/**
 * Where undelivered alerts wait. The default keeps them in memory; give a durable one (a table,
 * Firestore) so an outage of the alert channel survives a restart.
 */
export interface AlertOutbox {
  /** Add or replace the entry with this id. */
  put(entry: OutboxEntry): Promise<void>;
  /** Every entry, oldest first. */
  list(): Promise<OutboxEntry[]>;
  /** Drop the entry with this id (delivered); no error if it is gone. */
  remove(id: string): Promise<void>;
}

/** An in-memory {@link AlertOutbox}. */
export function createMemoryOutbox(): AlertOutbox & { readonly size: number } {
  const entries = new Map<string, OutboxEntry>();
  return {
    async put(entry) {
      entries.set(entry.id, structuredClone(entry));
    },
    async list() {
      return [...entries.values()].map((entry) => structuredClone(entry));
    },
    async remove(id) {
      entries.delete(id);
    },
    get size() {
      return entries.size;
    },
  };
}
