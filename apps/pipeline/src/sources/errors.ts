import { PipewellError, type PipewellErrorOptions } from '@pipewell/core';

/** One problem found in a provider payload: where it is and what is wrong. */
export interface SourceIssue {
  /** Where in the payload, as `data[3].min` (empty for the payload itself). */
  readonly path: string;
  /** What is wrong, as zod or the parser words it. */
  readonly message: string;
}

/**
 * A provider payload that does not have the shape a scraper needs. It is permanent
 * (`permanent: true`, as `isPermanentError` from `@pipewell/retry` reads it): fetching the same
 * payload again cannot fix it, so the message is dead-lettered instead of retried.
 *
 * The message names the source, the endpoint and the first issue's path, as
 * `balldontlie /v1/stats: data[3].min: Invalid input: expected string, received number`.
 */
export class SourceParseError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.SourceParseError';
  override readonly name: string = 'SourceParseError';
  /** Always true: read by `isPermanentError`. */
  readonly permanent = true as const;
  /** The provider, such as `'balldontlie'`. */
  readonly source: string;
  /** The endpoint whose response failed, such as `'/v1/stats'`. */
  readonly endpoint: string;
  /** Every problem found, the first one in the message. */
  readonly issues: readonly SourceIssue[];

  /** Create an error for `issues` (at least one) in a response of `source` `endpoint`. */
  constructor(
    source: string,
    endpoint: string,
    issues: readonly SourceIssue[],
    options?: PipewellErrorOptions,
  ) {
    const first = issues[0];
    const where = first === undefined || first.path === '' ? '' : `${first.path}: `;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more issues)` : '';
    super(`${source} ${endpoint}: ${where}${first?.message ?? 'invalid payload'}${more}`, options);
    this.source = source;
    this.endpoint = endpoint;
    this.issues = issues;
  }
}

/**
 * A team code, id or name that the team table does not know for that source. Permanent too: the
 * table, not the provider, has to change.
 */
export class UnknownTeamError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.UnknownTeamError';
  override readonly name: string = 'UnknownTeamError';
  /** Always true: read by `isPermanentError`. */
  readonly permanent = true as const;
  /** The code, id or name as the source wrote it. */
  readonly teamCode: string | number;
  /** The source it came from, such as `'espn'`. */
  readonly source: string;

  /** Create an error naming `teamCode` and `source`. */
  constructor(teamCode: string | number, source: string) {
    super(`unknown team ${JSON.stringify(teamCode)} for source "${source}"`);
    this.teamCode = teamCode;
    this.source = source;
  }
}

/** A canonical game key (`YYYYMMDD_AWAY_HOME`) or an NBA.com game code or id that is malformed. */
export class GameKeyError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.GameKeyError';
  override readonly name: string = 'GameKeyError';
  /** Always true: read by `isPermanentError`. */
  readonly permanent = true as const;
  /** The value that could not be read or built. */
  readonly value: string;

  /** Create an error for `value`; `message` says what is wrong with it. */
  constructor(value: string, message: string, options?: PipewellErrorOptions) {
    super(message, options);
    this.value = value;
  }
}
