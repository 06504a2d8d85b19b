import { describe, expect, it } from 'vitest';
import { localRemotePath, locateRealApiFixtures } from './real-fixtures-location.js';

const dirs =
  (...existing: string[]) =>
  (path: string) =>
    existing.includes(path);

describe('locateRealApiFixtures', () => {
  it('uses PIPEWELL_REAL_API_FIXTURES when set, and only it', () => {
    const env = { PIPEWELL_REAL_API_FIXTURES: '/data/rec' };
    const sibling = '/work/shared/fixtures/real-api';
    expect(
      locateRealApiFixtures({
        env,
        repoRoot: '/work/main',
        isDirectory: dirs('/data/rec', sibling),
      }),
    ).toEqual({ dir: '/data/rec', looked: ['/data/rec'] });
    expect(
      locateRealApiFixtures({ env, repoRoot: '/work/main', isDirectory: dirs(sibling) }),
    ).toEqual({ dir: undefined, looked: ['/data/rec'] });
  });

  it('looks beside the repository next', () => {
    const location = locateRealApiFixtures({
      env: {},
      repoRoot: '/work/main',
      remoteUrl: () => undefined,
      isDirectory: dirs('/work/shared/fixtures/real-api'),
    });
    expect(location.dir).toBe('/work/shared/fixtures/real-api');
  });

  it('then beside the local path the repository was cloned from', () => {
    const location = locateRealApiFixtures({
      env: {},
      repoRoot: '/tmp/clone',
      remoteUrl: () => '/work/main',
      isDirectory: dirs('/work/shared/fixtures/real-api'),
    });
    expect(location).toEqual({
      dir: '/work/shared/fixtures/real-api',
      looked: ['/tmp/shared/fixtures/real-api', '/work/shared/fixtures/real-api'],
    });
  });

  it('reports every place looked when nothing is found', () => {
    const location = locateRealApiFixtures({
      env: {},
      repoRoot: '/tmp/clone',
      remoteUrl: () => 'git@github.com:o/r.git',
      isDirectory: dirs(),
    });
    expect(location).toEqual({
      dir: undefined,
      looked: [
        '/tmp/shared/fixtures/real-api',
        '(git remote.origin.url git@github.com:o/r.git is not a local path)',
      ],
    });
  });
});

describe('localRemotePath', () => {
  it.each([
    ['/work/main', '/work/main'],
    ['file:///work/main', '/work/main'],
    ['../main', '/work/main'],
    ['https://github.com/o/r.git', undefined],
    ['git@github.com:o/r.git', undefined],
    ['ssh://git@host/r.git', undefined],
  ])('reads %j as %j', (url, path) => {
    expect(localRemotePath(url, '/work/clone')).toBe(path);
  });
});
