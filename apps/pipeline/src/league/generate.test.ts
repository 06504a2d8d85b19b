import { PipewellOptionsError } from '@pipewell/core';
import { catchError } from '@pipewell/core/testing';
import { describe, expect, it } from 'vitest';
import { generateLeague, LeagueOptionsError } from './generate.js';

describe('generateLeague', () => {
  const a = generateLeague({ seed: 42 });
  const b = generateLeague({ seed: 42 });
  const c = generateLeague({ seed: 43 });

  it('gives the same league for the same seed', () => {
    expect(b.players).toEqual(a.players);
    expect(b.games).toEqual(a.games);
    expect([...b.ratings]).toEqual([...a.ratings]);
    for (const game of a.games.filter((_, i) => i % 100 === 0)) {
      expect(b.boxScore(game.gameId)).toEqual(a.boxScore(game.gameId));
      expect(b.props(game.gameId)).toEqual(a.props(game.gameId));
    }
  });

  it('gives a different league for another seed', () => {
    expect(c.players.map((p) => p.fullName)).not.toEqual(a.players.map((p) => p.fullName));
    expect(c.games.map((g) => g.gameCode)).not.toEqual(a.games.map((g) => g.gameCode));
    expect(generateLeague({ seed: 'abc' }).games.map((g) => g.gameCode)).not.toEqual(
      a.games.map((g) => g.gameCode),
    );
  });

  it('reads a seed through its text: 42 and "42" are the same league', () => {
    expect(generateLeague({ seed: '42' }).games).toEqual(a.games);
  });

  it('makes 15 synthetic players a team with distinct names and an id per source', () => {
    expect(a.players).toHaveLength(450);
    for (const team of a.teams) {
      const roster = a.roster(team.tricode);
      expect(roster).toHaveLength(15);
      expect(roster.map((p) => p.slot)).toEqual(Array.from({ length: 15 }, (_, i) => i));
      expect(new Set(roster.map((p) => p.jersey)).size).toBe(15);
    }
    for (const key of ['nbaId', 'bdlId', 'espnId', 'fullName'] as const) {
      expect(new Set(a.players.map((p) => p[key])).size).toBe(450);
    }
    for (const p of a.players) {
      expect(p.fullName).toBe(`${p.firstName} ${p.lastName}`);
      expect(typeof p.espnId).toBe('string');
      expect(p.espnId).toMatch(/^\d+$/);
    }
  });

  it('looks up games by id and by date, and names an unknown game id', () => {
    const game = a.games[10];
    expect(a.game(game?.gameId as string)).toBe(game);
    expect(a.game('0022599999')).toBeUndefined();
    expect(a.gamesOn(game?.date as string)).toContain(game);
    expect(a.gamesOn('2025-07-01')).toEqual([]);
    expect(() => a.boxScore('0022599999')).toThrow(/"0022599999"/);
    expect(() => a.props('nope')).toThrow(/"nope"/);
    expect(() => a.roster('XYZ')).toThrow(/"XYZ"/);
  });

  it('refuses an unknown season or a seed that is not a number or string', async () => {
    const season = await catchError(
      () => generateLeague({ seed: 1, season: '2030-31' as '2025-26' }),
      LeagueOptionsError,
    );
    expect(season.option).toBe('season');
    expect(season.message).toContain('2030-31');
    expect(PipewellOptionsError.isInstance(season)).toBe(true);
    const seed = await catchError(() => generateLeague({ seed: Number.NaN }), LeagueOptionsError);
    expect(seed.option).toBe('seed');
  });
});
