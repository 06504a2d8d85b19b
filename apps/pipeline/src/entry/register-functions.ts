import * as functions from '@google-cloud/functions-framework';
import { engineSubscriptions } from '../orchestration/index.js';
import { cloudEventHandler, type PubSubCloudEventHandler } from './cloud-event-handler.js';
import { EntryError } from './errors.js';
import { type PushRequestHandler, pushHandler } from './push-handler.js';
import { type OpenEntryRuntime, onceRuntime } from './runtime.js';

/** Options for {@link registerFunctions}. */
export interface RegisterFunctionsOptions {
  /** @default every subscription of `engineSubscriptions` */
  readonly subscriptions?: readonly string[];
  /** Appended to a subscription's name for its HTTP (push) function. @default '-push' */
  readonly pushSuffix?: string;
}

/** The function names {@link registerFunctions} registers, by subscription. */
export interface RegisteredFunctions {
  readonly [subscription: string]: { readonly cloudEvent: string; readonly http: string };
}

/**
 * Register every engine handler with the Functions Framework, twice: as a CloudEvent function
 * named after its subscription (`gcloud functions deploy pipeline-raw --trigger-topic ...`) and
 * as an HTTP push function `<subscription>-push`. The names are registered at once (the
 * framework looks its target up on load); the runtime is opened on the first message.
 *
 * @example
 * ```ts
 * registerFunctions(openAppEntryRuntime);
 * ```
 */
export function registerFunctions(
  open: OpenEntryRuntime,
  options: RegisterFunctionsOptions = {},
): RegisteredFunctions {
  const runtime = onceRuntime(open);
  const subscriptions = options.subscriptions ?? Object.values(engineSubscriptions);
  const suffix = options.pushSuffix ?? '-push';
  const cache = new Map<string, { push: PushRequestHandler; event: PubSubCloudEventHandler }>();
  const handlersOf = async (subscription: string) => {
    const rt = await runtime();
    let built = cache.get(subscription);
    if (built === undefined) {
      const handler = rt.handlers.find((h) => h.subscription === subscription);
      if (handler === undefined) {
        throw new EntryError(
          `registerFunctions: the runtime has no handler for subscription ${subscription}`,
        );
      }
      built = { push: pushHandler([handler], rt), event: cloudEventHandler(handler, rt) };
      cache.set(subscription, built);
    }
    return built;
  };
  const names: Record<string, { cloudEvent: string; http: string }> = {};
  for (const subscription of subscriptions) {
    const http = `${subscription}${suffix}`;
    functions.cloudEvent(subscription, async (event: functions.CloudEvent<unknown>) => {
      await (await handlersOf(subscription)).event(event);
    });
    functions.http(http, async (req, res) => {
      await (await handlersOf(subscription)).push(req, res);
    });
    names[subscription] = { cloudEvent: subscription, http };
  }
  return names;
}
