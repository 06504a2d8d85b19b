import { PipewellOptionsError } from '@pipewell/core';

/** How bad it is. */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** A link shown with an alert. */
export interface AlertLink {
  readonly text: string;
  readonly url: string;
}

/** What `alert()` takes. */
export interface AlertInput {
  readonly severity: Severity;
  /** One line saying what happened. */
  readonly title: string;
  readonly body?: string;
  /** Name-value pairs shown as a table (processor, data date, run id...). */
  readonly fields?: Readonly<Record<string, string | number | boolean>>;
  /** Alerts with the same key within the dedupe window are delivered once, with a count. */
  readonly key?: string;
  readonly links?: readonly AlertLink[];
}

/** An alert as sinks receive it. */
export interface Alert {
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  readonly body: string | undefined;
  readonly fields: Readonly<Record<string, string>>;
  readonly key: string | undefined;
  readonly links: readonly AlertLink[];
  /** Epoch ms it was raised. */
  readonly at: number;
  /** Alerts held back since the last one that went out: repeats of this key, and rate-limited ones. */
  readonly suppressed: { readonly repeats: number; readonly rateLimited: number };
}

export const severities: readonly Severity[] = ['info', 'warning', 'error', 'critical'];

/**
 * Thrown by `alert()` and the factories for bad input; `option` names what is wrong (an alert
 * field such as `title`, or an option such as `maxAttempts`). A {@link PipewellOptionsError}, like
 * every pipewell options error.
 */
export class AlertInputError extends PipewellOptionsError {
  static override readonly marker = '@pipewell/alerts.AlertInputError';
  override readonly name = 'AlertInputError';

  /** Create an error naming `option`; the message gets the package prefix. */
  constructor(option: string, message: string) {
    super(option, `@pipewell/alerts: ${message}`);
  }

  /**
   * What is wrong: the same as `option`.
   * @deprecated Read `option`, the name every pipewell options error uses; `field` is removed in
   *   the next minor release.
   */
  get field(): string {
    return this.option;
  }
}

/** Validate and normalise an alert; throws {@link AlertInputError} naming the field. */
export function normaliseAlert(
  input: AlertInput,
  id: string,
  at: number,
  suppressed: Alert['suppressed'],
): Alert {
  if (typeof input !== 'object' || input === null)
    throw new AlertInputError('alert', 'alert() needs an object');
  if (!severities.includes(input.severity)) {
    throw new AlertInputError(
      'severity',
      `"severity" must be one of ${severities.join(', ')} (got ${JSON.stringify(input.severity)})`,
    );
  }
  if (typeof input.title !== 'string' || input.title.trim() === '') {
    throw new AlertInputError('title', '"title" must be a non-empty string');
  }
  if (input.body !== undefined && typeof input.body !== 'string') {
    throw new AlertInputError('body', '"body" must be a string');
  }
  if (input.key !== undefined && (typeof input.key !== 'string' || input.key === '')) {
    throw new AlertInputError('key', '"key" must be a non-empty string');
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.fields ?? {})) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new AlertInputError(
        'fields',
        `field ${JSON.stringify(name)} must be a string, number or boolean (got ${typeof value})`,
      );
    }
    fields[name] = String(value);
  }
  const links = (input.links ?? []).map((link, index) => {
    if (
      typeof link?.text !== 'string' ||
      typeof link.url !== 'string' ||
      !/^https?:\/\//.test(link.url)
    ) {
      throw new AlertInputError('links', `link ${index} needs { text, url } with an http(s) url`);
    }
    return { text: link.text, url: link.url };
  });
  return {
    id,
    severity: input.severity,
    title: input.title.trim(),
    body: input.body,
    fields,
    key: input.key,
    links,
    at,
    suppressed,
  };
}
