import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that names the recordings folder outright. */
export const REAL_API_FIXTURES_ENV = 'PIPEWELL_REAL_API_FIXTURES';

/** Where to look, injectable for tests. */
export interface LocateRealFixturesOptions {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default the nearest folder above this file with a pnpm-workspace.yaml */
  readonly repoRoot?: string;
  /** @default `git config --get remote.origin.url` run in `repoRoot` (undefined on failure) */
  readonly remoteUrl?: () => string | undefined;
  /** @default a check that the path is a directory */
  readonly isDirectory?: (path: string) => boolean;
}

/** The folder found, if any, and every place looked, in order. */
export interface RealFixturesLocation {
  readonly dir: string | undefined;
  readonly looked: readonly string[];
}

const sibling = join('..', 'shared', 'fixtures', 'real-api');

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

function gitRemote(repoRoot: string): string | undefined {
  try {
    const url = execFileSync('git', ['config', '--get', 'remote.origin.url'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return url === '' ? undefined : url;
  } catch {
    return undefined;
  }
}

/** The filesystem path a git remote URL names, or undefined for a network remote. */
export function localRemotePath(url: string, repoRoot: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  // scp-like "host:path" and "scheme://" URLs are network remotes.
  if (url.includes('://') || /^[^/]+:/.test(url)) return undefined;
  return isAbsolute(url) ? url : resolve(repoRoot, url);
}

/**
 * Locate the folder of real recorded API responses: `PIPEWELL_REAL_API_FIXTURES` when set (and
 * then only there); else `<repo root>/../shared/fixtures/real-api`; else, when the repository is
 * a clone of a local path, `<that path>/../shared/fixtures/real-api`.
 */
export function locateRealApiFixtures(
  options: LocateRealFixturesOptions = {},
): RealFixturesLocation {
  const env = options.env ?? process.env;
  const isDirectory =
    options.isDirectory ?? ((path: string) => existsSync(path) && statSync(path).isDirectory());
  const explicit = env[REAL_API_FIXTURES_ENV];
  if (explicit !== undefined && explicit !== '') {
    return { dir: isDirectory(explicit) ? explicit : undefined, looked: [explicit] };
  }
  const repoRoot = options.repoRoot ?? findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  const looked: string[] = [];
  const inRepo = resolve(repoRoot, sibling);
  looked.push(inRepo);
  if (isDirectory(inRepo)) return { dir: inRepo, looked };
  const url = (options.remoteUrl ?? (() => gitRemote(repoRoot)))();
  const remote = url === undefined ? undefined : localRemotePath(url, repoRoot);
  if (remote !== undefined) {
    const fromRemote = resolve(remote, sibling);
    looked.push(fromRemote);
    if (isDirectory(fromRemote)) return { dir: fromRemote, looked };
  } else {
    looked.push(
      `(git remote.origin.url ${url === undefined ? 'not set' : `${url} is not a local path`})`,
    );
  }
  return { dir: undefined, looked };
}
