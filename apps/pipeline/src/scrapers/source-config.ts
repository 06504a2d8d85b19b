import { type Env, readEnv } from '@pipewell/core';

/** The four provider APIs the scrapers read. */
export type SourceName = 'nbaCdn' | 'balldontlie' | 'espn' | 'oddsApi';

/** Where each provider API is and the keys it needs. */
export interface SourceConfig {
  readonly nbaCdn: { readonly baseUrl: string };
  readonly balldontlie: { readonly baseUrl: string; readonly apiKey: string };
  readonly espn: { readonly baseUrl: string };
  readonly oddsApi: { readonly baseUrl: string; readonly apiKey: string };
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/**
 * Read the provider URLs and keys from `NBA_CDN_BASE_URL`, `BALLDONTLIE_BASE_URL`,
 * `BALLDONTLIE_API_KEY`, `ESPN_BASE_URL`, `ODDS_API_BASE_URL` and `ODDS_API_KEY`; each one unset
 * or blank keeps its value in `fallback` (the loopback provider's, in the embedded setup).
 *
 * @example
 * ```ts
 * const config = sourceConfigFromEnv(process.env, {
 *   nbaCdn: { baseUrl: provider.urls.nbaCdn },
 *   balldontlie: { baseUrl: provider.urls.balldontlie, apiKey: 'local' },
 *   espn: { baseUrl: provider.urls.espn },
 *   oddsApi: { baseUrl: provider.urls.oddsApi, apiKey: 'local' },
 * });
 * ```
 */
export function sourceConfigFromEnv(env: Env | undefined, fallback: SourceConfig): SourceConfig {
  const read = readEnv(env);
  const pick = (name: string, otherwise: string) => nonEmpty(read[name]) ?? otherwise;
  return {
    nbaCdn: { baseUrl: pick('NBA_CDN_BASE_URL', fallback.nbaCdn.baseUrl) },
    balldontlie: {
      baseUrl: pick('BALLDONTLIE_BASE_URL', fallback.balldontlie.baseUrl),
      apiKey: pick('BALLDONTLIE_API_KEY', fallback.balldontlie.apiKey),
    },
    espn: { baseUrl: pick('ESPN_BASE_URL', fallback.espn.baseUrl) },
    oddsApi: {
      baseUrl: pick('ODDS_API_BASE_URL', fallback.oddsApi.baseUrl),
      apiKey: pick('ODDS_API_KEY', fallback.oddsApi.apiKey),
    },
  };
}
