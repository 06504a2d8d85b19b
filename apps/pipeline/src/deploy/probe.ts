import type { Clock, ClockTimer } from '@pipewell/core';
import { silentLogger } from '@pipewell/core';
import { createPipelineDefinition } from '../app/definition.js';
import { createPipelineEngine } from '../orchestration/index.js';
import type { Queue, QueueSubscriber, SubscriptionOptions } from '../queue/index.js';
import {
  createStateBreakerStore,
  createStateHeartbeatStore,
  type StateStore,
} from '../state/index.js';
import { DeployError } from './errors.js';

/** A port whose every use throws: the probes must not touch it. */
function inert<T>(what: string): T {
  return new Proxy(
    {},
    {
      get(_target, property) {
        // Not a thenable, not iterable: only real method calls are refused.
        if (typeof property === 'symbol' || property === 'then') return undefined;
        return () => {
          throw new DeployError(`deploy plan probe: ${what}.${property} was called`);
        };
      },
    },
  ) as T;
}

const idleTimer: ClockTimer = {
  clear() {},
  unref() {
    return idleTimer;
  },
};

/** A clock whose timers never fire: the engine's sweep loop stays asleep during the probe. */
const stillClock: Clock = {
  now: () => 0,
  sleep: () => new Promise<void>(() => {}),
  setTimeout: () => idleTimer,
};

/** The engine settings that shape its subscriptions (those of `PipelineEngineDeps`). */
export interface EngineSubscriptionSettings {
  /** @default the engine's default */
  readonly minBackoffMs?: number;
  /** @default the engine's default */
  readonly maxDeliveryAttempts?: number;
  /** @default the engine's default */
  readonly ackDeadlineMs?: number;
}

/**
 * The subscriptions the pipeline engine's `start()` ensures, exactly as it asks the queue for
 * them (name, topic, dead-letter topic, ack deadline, backoff, max deliveries): the engine is
 * started on a queue that only records, so the plan follows `engine.ts` with no copied values.
 */
export async function probeEngineSubscriptions(
  settings: EngineSubscriptionSettings = {},
): Promise<SubscriptionOptions[]> {
  const ensured: SubscriptionOptions[] = [];
  const queue: Queue = {
    ...inert<Queue>('queue'),
    ensureTopic: async () => {},
    ensureSubscription: async (options: SubscriptionOptions) => {
      ensured.push(options);
    },
    subscribe: async (name: string): Promise<QueueSubscriber> => {
      const subscriber: QueueSubscriber = {
        subscription: name,
        close: async () => {},
        [Symbol.asyncDispose]: async () => {},
      };
      return subscriber;
    },
  } as Queue;
  const ports = {
    warehouse: inert<Parameters<typeof createPipelineDefinition>[0]['warehouse']>('warehouse'),
    objects: inert<Parameters<typeof createPipelineDefinition>[0]['objects']>('objects'),
    state: inert<StateStore>('state'),
    queue,
    clock: stillClock,
    logger: silentLogger,
  };
  const definition = createPipelineDefinition({
    ...ports,
    http: inert('http'),
    recordScraperRun: async () => {},
  });
  const engine = createPipelineEngine(
    {
      ...ports,
      bookkeeping: inert('bookkeeping'),
      alerts: inert('alerts'),
      ...settings,
    },
    definition,
  );
  try {
    await engine.start();
  } finally {
    await engine.close();
  }
  return ensured;
}

/** The collections a store made over `make` touches, found by calling `use` on a recording state. */
async function collectionsOf(use: (state: StateStore) => Promise<unknown>): Promise<string[]> {
  const seen = new Set<string>();
  const record = (collection: string): void => {
    seen.add(collection);
  };
  const state: StateStore = {
    get: async (collection) => {
      record(collection);
      return undefined;
    },
    set: async (collection) => record(collection),
    update: async (collection, _id, fn) => {
      record(collection);
      return fn(undefined);
    },
    delete: async (collection) => {
      record(collection);
      return false;
    },
    list: async (collection) => {
      record(collection);
      return [];
    },
    close: async () => {},
  } as StateStore;
  await use(state);
  return [...seen];
}

/** The collection the app's circuit-breaker store keeps breakers in (its default). */
export async function probeBreakerCollection(): Promise<string> {
  const [name] = await collectionsOf((state) => createStateBreakerStore(state).get('probe'));
  if (name === undefined)
    throw new DeployError('deploy plan probe: the breaker store read no collection');
  return name;
}

/** The collection the app's heartbeat store keeps runs in (its default). */
export async function probeHeartbeatCollection(): Promise<string> {
  const [name] = await collectionsOf((state) =>
    createStateHeartbeatStore(state).get({
      processorName: 'probe',
      dataDate: '2000-01-01',
      runId: 'probe',
    }),
  );
  if (name === undefined)
    throw new DeployError('deploy plan probe: the heartbeat store read no collection');
  return name;
}
