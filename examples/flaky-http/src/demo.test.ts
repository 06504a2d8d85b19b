import { createVirtualClock } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { demoFaults, demoGameIds, oddsGameIds, runDemo } from './demo.js';
import { boxScoreFor } from './provider.js';

describe('flaky-http example', () => {
  it('loads every game but the missing one, retrying only transient faults', async () => {
    const clock = createVirtualClock();
    const run = runDemo({ clock });
    await clock.runAll(run);
    const result = await run;

    const byId = new Map(result.games.map((game) => [game.gameId, game]));
    for (const gameId of demoGameIds) {
      const game = byId.get(gameId);
      const faults = demoFaults.get(gameId) ?? [];
      if (faults.includes('missing')) {
        expect(game).toMatchObject({ status: 'failed', attempts: 1 });
        expect(game?.status === 'failed' && game.error).toContain('answered 404');
      } else {
        expect(game).toMatchObject({
          status: 'loaded',
          attempts: faults.length + 1,
          score: boxScoreFor(gameId),
        });
      }
    }
    const expectedRequests = demoGameIds.reduce((sum, id) => {
      const faults = demoFaults.get(id) ?? [];
      return sum + (faults.includes('missing') ? 1 : faults.length + 1);
    }, 0);
    expect(result.requests).toBe(expectedRequests);
    // Game 4's 429 asked for a 1 s wait; nothing else waits that long.
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);

    // The odds outage: three failures open the breaker, retry waits out the open period, the
    // probe finds the service back, and the other games go straight through.
    expect(result.outage.lines.map((line) => line.gameId)).toEqual(oddsGameIds);
    expect(result.outage.breakerEvents).toEqual(['open', 'half-open', 'closed']);
    expect(result.outage.refusedByBreaker).toBeGreaterThanOrEqual(1);
    expect(result.outage.providerRequests).toBe(3 + oddsGameIds.length);
  });
});
