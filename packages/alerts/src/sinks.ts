import { type Clock, type Logger, PipewellError, systemClock } from '@pipewell/core';
import { createRetryPolicy, type RetryPolicy, type RetryPolicyOptions } from '@pipewell/retry';
import { type Alert, AlertInputError, type Severity } from './alert.js';
import { createRedactor, type Redactor } from './redact.js';

/** What the alerter passes to {@link AlertSink.send}. */
export interface SinkContext {
  /**
   * Aborts when the caller gave up (`alert(input, { signal })`) or `close()` ran out of time. The
   * alerter always passes one, so a sink can hand it straight to `fetch`.
   */
  readonly signal: AbortSignal;
  /** The alerter's redactor, with every sink's secrets: a sink that writes logs scrubs with it. */
  readonly redactor?: Redactor;
}

/** Where alerts go. A sink makes its own delivery attempts and throws when delivery failed. */
export interface AlertSink {
  /** Unique among an alerter's sinks; names the sink in history and the outbox. */
  readonly name: string;
  /** Values this sink holds that must never be logged (its webhook URL, a token). */
  readonly secrets?: readonly string[];
  /**
   * Deliver one alert, retrying as the sink sees fit; reject when it could not be delivered. Reject
   * with an error that `isPermanentError` from `@pipewell/retry` recognises (an HTTP 4xx `status`,
   * or `permanent: true`) when no later attempt can succeed: the alert is then recorded as failed
   * instead of kept in the outbox.
   */
  send(alert: Alert, context: SinkContext): Promise<void>;
}

/** A webhook answered with an error status. Carries the status and the service's error text, never the URL. */
export class WebhookError extends PipewellError {
  static override readonly marker = '@pipewell/alerts.WebhookError';
  override readonly name = 'WebhookError';
  /** The HTTP status; a 4xx other than 408 and 429 makes the error permanent. */
  readonly status: number;
  /** The response headers (`retry-after` is read from here). */
  readonly headers: Headers;
  /** The service's own error text, such as Slack's `no_service`. */
  readonly responseText: string;

  /** Create the error for `sink`'s answer; the message names the sink, never its URL. */
  constructor(sink: string, status: number, headers: Headers, responseText: string) {
    super(`${sink} answered ${status}${responseText ? `: ${responseText.slice(0, 200)}` : ''}`);
    this.status = status;
    this.headers = headers;
    this.responseText = responseText;
  }
}

/** Options shared by the HTTP sinks. */
export interface HttpSinkOptions {
  /** @default the sink's kind ('slack', 'webhook') */
  readonly name?: string;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Abort an attempt that takes longer than this. @default 10000 */
  readonly timeoutMs?: number;
  /** Retry settings (on top of the `slackWebhook` preset: 3 attempts, 2 s to 8 s). */
  readonly retry?: Omit<RetryPolicyOptions, 'clock' | 'attemptTimeoutMs'>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

function checkUrl(option: string, url: unknown): string {
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    // Never echo the value: it is a secret.
    throw new AlertInputError(option, `"${option}" must be an http(s) URL`);
  }
  return url;
}

function httpSink(
  kind: string,
  url: string,
  options: HttpSinkOptions,
  body: (alert: Alert) => unknown,
  headers: Readonly<Record<string, string>> = {},
): AlertSink {
  const name = options.name ?? kind;
  const doFetch = options.fetch ?? globalThis.fetch;
  const policy: RetryPolicy = createRetryPolicy({
    preset: 'slackWebhook',
    ...options.retry,
    clock: options.clock ?? systemClock,
    attemptTimeoutMs: options.timeoutMs ?? 10_000,
  });
  return {
    name,
    secrets: [url],
    async send(alert, context) {
      await policy.execute(async ({ signal }) => {
        const response = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body(alert)),
          signal,
        });
        const text = await response.text();
        // 429 and 5xx are retried (429 after its Retry-After); any other 4xx is permanent.
        if (!response.ok)
          throw new WebhookError(name, response.status, response.headers, text.trim());
      }, context.signal);
    },
  };
}

const colours: Readonly<Record<Severity, string>> = {
  info: '#2eb67d',
  warning: '#ecb22e',
  error: '#e01e5a',
  critical: '#8b0000',
};
const icons: Readonly<Record<Severity, string>> = {
  info: ':information_source:',
  warning: ':warning:',
  error: ':x:',
  critical: ':rotating_light:',
};

function summary(alert: Alert): string[] {
  const lines: string[] = [];
  if (alert.suppressed.repeats > 0)
    lines.push(`Repeated ${alert.suppressed.repeats} more time(s) since the last notice.`);
  if (alert.suppressed.rateLimited > 0)
    lines.push(`${alert.suppressed.rateLimited} other alert(s) were held back by the rate limit.`);
  return lines;
}

/**
 * Slack Block Kit for an alert: severity colour, title, body, a fields table, links.
 *
 * @example
 * ```ts
 * const payload = slackMessage(alerter.history().at(-1)!.alert); // preview what Slack gets
 * ```
 */
export function slackMessage(alert: Alert): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: alert.title.slice(0, 150), emoji: true } },
  ];
  if (alert.body)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: alert.body.slice(0, 3000) } });
  const fields = Object.entries(alert.fields);
  for (let i = 0; i < fields.length; i += 10) {
    blocks.push({
      type: 'section',
      fields: fields
        .slice(i, i + 10)
        .map(([key, value]) => ({ type: 'mrkdwn', text: `*${key}*\n${value}` })),
    });
  }
  if (alert.links.length > 0) {
    blocks.push({
      type: 'actions',
      elements: alert.links.slice(0, 5).map((link) => ({
        type: 'button',
        text: { type: 'plain_text', text: link.text },
        url: link.url,
      })),
    });
  }
  const notes = summary(alert);
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: [`${icons[alert.severity]} ${alert.severity}`, ...notes].join(' · '),
      },
    ],
  });
  return {
    text: `${icons[alert.severity]} [${alert.severity}] ${alert.title}`,
    attachments: [{ color: colours[alert.severity], blocks }],
  };
}

/** Options for {@link createSlackSink}. */
export interface SlackSinkOptions extends HttpSinkOptions {
  /** The incoming-webhook URL. It is a secret: it never appears in logs or errors. */
  readonly webhookUrl: string;
}

/**
 * A Slack incoming-webhook sink: Block Kit messages, the `slackWebhook` retry preset, HTTP 429
 * `Retry-After` honoured, other 4xx (such as `no_service`) treated as permanent with Slack's
 * error text, a 10 s timeout per attempt.
 *
 * @example
 * ```ts
 * const slack = createSlackSink({ webhookUrl: process.env.SLACK_WEBHOOK_URL! });
 * ```
 */
export function createSlackSink(options: SlackSinkOptions): AlertSink {
  return httpSink('slack', checkUrl('webhookUrl', options?.webhookUrl), options, slackMessage);
}

/** Options for {@link createWebhookSink}. */
export interface WebhookSinkOptions extends HttpSinkOptions {
  /** Where the JSON is posted. Treated as a secret. */
  readonly url: string;
  /** Extra headers (an `authorization` header's value is treated as a secret). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A generic sink that POSTs the alert as JSON, with the same retry and permanence rules as Slack.
 *
 * @example
 * ```ts
 * const ops = createWebhookSink({ url: process.env.OPS_WEBHOOK_URL!, headers: { authorization: `Bearer ${token}` } });
 * ```
 */
export function createWebhookSink(options: WebhookSinkOptions): AlertSink {
  const url = checkUrl('url', options?.url);
  const sink = httpSink('webhook', url, options, (alert) => alert, options.headers);
  const secrets = [
    url,
    ...Object.entries(options.headers ?? {})
      .filter(([k]) => k.toLowerCase() === 'authorization')
      .map(([, v]) => v),
  ];
  return { ...sink, secrets };
}

/** Options for {@link createLoggerSink}. */
export interface LoggerSinkOptions {
  /** Where alerts are written: pino, or anything with its method shape. */
  readonly logger: Logger;
  /** The sink's name, unique among an alerter's sinks. @default 'logger' */
  readonly name?: string;
}

function checkName(name: unknown, fallback: string): string {
  if (name === undefined) return fallback;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new AlertInputError('name', 'option "name" must be a non-empty string');
  }
  return name;
}

const isLogger = (value: unknown): value is Logger =>
  typeof (value as Logger | null)?.warn === 'function' &&
  typeof (value as Logger | null)?.error === 'function';

/**
 * A sink that writes alerts to a logger (at warn, or error for error and critical). Like every
 * other log line of this package, the line is redacted: with the alerter's redactor (every sink's
 * secrets and the alerter's `secrets`), or, used on its own, one that scrubs Slack webhook URLs
 * and Slack tokens.
 *
 * @example
 * ```ts
 * const alerter = createAlerter({
 *   sinks: [createSlackSink({ webhookUrl }), createLoggerSink({ logger })],
 * });
 * ```
 */
export function createLoggerSink(options: LoggerSinkOptions): AlertSink;
/**
 * The positional form of {@link createLoggerSink}, deprecated: pass an options object,
 * `createLoggerSink({ logger, name })`. It is removed in the next minor release.
 * @deprecated Pass an options object: `createLoggerSink({ logger, name })`.
 */
export function createLoggerSink(logger: Logger, name?: string): AlertSink;
export function createLoggerSink(
  optionsOrLogger: LoggerSinkOptions | Logger,
  positionalName?: string,
): AlertSink {
  const positional = isLogger(optionsOrLogger) && !('logger' in optionsOrLogger);
  const logger = positional ? optionsOrLogger : (optionsOrLogger as LoggerSinkOptions)?.logger;
  if (!isLogger(logger)) {
    throw new AlertInputError(
      'logger',
      'createLoggerSink needs { logger } (pino, or anything with warn and error methods)',
    );
  }
  const name = checkName(
    positional ? positionalName : (optionsOrLogger as LoggerSinkOptions).name,
    'logger',
  );
  const ownRedactor: Redactor = createRedactor();
  return {
    name,
    async send(alert, context) {
      const redactor = context?.redactor ?? ownRedactor;
      const level = alert.severity === 'error' || alert.severity === 'critical' ? 'error' : 'warn';
      logger[level](
        { alert: redactor.value(alert) },
        redactor.text(`[${alert.severity}] ${alert.title}`),
      );
    },
  };
}

/** An in-memory sink: for tests and a dashboard's "recent alerts". */
export interface MemorySink extends AlertSink {
  /** The alerts received, oldest first, at most `limit` of them. */
  readonly alerts: readonly Alert[];
}

/** Options for {@link createMemorySink}. */
export interface MemorySinkOptions {
  /** The sink's name, unique among an alerter's sinks. @default 'memory' */
  readonly name?: string;
  /** The most alerts kept; the oldest go first. @default 1000 */
  readonly limit?: number;
}

/**
 * Create a {@link MemorySink}: it keeps the alerts it receives in `alerts`.
 *
 * @example
 * ```ts
 * const memory = createMemorySink({ limit: 50 });
 * await createAlerter({ sinks: [memory] }).alert({ severity: 'info', title: 'done' });
 * memory.alerts.length; // 1
 * ```
 */
export function createMemorySink(options?: MemorySinkOptions): MemorySink;
/**
 * The positional form of {@link createMemorySink}, deprecated: pass an options object,
 * `createMemorySink({ name, limit })`. It is removed in the next minor release.
 * @deprecated Pass an options object: `createMemorySink({ name, limit })`.
 */
export function createMemorySink(name: string, limit?: number): MemorySink;
export function createMemorySink(
  optionsOrName?: MemorySinkOptions | string,
  positionalLimit?: number,
): MemorySink {
  const positional = typeof optionsOrName === 'string';
  const options = positional ? {} : (optionsOrName ?? {});
  if (typeof options !== 'object' || options === null) {
    throw new AlertInputError(
      'options',
      'createMemorySink takes an options object: { name, limit }',
    );
  }
  const name = checkName(positional ? optionsOrName : options.name, 'memory');
  const limit = (positional ? positionalLimit : options.limit) ?? 1_000;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new AlertInputError('limit', `option "limit" must be an integer >= 1 (got ${limit})`);
  }
  const alerts: Alert[] = [];
  return {
    name,
    alerts,
    async send(alert) {
      alerts.push(alert);
      if (alerts.length > limit) alerts.splice(0, alerts.length - limit);
    },
  };
}
