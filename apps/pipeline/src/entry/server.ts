/**
 * The Cloud Run entry (`gcloud run deploy --source`): serves the engine's handlers for Pub/Sub
 * push on `$PORT` until SIGTERM; with `PIPEWELL_SERVICE` (a service of the deploy plan), only
 * that service's subscriptions.
 */
import { openAppEntryRuntime } from './app-entry.js';
import { startPushServer } from './push-server.js';
import { handlersOfService } from './service-handlers.js';

const runtime = await openAppEntryRuntime();
const service = process.env.PIPEWELL_SERVICE?.trim();
const handlers =
  service === undefined || service === ''
    ? runtime.handlers
    : handlersOfService(runtime.handlers, service);
const server = await startPushServer(
  { ...runtime, handlers },
  { port: Number(process.env.PORT ?? 8080) },
);
process.once('SIGTERM', () => {
  void server.close();
});
