import type { DeployPlan, SubscriptionPlan, TablePlan } from './types.js';

const safe = /^[A-Za-z0-9_./:=@,+-]+$/;

/** `value` as one shell word: bare when safe, else single-quoted. */
export function shellWord(value: string | number): string {
  const text = String(value);
  return safe.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

const words = (...parts: (string | number)[]): string => parts.map(shellWord).join(' ');

/** `<n>s`, the duration form gcloud's retry-delay flags take. */
const duration = (seconds: number): string => `${seconds}s`;

function ensure(describe: string, create: string): string {
  return `${describe} >/dev/null 2>&1 || ${create}`;
}

function subscriptionFlags(sub: SubscriptionPlan): string[] {
  const flags = [`--ack-deadline=${sub.ackDeadlineSeconds}`];
  if (sub.retryPolicy !== undefined) {
    flags.push(`--min-retry-delay=${duration(sub.retryPolicy.minimumBackoffSeconds)}`);
    flags.push(`--max-retry-delay=${duration(sub.retryPolicy.maximumBackoffSeconds)}`);
  }
  if (sub.deadLetterTopic !== undefined) {
    flags.push(`--dead-letter-topic=${shellWord(sub.deadLetterTopic)}`);
    flags.push(`--max-delivery-attempts=${sub.maxDeliveryAttempts ?? 5}`);
  }
  if (sub.push !== undefined) flags.push(`--push-endpoint=${shellWord(sub.push.endpoint)}`);
  return flags;
}

function tableCommand(project: string, table: TablePlan): string {
  const id = `${project}:${table.dataset}.${table.table}`;
  const flags = [`--table`, `--description=${shellWord(table.description)}`];
  if (table.partitionBy !== undefined) {
    flags.push(
      '--time_partitioning_type=DAY',
      `--time_partitioning_field=${shellWord(table.partitionBy)}`,
    );
  }
  if (table.clusterBy.length > 0)
    flags.push(`--clustering_fields=${shellWord(table.clusterBy.join(','))}`);
  const schema = table.schema.map((column) => `${column.name}:${column.type}`).join(',');
  return ensure(
    `bq --project_id="$PROJECT" show ${shellWord(id)}`,
    `bq --project_id="$PROJECT" mk ${flags.join(' ')} ${shellWord(id)} ${shellWord(schema)}`,
  );
}

/**
 * The plan as an idempotent bash script: every create is guarded by a describe, so running it
 * again creates only what is missing; existing subscriptions are updated to the plan's settings,
 * TTL policies and lifecycle rules are set each time. Dead-letter topics get the IAM bindings
 * Pub/Sub's service agent needs to forward to them.
 *
 * @example
 * ```ts
 * writeFileSync('deploy.sh', renderPlanGcloud(plan), { mode: 0o755 });
 * ```
 */
export function renderPlanGcloud(plan: DeployPlan): string {
  const out: string[] = [
    '#!/usr/bin/env bash',
    '# The resources pipewell needs (pipewell deploy plan --format gcloud). Safe to run again.',
    'set -euo pipefail',
    `PROJECT=${shellWord(plan.project)}`,
    `REGION=${shellWord(plan.region)}`,
    `PROJECT_NUMBER="$(gcloud projects describe "$PROJECT" --format='value(projectNumber)')"`,
    'PUBSUB_AGENT="serviceAccount:service-$PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com"',
    '',
    '# Services (deployed from source; the push subscriptions below need their URLs).',
  ];
  for (const service of plan.services) {
    const routes = service.triggers.map((t) => t.route).join(', ') || 'no triggers';
    out.push(`# ${service.name}: ${service.description} (${routes})`);
    out.push(
      `gcloud run services describe ${shellWord(service.name)} --project="$PROJECT" --region="$REGION" >/dev/null 2>&1 || echo ${shellWord(`service ${service.name} is not deployed: gcloud run deploy ${service.name} --source apps/pipeline --region ${plan.region} --no-allow-unauthenticated`)} >&2`,
    );
  }
  out.push('', '# Topics');
  for (const topic of plan.topics) {
    const name = shellWord(topic.name);
    out.push(
      ensure(
        `gcloud pubsub topics describe ${name} --project="$PROJECT"`,
        `gcloud pubsub topics create ${name} --project="$PROJECT"`,
      ),
    );
  }
  out.push('', '# Subscriptions: created when missing, else brought to the plan');
  for (const sub of plan.subscriptions) {
    const name = shellWord(sub.name);
    const flags = subscriptionFlags(sub).join(' ');
    out.push(
      `if gcloud pubsub subscriptions describe ${name} --project="$PROJECT" >/dev/null 2>&1; then`,
      `  gcloud pubsub subscriptions update ${name} --project="$PROJECT" ${flags}`,
      'else',
      `  gcloud pubsub subscriptions create ${name} --project="$PROJECT" --topic=${shellWord(sub.topic)} ${flags}`,
      'fi',
    );
    if (sub.deadLetterTopic !== undefined) {
      out.push(
        `gcloud pubsub topics add-iam-policy-binding ${shellWord(sub.deadLetterTopic)} --project="$PROJECT" --member="$PUBSUB_AGENT" --role=roles/pubsub.publisher >/dev/null`,
        `gcloud pubsub subscriptions add-iam-policy-binding ${name} --project="$PROJECT" --member="$PUBSUB_AGENT" --role=roles/pubsub.subscriber >/dev/null`,
      );
    }
  }
  out.push('', '# Scheduler jobs');
  if (plan.schedulerJobs.length === 0) out.push('# (none)');
  for (const job of plan.schedulerJobs) {
    out.push(
      ensure(
        `gcloud scheduler jobs describe ${shellWord(job.name)} --project="$PROJECT" --location="$REGION"`,
        `gcloud scheduler jobs create http ${shellWord(job.name)} --project="$PROJECT" --location="$REGION" ${words(
          `--schedule=${job.schedule}`,
          `--time-zone=${job.timeZone}`,
          `--uri=${job.uri}`,
          `--http-method=${job.httpMethod}`,
        )}`,
      ),
    );
  }
  out.push('', '# Firestore collections (created on first write); TTL policies');
  for (const collection of plan.collections) {
    if (collection.ttlField === undefined) {
      out.push(`# ${collection.name}: no TTL`);
      continue;
    }
    out.push(
      `gcloud firestore fields ttls update ${shellWord(collection.ttlField)} --project="$PROJECT" --collection-group=${shellWord(collection.name)} --enable-ttl --async`,
    );
  }
  out.push('', '# BigQuery datasets and tables');
  for (const dataset of plan.datasets) {
    const id = `${plan.project}:${dataset.name}`;
    out.push(
      ensure(
        `bq --project_id="$PROJECT" show --dataset ${shellWord(id)}`,
        `bq --project_id="$PROJECT" mk --dataset --location=${shellWord(dataset.location)} ${shellWord(id)}`,
      ),
    );
    for (const table of dataset.tables) out.push(tableCommand(plan.project, table));
  }
  out.push('', '# Buckets and their lifecycle');
  for (const bucket of plan.buckets) {
    const url = shellWord(`gs://${bucket.name}`);
    const lifecycle = {
      rule: bucket.lifecycle.map((rule) => ({
        action: { type: rule.action },
        condition: { age: rule.ageDays, matchesPrefix: [rule.matchesPrefix] },
      })),
    };
    out.push(
      ensure(
        `gcloud storage buckets describe ${url} --project="$PROJECT"`,
        `gcloud storage buckets create ${url} --project="$PROJECT" --location=${shellWord(bucket.location)} --uniform-bucket-level-access`,
      ),
      'LIFECYCLE="$(mktemp)"',
      `cat >"$LIFECYCLE" <<'JSON'`,
      JSON.stringify(lifecycle),
      'JSON',
      `gcloud storage buckets update ${url} --project="$PROJECT" --lifecycle-file="$LIFECYCLE"`,
      'rm -f "$LIFECYCLE"',
    );
    if (bucket.kept.length > 0) out.push(`# kept for good: ${bucket.kept.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}
