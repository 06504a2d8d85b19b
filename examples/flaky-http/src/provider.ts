import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the provider does to the first requests for a game before it answers properly. */
export type Fault = 503 | 429 | 'drop' | 'missing';

/** A box score in the balldontlie v1 shape, trimmed to what the example prints. */
export interface BoxScore {
  readonly game_id: number;
  readonly home_team: string;
  readonly visitor_team: string;
  readonly home_team_score: number;
  readonly visitor_team_score: number;
}

export interface FlakyProvider {
  readonly url: string;
  /** How many box-score requests each game id received. */
  readonly requests: ReadonlyMap<number, number>;
  /** How many odds requests reached the provider. */
  readonly oddsRequests: () => number;
  close(): Promise<void>;
}

const teams = ['BOS', 'CHI', 'LAL', 'GSW', 'MIA', 'DEN', 'NYK', 'PHX', 'DAL', 'MIL', 'OKC', 'CLE'];

/** A deterministic score so the example prints the same numbers every run. */
export function boxScoreFor(gameId: number): BoxScore {
  return {
    game_id: gameId,
    home_team: teams[gameId % teams.length] as string,
    visitor_team: teams[(gameId * 7 + 3) % teams.length] as string,
    home_team_score: 95 + ((gameId * 37) % 30),
    visitor_team_score: 92 + ((gameId * 53) % 31),
  };
}

/**
 * Start a provider on 127.0.0.1 that fails each game's first requests as `faults` says, then
 * answers `GET /v1/box_scores/:id`. A `'missing'` game answers 404 every time, like a game the
 * real provider lost for a day. `GET /v1/odds/:id` answers 503 while `oddsDown()` is true: a
 * whole-service outage.
 */
export async function startFlakyProvider(
  faults: ReadonlyMap<number, readonly Fault[]>,
  oddsDown: () => boolean = () => false,
): Promise<FlakyProvider> {
  const requests = new Map<number, number>();
  let oddsRequests = 0;
  const server: Server = createServer((req, res) => {
    const odds = /^\/v1\/odds\/(\d+)$/.exec(req.url ?? '');
    if (odds !== null) {
      oddsRequests++;
      if (oddsDown()) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('odds service down');
        return;
      }
      const gameId = Number(odds[1]);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ data: { game_id: gameId, player_points_line: 20.5 + (gameId % 7) } }),
        );
      return;
    }
    const match = /^\/v1\/box_scores\/(\d+)$/.exec(req.url ?? '');
    if (match === null) {
      res.writeHead(404).end();
      return;
    }
    const gameId = Number(match[1]);
    const seen = requests.get(gameId) ?? 0;
    requests.set(gameId, seen + 1);
    const plan = faults.get(gameId) ?? [];
    const fault = plan.includes('missing') ? 'missing' : plan[seen];
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 503) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream busy');
      return;
    }
    if (fault === 429) {
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('slow down');
      return;
    }
    if (fault === 'missing') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"game not found"}');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ data: boxScoreFor(gameId) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    oddsRequests: () => oddsRequests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
