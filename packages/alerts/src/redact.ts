import type { Logger } from '@pipewell/core';

const REDACTED = '[redacted]';
// Always scrubbed, registered or not: Slack webhook paths and Slack tokens.
const patterns = [/https:\/\/hooks\.slack\.com\/[^\s"'<>]+/g, /xox[abeprs]-[A-Za-z0-9-]+/g];

/** Scrubs secrets out of strings, errors and log fields. */
export interface Redactor {
  /** Register a secret (a webhook URL, a token) to scrub from now on. */
  add(secret: string): void;
  /** The text with every secret (and its URL-encoded form) replaced by `[redacted]`. */
  text(value: string): string;
  /** A deep copy of `value` with secrets scrubbed from every string; errors become plain objects. */
  value(value: unknown): unknown;
  /** A logger that scrubs every message and field before passing it on. */
  logger(logger: Logger): Logger;
}

/**
 * Create a {@link Redactor} seeded with `secrets`.
 *
 * @example
 * ```ts
 * const redactor = createRedactor([process.env.API_TOKEN!]);
 * logger.warn({ err: redactor.value(error) }, redactor.text(message));
 * ```
 */
export function createRedactor(secrets: readonly string[] = []): Redactor {
  const known = new Set<string>();
  const redactor: Redactor = {
    add(secret) {
      if (typeof secret !== 'string' || secret.length < 4) return;
      known.add(secret);
      known.add(encodeURIComponent(secret));
      try {
        // The path of a URL alone is as secret as the whole (Slack webhooks keep the key there).
        const { pathname, search } = new URL(secret);
        if (pathname.length > 8) known.add(pathname + search);
      } catch {
        // Not a URL.
      }
    },
    text(value) {
      let out = value;
      for (const secret of [...known].sort((a, b) => b.length - a.length))
        out = out.split(secret).join(REDACTED);
      for (const pattern of patterns) out = out.replace(pattern, REDACTED);
      return out;
    },
    value(value) {
      const seen = new WeakSet<object>();
      const walk = (v: unknown, depth: number): unknown => {
        if (typeof v === 'string') return redactor.text(v);
        if (typeof v !== 'object' || v === null) return v;
        if (seen.has(v) || depth > 8) return '[circular]';
        seen.add(v);
        if (v instanceof Error) {
          const plain: Record<string, unknown> = {
            name: v.name,
            message: redactor.text(v.message),
          };
          if (v.stack !== undefined) plain.stack = redactor.text(v.stack);
          for (const [k, field] of Object.entries(v)) plain[k] = walk(field, depth + 1);
          if (v.cause !== undefined) plain.cause = walk(v.cause, depth + 1);
          return plain;
        }
        if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
        return Object.fromEntries(
          Object.entries(v).map(([k, field]) => [k, walk(field, depth + 1)]),
        );
      };
      return walk(value, 0);
    },
    logger(logger) {
      const wrap =
        (level: keyof Logger) =>
        (fields: object, message?: string): void => {
          logger[level](
            redactor.value(fields) as object,
            message === undefined ? undefined : redactor.text(message),
          );
        };
      return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
    },
  };
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}
