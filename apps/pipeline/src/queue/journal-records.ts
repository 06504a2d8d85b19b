import type { SubscriptionSettings } from './settings.js';
import type { StoredMessage } from './subscription-state.js';

// The local queue's journal, `queue.jsonl`: JSON lines, appended, replayed in order on open.
//
//   {"journal":"pipewell-queue","format":1,"next":502}        header: the format, the next id
//   {"t":"topic","name":"scraped"}                            a topic
//   {"t":"sub","name":"raw","topic":"scraped",...settings}    a subscription (again when changed)
//   {"t":"pub","id":"17","topic":"scraped","to":["raw"],"at":1769277600000,
//    "a":{"source":"nba"},"k":"BOS","d":{...}}                 a message, for the subscriptions in "to"
//   {"t":"dlv","s":"raw","id":"17","n":1}                      delivery number n started
//   {"t":"nack","s":"raw","id":"17","n":1,"due":1769277610000} delivery n failed; next at "due"
//   {"t":"ack","s":"raw","id":"17"}                            acked: gone from "raw"
//   {"t":"dead","s":"raw","id":"17","why":"permanent"}         dead-lettered or dropped: gone
//
// "a" (attributes), "k" (ordering key) and "d" (data) are left out when absent; "d" comes last.
// A pub line is flushed to disk before publish() resolves; the others go out with the next write.

/** A topic's line. */
export function topicRecord(name: string): string {
  return JSON.stringify({ t: 'topic', name });
}

/** A subscription's line, with every setting. */
export function subscriptionRecord(settings: SubscriptionSettings): string {
  return JSON.stringify({ t: 'sub', ...settings });
}

/** A message's line, for the subscriptions `to`. */
export function publishRecord(
  message: Omit<StoredMessage, 'bytes' | 'holders'>,
  to: readonly string[],
): string {
  let line = `{"t":"pub","id":"${message.id}","topic":${JSON.stringify(message.topic)},"to":${JSON.stringify(to)},"at":${message.publishTime}`;
  if (Object.keys(message.attributes).length > 0)
    line += `,"a":${JSON.stringify(message.attributes)}`;
  if (message.orderingKey !== undefined) line += `,"k":${JSON.stringify(message.orderingKey)}`;
  if (message.json !== undefined) line += `,"d":${message.json}`;
  return `${line}}`;
}

/** Delivery number `attempt` of message `id` started (`sub`: the subscription name, as JSON). */
export function deliveryRecord(sub: string, id: string, attempt: number): string {
  return `{"t":"dlv","s":${sub},"id":"${id}","n":${attempt}}`;
}

/** Delivery number `attempt` failed; the next is due at `due` (epoch ms). */
export function nackRecord(sub: string, id: string, attempt: number, due: number): string {
  return `{"t":"nack","s":${sub},"id":"${id}","n":${attempt},"due":${due}}`;
}

/** Acked. */
export function ackRecord(sub: string, id: string): string {
  return `{"t":"ack","s":${sub},"id":"${id}"}`;
}

/** Taken off the subscription for good: dead-lettered, or dropped without a dead-letter topic. */
export function deadRecord(sub: string, id: string, why: string): string {
  return `{"t":"dead","s":${sub},"id":"${id}","why":"${why}"}`;
}
