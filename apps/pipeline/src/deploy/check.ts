import type { PubSub } from '@google-cloud/pubsub';
import { fromDuration, shortName } from './pubsub-shapes.js';
import type { DeployPlan, SubscriptionPlan } from './types.js';

/** What kind of difference a {@link DeployFinding} is. */
export type DeployFindingCode =
  | 'missing-topic'
  | 'topic-without-subscriber'
  | 'missing-subscription'
  | 'wrong-topic'
  | 'unplanned-subscription'
  | 'no-dead-letter'
  | 'dead-letter-differs'
  | 'dead-letter-unread'
  | 'max-deliveries-differs'
  | 'push-endpoint-differs'
  | 'ack-deadline-differs'
  | 'retry-policy-differs'
  | 'handler-without-trigger'
  | 'missing-scheduler-job'
  | 'scheduler-job-differs';

/** One difference between the live project and the plan. */
export interface DeployFinding {
  /** `error`: messages can be lost or never handled; `warning`: a setting drifted. */
  readonly severity: 'error' | 'warning';
  readonly code: DeployFindingCode;
  /** The topic, subscription, service route or job concerned. */
  readonly resource: string;
  /** What differs, naming the resource and both values. */
  readonly message: string;
}

/** A Cloud Scheduler job as {@link SchedulerLister} lists it. */
export interface LiveSchedulerJob {
  /** The short job name. */
  readonly name: string;
  readonly schedule: string;
  readonly uri?: string;
}

/** Lists the scheduler jobs of the plan's project and region (a thin wrapper of the client). */
export interface SchedulerLister {
  listJobs(): Promise<readonly LiveSchedulerJob[]>;
}

/** What {@link deployCheck} compares. */
export interface DeployCheckOptions {
  readonly plan: DeployPlan;
  /** A client of the live project or the emulator. */
  readonly pubsub: PubSub;
  /** Without it, scheduler jobs are not checked and a note says so. */
  readonly scheduler?: SchedulerLister;
}

/** What {@link deployCheck} found. */
export interface DeployCheckResult {
  readonly findings: readonly DeployFinding[];
  /** What was not checked, and why. */
  readonly notes: readonly string[];
  /** 0 (no findings), 1 (warnings only), 2 (errors). */
  readonly exitCode: 0 | 1 | 2;
}

/** 0 without findings, 1 with warnings only, 2 with any error. */
export function deployCheckExitCode(findings: readonly DeployFinding[]): 0 | 1 | 2 {
  if (findings.some((f) => f.severity === 'error')) return 2;
  return findings.length > 0 ? 1 : 0;
}

interface LiveSubscription {
  readonly name: string;
  readonly topic: string;
  readonly pushEndpoint: string | undefined;
  readonly deadLetterTopic: string | undefined;
  readonly maxDeliveryAttempts: number | undefined;
  readonly ackDeadlineSeconds: number | undefined;
  readonly retry: { readonly min: number; readonly max: number } | undefined;
}

async function liveState(
  pubsub: PubSub,
): Promise<{ topics: Set<string>; subscriptions: LiveSubscription[] }> {
  const [topics] = await pubsub.getTopics({ autoPaginate: true });
  const [subscriptions] = await pubsub.getSubscriptions({ autoPaginate: true });
  return {
    topics: new Set(topics.map((topic) => shortName(topic.name))),
    subscriptions: subscriptions.map((subscription) => {
      const meta = subscription.metadata ?? {};
      const deadLetter = meta.deadLetterPolicy?.deadLetterTopic;
      const retry = meta.retryPolicy;
      return {
        name: shortName(subscription.name),
        topic: shortName(typeof meta.topic === 'string' ? meta.topic : undefined),
        pushEndpoint: meta.pushConfig?.pushEndpoint || undefined,
        deadLetterTopic: deadLetter ? shortName(deadLetter) : undefined,
        maxDeliveryAttempts: meta.deadLetterPolicy?.maxDeliveryAttempts ?? undefined,
        ackDeadlineSeconds: meta.ackDeadlineSeconds ?? undefined,
        retry:
          retry === null || retry === undefined
            ? undefined
            : { min: fromDuration(retry.minimumBackoff), max: fromDuration(retry.maximumBackoff) },
      };
    }),
  };
}

const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;

function compareSubscription(planned: SubscriptionPlan, live: LiveSubscription): DeployFinding[] {
  const found: DeployFinding[] = [];
  const add = (
    severity: DeployFinding['severity'],
    code: DeployFindingCode,
    message: string,
  ): void => {
    found.push({
      severity,
      code,
      resource: planned.name,
      message: `subscription ${planned.name}: ${message}`,
    });
  };
  if (live.topic !== planned.topic) {
    add('error', 'wrong-topic', `reads topic ${live.topic}, the plan says ${planned.topic}`);
  }
  if (planned.deadLetterTopic !== undefined) {
    if (live.deadLetterTopic === undefined) {
      add(
        'error',
        'no-dead-letter',
        `has no dead-letter topic (the plan says ${planned.deadLetterTopic}): a message that never succeeds is retried forever`,
      );
    } else {
      if (live.deadLetterTopic !== planned.deadLetterTopic) {
        add(
          'warning',
          'dead-letter-differs',
          `dead-letters to ${live.deadLetterTopic}, the plan says ${planned.deadLetterTopic}`,
        );
      }
      if (live.maxDeliveryAttempts !== planned.maxDeliveryAttempts) {
        add(
          'warning',
          'max-deliveries-differs',
          `max delivery attempts ${live.maxDeliveryAttempts}, the plan says ${planned.maxDeliveryAttempts}`,
        );
      }
    }
  }
  const plannedPush = planned.push?.endpoint;
  if (plannedPush !== live.pushEndpoint) {
    add(
      'error',
      'push-endpoint-differs',
      `pushes to ${live.pushEndpoint ?? '(nothing: a pull subscription)'}, the plan says ${plannedPush ?? '(nothing: a pull subscription)'}`,
    );
  }
  if (
    live.ackDeadlineSeconds !== undefined &&
    live.ackDeadlineSeconds !== planned.ackDeadlineSeconds
  ) {
    add(
      'warning',
      'ack-deadline-differs',
      `ack deadline ${live.ackDeadlineSeconds} s, the plan says ${planned.ackDeadlineSeconds} s`,
    );
  }
  const retry = planned.retryPolicy;
  if (
    retry !== undefined &&
    (live.retry === undefined ||
      !near(live.retry.min, retry.minimumBackoffSeconds) ||
      !near(live.retry.max, retry.maximumBackoffSeconds))
  ) {
    const now =
      live.retry === undefined
        ? 'none (immediate redelivery)'
        : `${live.retry.min} s to ${live.retry.max} s`;
    add(
      'warning',
      'retry-policy-differs',
      `retry backoff ${now}, the plan says ${retry.minimumBackoffSeconds} s to ${retry.maximumBackoffSeconds} s`,
    );
  }
  return found;
}

/**
 * Compare a live project (or the Pub/Sub emulator) with the plan and report every difference:
 * a missing topic or subscription, a topic nobody subscribes to, a subscription without its
 * dead-letter topic or whose dead-letter topic nobody reads, a push endpoint that differs, a
 * handler no subscription pushes to, a missing scheduler job (with `scheduler`), and drifted
 * settings (ack deadline, backoff, max deliveries) as warnings.
 *
 * @example
 * ```ts
 * const { findings, exitCode } = await deployCheck({ plan, pubsub });
 * for (const f of findings) logger.warn(f, f.message);
 * process.exitCode = exitCode;
 * ```
 */
export async function deployCheck(options: DeployCheckOptions): Promise<DeployCheckResult> {
  const { plan, pubsub, scheduler } = options;
  const findings: DeployFinding[] = [];
  const notes: string[] = [];
  const live = await liveState(pubsub);
  const liveByName = new Map(live.subscriptions.map((sub) => [sub.name, sub]));
  const readersOf = (topic: string): LiveSubscription[] =>
    live.subscriptions.filter((sub) => sub.topic === topic);
  const plannedTopics = new Set(plan.topics.map((topic) => topic.name));
  const plannedSubscriptions = new Set(plan.subscriptions.map((sub) => sub.name));

  for (const topic of plan.topics) {
    if (!live.topics.has(topic.name)) {
      findings.push({
        severity: 'error',
        code: 'missing-topic',
        resource: topic.name,
        message: `topic ${topic.name} does not exist`,
      });
    }
  }
  for (const topic of [...live.topics].sort()) {
    if (readersOf(topic).length > 0) continue;
    const expected = plan.subscriptions.filter((sub) => sub.topic === topic).map((sub) => sub.name);
    findings.push({
      severity: expected.length > 0 ? 'error' : 'warning',
      code: 'topic-without-subscriber',
      resource: topic,
      message:
        expected.length > 0
          ? `topic ${topic} has no subscription: messages published to it are lost (the plan has ${expected.join(', ')})`
          : `topic ${topic} has no subscription, in the project or in the plan: nothing reads what is published to it`,
    });
  }
  for (const planned of plan.subscriptions) {
    const found = liveByName.get(planned.name);
    if (found === undefined) {
      findings.push({
        severity: 'error',
        code: 'missing-subscription',
        resource: planned.name,
        message: `subscription ${planned.name} on topic ${planned.topic} does not exist${planned.push === undefined ? '' : `: nothing triggers ${planned.push.service}/${planned.push.route}`}`,
      });
      continue;
    }
    findings.push(...compareSubscription(planned, found));
  }
  for (const sub of live.subscriptions) {
    if (!plannedSubscriptions.has(sub.name) && plannedTopics.has(sub.topic)) {
      findings.push({
        severity: 'warning',
        code: 'unplanned-subscription',
        resource: sub.name,
        message: `subscription ${sub.name} on topic ${sub.topic} is not in the plan`,
      });
    }
    if (sub.deadLetterTopic !== undefined && readersOf(sub.deadLetterTopic).length === 0) {
      findings.push({
        severity: 'error',
        code: 'dead-letter-unread',
        resource: sub.name,
        message: `subscription ${sub.name} dead-letters to ${sub.deadLetterTopic}, which no subscription reads: dead letters are lost`,
      });
    }
  }
  const pushed = new Set(
    live.subscriptions.map((sub) => sub.pushEndpoint).filter((url) => url !== undefined),
  );
  for (const service of plan.services) {
    for (const trigger of service.triggers) {
      const planned = plan.subscriptions.find((sub) => sub.name === trigger.subscription);
      const endpoint = planned?.push?.endpoint;
      if (endpoint !== undefined && !pushed.has(endpoint)) {
        findings.push({
          severity: 'error',
          code: 'handler-without-trigger',
          resource: `${service.name}/${trigger.route}`,
          message: `handler ${trigger.route} of service ${service.name} has no subscription pushing to ${endpoint}`,
        });
      }
    }
  }
  if (scheduler === undefined) {
    notes.push(
      `scheduler jobs not checked (no scheduler client given); the plan has ${plan.schedulerJobs.length}`,
    );
  } else {
    const jobs = new Map((await scheduler.listJobs()).map((job) => [job.name, job]));
    for (const job of plan.schedulerJobs) {
      const found = jobs.get(job.name);
      if (found === undefined) {
        findings.push({
          severity: 'error',
          code: 'missing-scheduler-job',
          resource: job.name,
          message: `scheduler job ${job.name} (${job.schedule} → ${job.uri}) does not exist`,
        });
      } else if (
        found.schedule !== job.schedule ||
        (found.uri !== undefined && found.uri !== job.uri)
      ) {
        findings.push({
          severity: 'warning',
          code: 'scheduler-job-differs',
          resource: job.name,
          message: `scheduler job ${job.name} runs ${found.schedule} → ${found.uri ?? '?'}, the plan says ${job.schedule} → ${job.uri}`,
        });
      }
    }
  }
  return { findings, notes, exitCode: deployCheckExitCode(findings) };
}
