/** A Pub/Sub topic of the plan. */
export interface TopicPlan {
  readonly name: string;
  /** `'messages'` (a topic of `topics`) or `'dead-letter'` (a subscription's dead-letter topic). */
  readonly kind: 'messages' | 'dead-letter';
}

/** A subscription of the plan, with the settings the engine's `start()` gives it. */
export interface SubscriptionPlan {
  readonly name: string;
  readonly topic: string;
  /** `'engine'` (pushes to a service) or `'dead-letter'` (a pull subscription someone reads). */
  readonly kind: 'engine' | 'dead-letter';
  readonly ackDeadlineSeconds: number;
  /** The redelivery backoff; absent on dead-letter subscriptions (Pub/Sub's default). */
  readonly retryPolicy?: {
    readonly minimumBackoffSeconds: number;
    readonly maximumBackoffSeconds: number;
  };
  readonly deadLetterTopic?: string;
  readonly maxDeliveryAttempts?: number;
  /** The service that handles it: `<serviceUrl>/<route>`; absent on pull subscriptions. */
  readonly push?: {
    readonly service: string;
    readonly route: string;
    readonly endpoint: string;
  };
}

/** A Cloud Run service of the plan and the subscriptions that push to it. */
export interface ServicePlan {
  readonly name: string;
  readonly url: string;
  /** What it runs, for the reviewer. */
  readonly description: string;
  /** Its routes: one per subscription pushing to it. */
  readonly triggers: readonly { readonly subscription: string; readonly route: string }[];
}

/** A Cloud Scheduler job calling a monitor's HTTP handler. */
export interface SchedulerJobPlan {
  /** The job name (Cloud Scheduler's rules: letters, digits, hyphens, underscores). */
  readonly name: string;
  /** A unix-cron expression: `'*\/15 * * * *'`. */
  readonly schedule: string;
  /** @default 'Etc/UTC' */
  readonly timeZone: string;
  readonly service: string;
  readonly route: string;
  /** `<serviceUrl of service>/<route>`. */
  readonly uri: string;
  readonly httpMethod: 'GET' | 'POST';
}

/** A Firestore collection the state store writes. */
export interface CollectionPlan {
  readonly name: string;
  /** Where the name comes from (the exported constant or store). */
  readonly source: string;
  /** The timestamp field of a TTL policy, when its documents expire. */
  readonly ttlField?: string;
}

/** A BigQuery table of the catalogue. */
export interface TablePlan {
  /** `dataset.table`. */
  readonly name: string;
  readonly dataset: string;
  readonly table: string;
  readonly description: string;
  /** Column name and BigQuery type, in order. */
  readonly schema: readonly { readonly name: string; readonly type: string }[];
  /** The DATE column of daily partitioning, if any. */
  readonly partitionBy?: string;
  readonly clusterBy: readonly string[];
}

/** A BigQuery dataset and its tables. */
export interface DatasetPlan {
  readonly name: string;
  readonly location: string;
  readonly tables: readonly TablePlan[];
}

/** One lifecycle rule of a bucket. */
export interface LifecycleRulePlan {
  readonly action: 'Delete';
  /** Objects under this prefix... */
  readonly matchesPrefix: string;
  /** ...older than this many days. */
  readonly ageDays: number;
}

/** A Cloud Storage bucket. */
export interface BucketPlan {
  readonly name: string;
  readonly location: string;
  readonly lifecycle: readonly LifecycleRulePlan[];
  /** Prefixes kept for good, for the reviewer. */
  readonly kept: readonly string[];
}

/** Every resource the pipeline needs on Google Cloud, derived from the app's definitions. */
export interface DeployPlan {
  readonly project: string;
  readonly region: string;
  readonly topics: readonly TopicPlan[];
  readonly subscriptions: readonly SubscriptionPlan[];
  readonly services: readonly ServicePlan[];
  readonly schedulerJobs: readonly SchedulerJobPlan[];
  readonly collections: readonly CollectionPlan[];
  readonly datasets: readonly DatasetPlan[];
  readonly buckets: readonly BucketPlan[];
}
