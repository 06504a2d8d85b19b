import type { ClockTimer } from '@pipewell/core';
import type { MessageHandler, MessageSchema } from './port.js';
import type { SubscriptionSettings } from './settings.js';

// What the local queue holds in memory: each message once, and per subscription where each of
// its messages stands (one discriminated state per entry), its ready queue and ordering keys.

/** A message, held once for every subscription that has not acked it yet. */
export interface StoredMessage {
  readonly id: string;
  readonly topic: string;
  /** The data as JSON; undefined for a message without data. */
  readonly json: string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey: string | undefined;
  readonly publishTime: number;
  /** Its journal line's length, for the compaction threshold. */
  readonly bytes: number;
  /** Subscriptions that still hold it. */
  holders: number;
}

/** One handler call on one message: its lease, its abort signal. */
export interface Delivery {
  readonly entry: Entry;
  readonly subscriber: SubscriberState;
  readonly controller: AbortController;
  readonly lease: ClockTimer;
  /** False once acked, failed, expired or abandoned: what the handler returns later is ignored. */
  current: boolean;
}

/** Where one message stands on one subscription. */
export type EntryState =
  /** Published, not yet durable: not delivered yet. */
  | { readonly kind: 'unconfirmed' }
  /** Behind an earlier message with its ordering key. */
  | { readonly kind: 'blocked' }
  | { readonly kind: 'ready' }
  /** Waiting for a redelivery's backoff. */
  | { readonly kind: 'delayed'; readonly timer: ClockTimer }
  | { readonly kind: 'in-flight'; readonly delivery: Delivery };

/** One message on one subscription. */
export interface Entry {
  readonly message: StoredMessage;
  state: EntryState;
  /** Deliveries started. */
  attempts: number;
  /** Epoch ms before which it is not delivered again (0: at once). */
  due: number;
  /** Replay only: delivered and neither acked nor failed when the process stopped. */
  interrupted: boolean;
}

/** A subscriber: its handler and the deliveries it is running. */
export interface SubscriberState {
  readonly handler: MessageHandler<unknown>;
  readonly schema: MessageSchema<unknown> | undefined;
  readonly concurrency: number;
  readonly inFlight: Set<Delivery>;
  /** Called when `inFlight` empties, while a close waits for it. */
  onDrained: (() => void) | undefined;
}

/** A subscription: its settings, its entries, who consumes it, and its figures. */
export interface SubscriptionState {
  settings: SubscriptionSettings;
  readonly quoted: string;
  readonly entries: Map<string, Entry>;
  /** Ready entries, oldest first, from `readyHead` on. */
  ready: Entry[];
  readyHead: number;
  /** Ordering key -> its entries in publish order; the first is the one that may be delivered. */
  readonly keys: Map<string, Entry[]>;
  readonly subscribers: SubscriberState[];
  nextSubscriber: number;
  /** Handler calls not yet returned, including those whose lease was lost. */
  running: number;
  readonly counts: Record<EntryState['kind'], number>;
  readonly totals: { delivered: number; acked: number; nacked: number; deadLettered: number };
  dispatching: boolean;
}

/** A subscription with nothing in it yet. */
export function createSubscriptionState(settings: SubscriptionSettings): SubscriptionState {
  return {
    settings,
    quoted: JSON.stringify(settings.name),
    entries: new Map(),
    ready: [],
    readyHead: 0,
    keys: new Map(),
    subscribers: [],
    nextSubscriber: 0,
    running: 0,
    counts: { unconfirmed: 0, blocked: 0, ready: 0, delayed: 0, 'in-flight': 0 },
    totals: { delivered: 0, acked: 0, nacked: 0, deadLettered: 0 },
    dispatching: false,
  };
}

/** Move `entry` to `state`, keeping the subscription's counts. */
export function setState(sub: SubscriptionState, entry: Entry, state: EntryState): void {
  sub.counts[entry.state.kind]--;
  sub.counts[state.kind]++;
  entry.state = state;
}

/** Add a new entry (not yet durable) for `message`, behind the others of its ordering key. */
export function addEntry(
  sub: SubscriptionState,
  message: StoredMessage,
  key: string | undefined,
): Entry {
  const entry: Entry = {
    message,
    state: { kind: 'unconfirmed' },
    attempts: 0,
    due: 0,
    interrupted: false,
  };
  sub.counts.unconfirmed++;
  sub.entries.set(message.id, entry);
  if (key !== undefined) joinKey(sub, key, entry);
  return entry;
}

/** Put `entry` last in the queue of its ordering key. */
export function joinKey(sub: SubscriptionState, key: string, entry: Entry): void {
  const queue = sub.keys.get(key);
  if (queue === undefined) sub.keys.set(key, [entry]);
  else queue.push(entry);
}

/** Take `entry` out of its ordering key's queue; returns the entry now first, if any. */
export function leaveKey(sub: SubscriptionState, key: string, entry: Entry): Entry | undefined {
  const queue = sub.keys.get(key);
  if (queue === undefined) return undefined;
  const at = queue.indexOf(entry);
  if (at !== -1) queue.splice(at, 1);
  const next = queue[0];
  if (next === undefined) sub.keys.delete(key);
  return next;
}

/** The oldest ready entry, taken off the ready queue. */
export function takeReady(sub: SubscriptionState): Entry | undefined {
  if (sub.readyHead >= sub.ready.length) return undefined;
  const entry = sub.ready[sub.readyHead] as Entry;
  sub.readyHead++;
  // Drop the consumed front now and then, so the array does not grow for ever.
  if (sub.readyHead > 1_024 && sub.readyHead * 2 > sub.ready.length) {
    sub.ready = sub.ready.slice(sub.readyHead);
    sub.readyHead = 0;
  }
  return entry;
}
