import { PipewellError, type PipewellErrorOptions } from '@pipewell/core';

/**
 * The command line cannot be carried out as given: a malformed date, an unknown phase, a date
 * without games, a missing data directory. The message is the one line the CLI prints.
 */
export class CliInputError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.CliInputError';
  override readonly name: string = 'CliInputError';
  /** The option or argument at fault, such as `'--date'`. */
  readonly option: string;

  /** Create an error about `option`. */
  constructor(option: string, message: string, options?: PipewellErrorOptions) {
    super(message, options);
    this.option = option;
  }
}

/** The provider (or the API an environment variable points to) could not be reached. */
export class ProviderUnreachableError extends PipewellError {
  static override readonly marker: string = '@pipewell/pipeline.ProviderUnreachableError';
  override readonly name: string = 'ProviderUnreachableError';
  /** The URL that could not be fetched. */
  readonly url: string;

  /** Create an error saying `url` could not be fetched. */
  constructor(url: string, message: string, options?: PipewellErrorOptions) {
    super(message, options);
    this.url = url;
  }
}
