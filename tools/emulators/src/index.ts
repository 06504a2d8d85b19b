import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { type EmulatorKind, recordEmulatorEvent } from './report.js';

export {
  EMULATOR_REPORT_ENV,
  type EmulatorEvent,
  type EmulatorKind,
  readEmulatorEvents,
  recordEmulatorEvent,
  summarizeEmulatorSuites,
} from './report.js';

/** An emulator this process started, on 127.0.0.1. */
export interface RunningEmulator {
  /** `127.0.0.1:PORT`, the value for `FIRESTORE_EMULATOR_HOST` / `PUBSUB_EMULATOR_HOST`. */
  readonly host: string;
  readonly port: number;
  readonly projectId: string;
  /** The pid of the emulator's process group leader (gcloud). */
  readonly pid: number;
  /** Delete all data (Firestore only; Pub/Sub has no reset endpoint). */
  reset(): Promise<void>;
  /** Stop the whole process group (gcloud and its Java child). Safe to call twice. */
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** A `demo-` project id means no real project is ever touched. @default 'demo-pipewell' */
  readonly projectId?: string;
  /** How long to wait for the emulator to answer. @default 60000 */
  readonly startTimeoutMs?: number;
}

const EMULATORS_ENV = 'PIPEWELL_EMULATORS';
const INSTALL = 'install the Google Cloud CLI with its emulator components and Java 17';
const INSTALL_HINT = `To run them, ${INSTALL}; under CI=true a missing emulator fails the run.`;

function onPath(command: string, path: string | undefined): boolean {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      const file = join(dir, command);
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

/** `CI=false` and `CI=0` are how people say "not CI", so only other non-empty values count. */
function inCI(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * Whether the emulators can run here: `gcloud` and `java` on the PATH of `env`.
 *
 * @example
 * ```ts
 * const { available, reason } = emulatorAvailability(); // reason: 'gcloud is not on PATH'
 * ```
 */
export function emulatorAvailability(env: NodeJS.ProcessEnv = process.env): {
  available: boolean;
  reason?: string;
} {
  for (const command of ['gcloud', 'java']) {
    if (!onPath(command, env.PATH))
      return { available: false, reason: `${command} is not on PATH` };
  }
  return { available: true };
}

/**
 * The suite that last asked for the emulators in this module instance. vitest isolates each
 * test file's modules, so this names the file's suite when its hooks start an emulator.
 */
let activeSuite: string | undefined;

/**
 * True when the emulator suites can run. Outside CI a missing emulator skips them; under CI
 * (`CI` set to anything but `false` or `0`) it is an error, so a green CI always means the
 * suites ran. `PIPEWELL_EMULATORS=skip` skips them on purpose, CI or not. What happened is
 * recorded for the run's emulator summary (`createEmulatorSummaryReporter`); without that reporter
 * a skip is a loud console warning.
 *
 * @param suite - the name the summary and the messages give this suite
 * @param env - where `PATH`, `CI` and `PIPEWELL_EMULATORS` come from (default `process.env`)
 * @example
 * ```ts
 * const available = requireEmulators('@pipewell/clients Pub/Sub');
 * describe.skipIf(!available)('Pub/Sub against the emulator', () => {});
 * ```
 */
export function requireEmulators(suite: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const mode = env[EMULATORS_ENV] || 'auto';
  if (mode !== 'auto' && mode !== 'skip') {
    throw new Error(`${EMULATORS_ENV} must be "auto" or "skip", not ${JSON.stringify(mode)}`);
  }
  if (mode === 'skip') {
    const reason = `skipped on request (${EMULATORS_ENV}=skip)`;
    if (!recordEmulatorEvent({ event: 'skipped', suite, reason }, env)) {
      // biome-ignore lint/suspicious/noConsole: the skip must be loud, and tests have no logger
      console.warn(`\n!!! SKIPPING ${suite}: ${reason}\n`);
    }
    return false;
  }
  const { available, reason = 'unknown reason' } = emulatorAvailability(env);
  if (available) {
    activeSuite = suite;
    recordEmulatorEvent({ event: 'available', suite }, env);
    return true;
  }
  const message = `${suite}: Google Cloud emulators unavailable (${reason})`;
  if (inCI(env)) {
    recordEmulatorEvent({ event: 'missing', suite, reason, hint: INSTALL_HINT }, env);
    throw new Error(`${message}. CI requires them: ${INSTALL}.`);
  }
  if (!recordEmulatorEvent({ event: 'skipped', suite, reason, hint: INSTALL_HINT }, env)) {
    // biome-ignore lint/suspicious/noConsole: the skip must be loud, and tests have no logger
    console.warn(`\n!!! SKIPPING ${message}. ${INSTALL_HINT}\n`);
  }
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const kindNames: Record<'firestore' | 'pubsub', EmulatorKind> = {
  firestore: 'Firestore',
  pubsub: 'Pub/Sub',
};

async function start(
  kind: 'firestore' | 'pubsub',
  args: (host: string, projectId: string) => string[],
  options: EmulatorOptions,
): Promise<RunningEmulator> {
  const projectId = options.projectId ?? 'demo-pipewell';
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const report = {
    suite: activeSuite ?? 'a suite without requireEmulators',
    kind: kindNames[kind],
    host,
  };
  const child: ChildProcess = spawn('gcloud', args(host, projectId), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
  });
  let exited = false;
  // A failed spawn (gcloud gone since the availability check) reports here, not by a throw.
  child.on('error', () => {
    exited = true;
  });
  child.on('exit', () => {
    exited = true;
  });
  const pid = child.pid;
  if (pid === undefined) {
    const message = `could not start the ${kind} emulator`;
    recordEmulatorEvent({ event: 'start-failed', ...report, message });
    throw new Error(message);
  }
  // Keep a bounded tail of the output for error messages.
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    if (tail.length > 30) tail.splice(0, tail.length - 30);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const onExit = (): void => {
    killGroup(pid, 'SIGKILL');
  };
  process.on('exit', onExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    killGroup(pid, 'SIGTERM');
    for (let waited = 0; waited < 5_000 && groupAlive(pid); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
    child.stdout?.destroy();
    child.stderr?.destroy();
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    try {
      const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) {
        await response.arrayBuffer();
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (exited || Date.now() > deadline) {
      await stop();
      const message = `the ${kind} emulator on ${host} ${exited ? 'exited' : 'did not answer in time'}`;
      recordEmulatorEvent({ event: 'start-failed', ...report, message });
      throw new Error(`${message}; its last output:\n${tail.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  recordEmulatorEvent({ event: 'started', ...report });

  return {
    host,
    port,
    projectId,
    pid,
    stop,
    async reset() {
      if (kind !== 'firestore') return;
      const response = await fetch(
        `http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`,
        { method: 'DELETE' },
      );
      await response.arrayBuffer();
      if (!response.ok)
        throw new Error(`resetting the Firestore emulator failed: HTTP ${response.status}`);
    },
  };
}

/**
 * Start the official Firestore emulator on a free loopback port in its own process group.
 *
 * @example
 * ```ts
 * const emulator = await startFirestoreEmulator();
 * const firestore = new Firestore({ projectId: emulator.projectId, host: '127.0.0.1', port: emulator.port, ssl: false });
 * // ...
 * await emulator.stop();
 * ```
 */
export function startFirestoreEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return start(
    'firestore',
    (host) => ['emulators', 'firestore', 'start', `--host-port=${host}`],
    options,
  );
}

/** Start the official Pub/Sub emulator on a free loopback port in its own process group. */
export function startPubSubEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return start(
    'pubsub',
    (host, projectId) => [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=${host}`,
      `--project=${projectId}`,
    ],
    options,
  );
}

/**
 * The settings that point `new Firestore(...)` (from `@google-cloud/firestore`) at a running
 * emulator, with the emulator's owner credentials.
 */
export function firestoreSettings(emulator: RunningEmulator): {
  projectId: string;
  host: string;
  port: number;
  ssl: false;
  customHeaders: Record<string, string>;
} {
  // No metadata-server probing: there is no Google Cloud here, only the emulator.
  process.env.METADATA_SERVER_DETECTION = 'none';
  return {
    projectId: emulator.projectId,
    host: '127.0.0.1',
    port: emulator.port,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
  };
}
