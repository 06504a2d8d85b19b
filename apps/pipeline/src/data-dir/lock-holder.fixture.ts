// A process for the lock tests: it opens a data directory, reports on stdout, then waits for a
// line on stdin: "exit" ends the process without closing the directory. Run: node
// --conditions=@pipewell/source --import tsx lock-holder.fixture.ts <path> <command>
import { createInterface } from 'node:readline';
import { openDataDir } from './data-dir.js';

const [path, command] = process.argv.slice(2);
if (path === undefined || command === undefined) {
  throw new Error('usage: lock-holder.fixture.ts <path> <command>');
}
await openDataDir(path, { command });
process.stdout.write(`${JSON.stringify({ locked: path, pid: process.pid })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'exit') process.exit(0);
}
