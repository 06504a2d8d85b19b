import { describe, expect, it } from 'vitest';
import { type SourceConfig, sourceConfigFromEnv } from './source-config.js';

const fallback: SourceConfig = {
  nbaCdn: { baseUrl: 'http://127.0.0.1:1/nba-cdn' },
  balldontlie: { baseUrl: 'http://127.0.0.1:1/balldontlie', apiKey: 'local-bdl' },
  espn: { baseUrl: 'http://127.0.0.1:1/espn' },
  oddsApi: { baseUrl: 'http://127.0.0.1:1/odds-api', apiKey: 'local-odds' },
};

describe('sourceConfigFromEnv', () => {
  it('keeps the fallback for every variable unset or blank', () => {
    expect(sourceConfigFromEnv({ NBA_CDN_BASE_URL: '  ', ODDS_API_KEY: '' }, fallback)).toEqual(
      fallback,
    );
  });

  it('reads each URL and key from its own variable', () => {
    const config = sourceConfigFromEnv(
      {
        NBA_CDN_BASE_URL: 'https://cdn.nba.com',
        BALLDONTLIE_BASE_URL: 'https://api.balldontlie.io',
        BALLDONTLIE_API_KEY: 'bdl-real',
        ESPN_BASE_URL: 'https://site.api.espn.com',
        ODDS_API_BASE_URL: 'https://api.the-odds-api.com',
        ODDS_API_KEY: 'odds-real',
      },
      fallback,
    );
    expect(config).toEqual({
      nbaCdn: { baseUrl: 'https://cdn.nba.com' },
      balldontlie: { baseUrl: 'https://api.balldontlie.io', apiKey: 'bdl-real' },
      espn: { baseUrl: 'https://site.api.espn.com' },
      oddsApi: { baseUrl: 'https://api.the-odds-api.com', apiKey: 'odds-real' },
    });
  });

  it('mixes: a key from the environment, the URL from the fallback', () => {
    const config = sourceConfigFromEnv({ BALLDONTLIE_API_KEY: 'bdl-real' }, fallback);
    expect(config.balldontlie).toEqual({
      baseUrl: fallback.balldontlie.baseUrl,
      apiKey: 'bdl-real',
    });
    expect(config.oddsApi).toEqual(fallback.oddsApi);
  });
});
