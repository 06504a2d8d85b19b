import { allTables } from '../catalog/index.js';
import { predictionsExportPath, resultsExportPath } from '../grading/index.js';
import { topics } from '../messages/index.js';
import { phaseRecordsCollection } from '../orchestration/index.js';
import {
  predictionBatchesCollection,
  predictionResultsCollection,
  predictionShardsCollection,
} from '../predictions/index.js';
import { failedWorkCollection } from '../runtime/index.js';
import { missingGamesCollection, rawPath } from '../scrapers/index.js';
import { DeployError } from './errors.js';
import { type MonitorSchedule, monitorSchedules } from './monitors.js';
import {
  type EngineSubscriptionSettings,
  probeBreakerCollection,
  probeEngineSubscriptions,
  probeHeartbeatCollection,
} from './probe.js';
import {
  pushRouteOf,
  roleOfSubscription,
  type ServiceName,
  serviceDescriptions,
  serviceOfRole,
} from './services.js';
import type {
  CollectionPlan,
  DatasetPlan,
  DeployPlan,
  SchedulerJobPlan,
  ServicePlan,
  SubscriptionPlan,
  TopicPlan,
} from './types.js';

/** Options for {@link deployPlan}. */
export interface DeployPlanOptions extends EngineSubscriptionSettings {
  /** The Google Cloud project id. */
  readonly project: string;
  /** @default 'us-central1' */
  readonly region?: string;
  /**
   * The base URL of each service (Cloud Run gives one per service): a function of the service
   * name, or one URL for all (a single service, or the emulator tests).
   */
  readonly serviceUrl: string | ((service: ServiceName) => string);
  /** @default 'US' */
  readonly datasetLocation?: string;
  /** @default `<project>-pipewell` */
  readonly bucket?: string;
  /** Days raw payloads are kept before the bucket deletes them. @default 30 */
  readonly rawRetentionDays?: number;
  /**
   * The document field a TTL policy reads on collections whose documents expire: where the
   * Firestore state store writes a write's `expireAt`.
   * @default 'expireAt'
   */
  readonly ttlField?: string;
  /** @default {@link monitorSchedules} */
  readonly monitors?: readonly MonitorSchedule[];
}

/** The suffix of the pull subscription that reads a dead-letter topic. */
export const deadLetterReaderSuffix = '-reader';

const secondsOf = (ms: number): number => ms / 1000;

function join(base: string, route: string): string {
  return `${base.replace(/\/+$/, '')}/${route.replace(/^\/+/, '')}`;
}

function firstSegment(path: string): string {
  const [head] = path.split('/');
  return `${head}/`;
}

/**
 * Every resource the pipeline needs on Google Cloud, derived from the app's own definitions:
 * topics from `topics` and the engine's dead-letter topics; subscriptions as the engine's
 * `start()` ensures them, pushing to `<serviceUrl>/pubsub/<subscription>`; one pull subscription
 * per dead-letter topic; the services of {@link serviceOfRole}; the scheduler jobs of the
 * monitors; the state collections with their TTL policies; every catalogue table; the objects
 * bucket with its lifecycle.
 *
 * @example
 * ```ts
 * const plan = await deployPlan({ project: 'my-project', serviceUrl: (s) => `https://${s}-abc.a.run.app` });
 * process.stdout.write(renderPlanYaml(plan));
 * ```
 */
export async function deployPlan(options: DeployPlanOptions): Promise<DeployPlan> {
  if (typeof options?.project !== 'string' || options.project === '') {
    throw new DeployError(
      `deployPlan: option "project" must be a project id (got ${JSON.stringify(options?.project)})`,
    );
  }
  const urlOf = (service: ServiceName): string => {
    const url =
      typeof options.serviceUrl === 'function' ? options.serviceUrl(service) : options.serviceUrl;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      throw new DeployError(
        `deployPlan: option "serviceUrl" must give an http(s) URL for service ${service} (got ${JSON.stringify(url)})`,
      );
    }
    return url;
  };
  const rawRetentionDays = options.rawRetentionDays ?? 30;
  if (!Number.isInteger(rawRetentionDays) || rawRetentionDays < 1) {
    throw new DeployError(
      `deployPlan: option "rawRetentionDays" must be a whole number of days >= 1 (got ${rawRetentionDays})`,
    );
  }
  const { minBackoffMs, maxDeliveryAttempts, ackDeadlineMs } = options;
  const ensured = await probeEngineSubscriptions({
    ...(minBackoffMs === undefined ? {} : { minBackoffMs }),
    ...(maxDeliveryAttempts === undefined ? {} : { maxDeliveryAttempts }),
    ...(ackDeadlineMs === undefined ? {} : { ackDeadlineMs }),
  });

  const subscriptions: SubscriptionPlan[] = [];
  const triggers = new Map<ServiceName, { subscription: string; route: string }[]>();
  for (const sub of ensured) {
    const role = roleOfSubscription(sub.name);
    if (role === undefined) {
      throw new DeployError(
        `deployPlan: the engine ensures subscription ${sub.name}, not one of engineSubscriptions`,
      );
    }
    const service = serviceOfRole[role];
    const route = pushRouteOf(sub.name);
    triggers.set(service, [...(triggers.get(service) ?? []), { subscription: sub.name, route }]);
    subscriptions.push({
      name: sub.name,
      topic: sub.topic,
      kind: 'engine',
      // Pub/Sub's own defaults when the engine leaves a setting out.
      ackDeadlineSeconds: secondsOf(sub.ackDeadlineMs ?? 10_000),
      retryPolicy: {
        minimumBackoffSeconds: secondsOf(sub.minBackoffMs ?? 10_000),
        maximumBackoffSeconds: secondsOf(sub.maxBackoffMs ?? 600_000),
      },
      ...(sub.deadLetterTopic === undefined
        ? {}
        : {
            deadLetterTopic: sub.deadLetterTopic,
            maxDeliveryAttempts: sub.maxDeliveryAttempts ?? 5,
          }),
      push: { service, route, endpoint: join(urlOf(service), route) },
    });
  }

  const topicPlans: TopicPlan[] = [];
  const seen = new Set<string>();
  const addTopic = (name: string, kind: TopicPlan['kind']): void => {
    if (seen.has(name)) return;
    seen.add(name);
    topicPlans.push({ name, kind });
  };
  for (const name of Object.values(topics)) addTopic(name, 'messages');
  for (const sub of subscriptions) addTopic(sub.topic, 'messages');
  for (const sub of subscriptions) {
    if (sub.deadLetterTopic !== undefined) addTopic(sub.deadLetterTopic, 'dead-letter');
  }
  for (const topic of topicPlans) {
    if (topic.kind !== 'dead-letter') continue;
    subscriptions.push({
      name: `${topic.name}${deadLetterReaderSuffix}`,
      topic: topic.name,
      kind: 'dead-letter',
      ackDeadlineSeconds: 60,
    });
  }

  const services: ServicePlan[] = (Object.keys(serviceDescriptions) as ServiceName[]).map(
    (name) => ({
      name,
      url: urlOf(name),
      description: serviceDescriptions[name],
      triggers: triggers.get(name) ?? [],
    }),
  );

  const schedulerJobs: SchedulerJobPlan[] = (options.monitors ?? monitorSchedules).map(
    (monitor) => {
      if (!(monitor.service in serviceDescriptions)) {
        throw new DeployError(
          `deployPlan: monitor ${monitor.name} names service ${JSON.stringify(monitor.service)}, not one of ${Object.keys(serviceDescriptions).join(', ')}`,
        );
      }
      const service = monitor.service as ServiceName;
      return {
        name: monitor.name,
        schedule: monitor.schedule,
        timeZone: monitor.timeZone ?? 'Etc/UTC',
        service,
        route: monitor.route,
        uri: join(urlOf(service), monitor.route),
        httpMethod: monitor.httpMethod ?? 'POST',
      };
    },
  );

  const ttlField = options.ttlField ?? 'expireAt';
  const collections: CollectionPlan[] = [
    { name: phaseRecordsCollection, source: 'orchestration phaseRecordsCollection' },
    { name: predictionBatchesCollection, source: 'predictions predictionBatchesCollection' },
    { name: predictionResultsCollection, source: 'predictions predictionResultsCollection' },
    { name: predictionShardsCollection, source: 'predictions predictionShardsCollection' },
    { name: failedWorkCollection, source: 'runtime failedWorkCollection' },
    { name: missingGamesCollection, source: 'scrapers missingGamesCollection' },
    { name: await probeBreakerCollection(), source: 'state createStateBreakerStore (default)' },
    {
      name: await probeHeartbeatCollection(),
      source: 'state createStateHeartbeatStore (default; written through withExpiry)',
      ttlField,
    },
  ];

  const location = options.datasetLocation ?? 'US';
  const datasets = new Map<string, DatasetPlan['tables'][number][]>();
  for (const table of allTables) {
    const list = datasets.get(table.dataset) ?? [];
    list.push({
      name: table.name,
      dataset: table.dataset,
      table: table.table,
      description: table.description,
      schema: table.columnNames.map((name) => ({
        name,
        type: String(table.columns[name as keyof typeof table.columns]),
      })),
      ...(table.partitionBy === undefined ? {} : { partitionBy: table.partitionBy }),
      clusterBy: [...table.clusterBy],
    });
    datasets.set(table.dataset, list);
  }

  const rawPrefix = firstSegment(rawPath('source', 'endpoint', '2000-01-01', 'name'));
  const kept = [
    ...new Set(
      [predictionsExportPath('2000-01-01'), resultsExportPath('2000-01-01')].map(firstSegment),
    ),
  ];
  return {
    project: options.project,
    region: options.region ?? 'us-central1',
    topics: topicPlans,
    subscriptions,
    services,
    schedulerJobs,
    collections,
    datasets: [...datasets].map(([name, tables]) => ({ name, location, tables })),
    buckets: [
      {
        name: options.bucket ?? `${options.project}-pipewell`,
        location,
        lifecycle: [{ action: 'Delete', matchesPrefix: rawPrefix, ageDays: rawRetentionDays }],
        kept,
      },
    ],
  };
}
