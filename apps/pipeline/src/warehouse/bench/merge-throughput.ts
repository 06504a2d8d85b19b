// Merge throughput of the DuckDB warehouse: rows per second for 1k, 10k and 30k rows of a
// box-score-shaped table (20 columns), on ':memory:' and on a file. Prints figures; asserts none.
// Run: npx tsx --conditions=@pipewell/source apps/pipeline/src/warehouse/bench/merge-throughput.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDbWarehouse } from '../duckdb.js';
import { checkRows } from '../rows.js';
import { defineTable, type TableRowInput } from '../table.js';

const boxScores = defineTable({
  name: 'nba_raw.bench_player_boxscores',
  columns: {
    game_key: 'STRING',
    player_id: 'INT64',
    game_date: 'DATE',
    team: 'STRING',
    opponent: 'STRING',
    player_name: 'STRING',
    starter: 'BOOL',
    minutes: 'FLOAT64',
    points: 'INT64',
    rebounds: 'INT64',
    assists: 'INT64',
    steals: 'INT64',
    blocks: 'INT64',
    turnovers: 'INT64',
    fg_made: 'INT64',
    fg_attempted: 'INT64',
    fg3_made: 'INT64',
    plus_minus: 'INT64',
    source: 'JSON',
    loaded_at: 'TIMESTAMP',
  },
  keys: ['game_key', 'player_id'],
  partitionBy: 'game_date',
  description: 'bench: one row per player per game',
});

function rowsOf(count: number, bump: number): TableRowInput<typeof boxScores>[] {
  return Array.from({ length: count }, (_, index) => {
    const game = Math.floor(index / 28);
    const day = String(1 + (game % 28)).padStart(2, '0');
    return {
      game_key: `202601${day}_G${String(game).padStart(4, '0')}`,
      player_id: 1_000 + (index % 28) + game * 28,
      game_date: `2026-01-${day}`,
      team: 'BOS',
      opponent: 'CHI',
      player_name: `Player ${index}`,
      starter: index % 28 < 10,
      minutes: 12.5 + (index % 30),
      points: (index + bump) % 40,
      rebounds: index % 15,
      assists: index % 12,
      steals: index % 4,
      blocks: index % 3,
      turnovers: index % 5,
      fg_made: index % 14,
      fg_attempted: 14,
      fg3_made: index % 6,
      plus_minus: (index % 21) - 10,
      source: { api: 'balldontlie', page: index % 100 },
      loaded_at: new Date(Date.UTC(2026, 0, 25) + index).toISOString(),
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

// CPU time counts DuckDB's worker threads too; wall time is what a caller waits on a busy host.
async function timed(run: () => unknown): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

const phases = ['check', 'insert', 'update', 'same'] as const;

async function measure(
  path: string,
  count: number,
): Promise<Record<(typeof phases)[number], Sample>> {
  const samples = Object.fromEntries(phases.map((phase) => [phase, [] as Sample[]])) as Record<
    (typeof phases)[number],
    Sample[]
  >;
  for (let round = 0; round < 3; round++) {
    const file = path === ':memory:' ? path : `${path}.${count}.${round}`;
    const warehouse = await openDuckDbWarehouse({ path: file });
    await warehouse.ensureTables([boxScores]);
    const first = rowsOf(count, 0);
    const second = rowsOf(count, 1);
    samples.check.push(await timed(() => checkRows(boxScores, first)));
    samples.insert.push(await timed(() => warehouse.merge(boxScores, first)));
    samples.update.push(await timed(() => warehouse.merge(boxScores, second)));
    samples.same.push(await timed(() => warehouse.merge(boxScores, second)));
    await warehouse.close();
  }
  return Object.fromEntries(
    phases.map((phase) => [
      phase,
      {
        wallMs: median(samples[phase].map((sample) => sample.wallMs)),
        cpuMs: median(samples[phase].map((sample) => sample.cpuMs)),
      },
    ]),
  ) as Record<(typeof phases)[number], Sample>;
}

const dir = mkdtempSync(join(tmpdir(), 'pipewell-merge-bench-'));
try {
  console.log(
    `load average ${(await import('node:os'))
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}; medians of 3; ms are wall / CPU; rows/s from wall time`,
  );
  console.log(
    'rows    backend  check (ms)   insert (ms)   rows/s    update (ms)   rows/s    re-merge (ms) rows/s',
  );
  for (const backend of [':memory:', join(dir, 'bench.duckdb')]) {
    for (const count of [1_000, 10_000, 30_000]) {
      const m = await measure(backend, count);
      const ms = (sample: Sample): string =>
        `${sample.wallMs.toFixed(0)} / ${sample.cpuMs.toFixed(0)}`.padEnd(13);
      const rate = (sample: Sample): string =>
        Math.round((count / sample.wallMs) * 1000)
          .toLocaleString('en-US')
          .padEnd(9);
      console.log(
        `${String(count).padEnd(7)} ${(backend === ':memory:' ? 'memory' : 'file').padEnd(8)} ` +
          `${ms(m.check)}${ms(m.insert)} ${rate(m.insert)} ${ms(m.update)} ${rate(m.update)} ${ms(m.same)} ${rate(m.same)}`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
