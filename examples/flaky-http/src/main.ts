import { runDemo } from './demo.js';

const result = await runDemo({ signal: AbortSignal.timeout(60_000) });

console.log('pipewell example: box scores from a flaky provider on 127.0.0.1\n');
for (const game of result.games) {
  const tries = `${game.attempts} attempt${game.attempts === 1 ? '' : 's'}`;
  if (game.status === 'loaded') {
    const { home_team, visitor_team, home_team_score, visitor_team_score } = game.score;
    console.log(
      `  game ${game.gameId}  loaded  ${tries.padEnd(10)}  ${visitor_team} ${visitor_team_score} @ ${home_team} ${home_team_score}`,
    );
  } else {
    console.log(`  game ${game.gameId}  FAILED  ${tries.padEnd(10)}  ${game.error}`);
  }
}
const loaded = result.games.filter((game) => game.status === 'loaded').length;
console.log(
  `\n${loaded} of ${result.games.length} games loaded with ${result.requests} requests in ${Math.round(result.elapsedMs)} ms; ` +
    'transient faults were retried, the missing game failed at once.',
);

const { outage } = result;
console.log(
  '\nodds during a 0.4 s outage of the odds service, through retry around a circuit breaker:\n',
);
for (const { gameId, pointsLine } of outage.lines)
  console.log(`  game ${gameId}  points line ${pointsLine}`);
console.log(
  `\nbreaker: ${outage.breakerEvents.join(' -> ')}; ${outage.refusedByBreaker} call(s) refused without touching the ` +
    `provider; ${outage.providerRequests} odds requests in all.`,
);

// One game is missing on purpose; anything else failing means the example is broken.
if (loaded !== result.games.length - 1 || outage.lines.length !== 4) process.exitCode = 1;
