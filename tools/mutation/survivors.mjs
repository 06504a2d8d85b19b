#!/usr/bin/env node
// Lists the mutants a package's last `pnpm mutation` run left alive (survived or not covered),
// one per line with the original source, so each can be reviewed:
//   node tools/mutation/survivors.mjs packages/retry [file-substring]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = '.', only] = process.argv.slice(2);
const report = JSON.parse(readFileSync(join(dir, 'reports/mutation/mutation.json'), 'utf8'));
let count = 0;
const out = [];
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  if (only && !file.includes(only)) continue;
  const lines = source.split('\n');
  for (const m of mutants) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const { start, end } = m.location;
    const original =
      start.line === end.line
        ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
        : `${lines[start.line - 1].slice(start.column - 1)} ...`;
    count += 1;
    out.push(
      `${file}:${start.line}:${start.column} ${m.status} ${m.mutatorName}: ${JSON.stringify(original.slice(0, 120))} -> ${JSON.stringify((m.replacement ?? '').slice(0, 120))}`,
    );
  }
}
out.push(`${count} mutants alive`);
process.stdout.write(`${out.join('\n')}\n`);
