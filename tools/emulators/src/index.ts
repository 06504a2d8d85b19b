import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';

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

/** Whether the emulators can run here: `gcloud` and `java` on PATH. */
export function emulatorAvailability(): { available: boolean; reason?: string } {
  for (const command of ['gcloud', 'java']) {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    } catch {
      return { available: false, reason: `${command} is not on PATH` };
    }
  }
  return { available: true };
}

/**
 * True when the emulator suites can run. Outside CI a missing emulator skips them with a loud
 * warning; under CI it is an error, so a green CI always means the suites ran.
 */
export function requireEmulators(suite: string): boolean {
  const { available, reason } = emulatorAvailability();
  if (available) return true;
  const message = `${suite}: Google Cloud emulators unavailable (${reason}); install the Google Cloud CLI with its emulator components and Java 17`;
  if (process.env.CI) throw new Error(`${message}. CI requires them.`);
  // biome-ignore lint/suspicious/noConsole: the skip must be loud, and tests have no logger
  console.warn(`\n!!! SKIPPING ${message}\n`);
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

async function start(
  kind: 'firestore' | 'pubsub',
  args: (host: string, projectId: string) => string[],
  options: EmulatorOptions,
): Promise<RunningEmulator> {
  const projectId = options.projectId ?? 'demo-pipewell';
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child: ChildProcess = spawn('gcloud', args(host, projectId), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the ${kind} emulator`);
  // Keep a bounded tail of the output for error messages.
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    if (tail.length > 30) tail.splice(0, tail.length - 30);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
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
      throw new Error(
        `the ${kind} emulator on ${host} ${exited ? 'exited' : 'did not answer in time'}; its last output:\n${tail.join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

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
