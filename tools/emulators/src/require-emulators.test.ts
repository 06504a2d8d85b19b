import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  EMULATOR_REPORT_ENV,
  emulatorAvailability,
  readEmulatorEvents,
  requireEmulators,
} from './index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipewell-require-emulators-'));
  dirs.push(dir);
  return dir;
}

/** A PATH directory holding the named commands, executable or not. */
function pathWith(commands: string[], mode = 0o755): string {
  const dir = tempDir();
  for (const command of commands) {
    writeFileSync(join(dir, command), '#!/bin/sh\n');
    chmodSync(join(dir, command), mode);
  }
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('emulatorAvailability', () => {
  it('finds gcloud and java as executables on PATH, without running a shell', () => {
    expect(emulatorAvailability({ PATH: pathWith(['gcloud', 'java']) })).toEqual({
      available: true,
    });
    expect(emulatorAvailability({ PATH: pathWith(['java']) })).toEqual({
      available: false,
      reason: 'gcloud is not on PATH',
    });
    expect(emulatorAvailability({ PATH: pathWith(['gcloud']) })).toEqual({
      available: false,
      reason: 'java is not on PATH',
    });
    expect(emulatorAvailability({ PATH: pathWith(['gcloud', 'java'], 0o644) }).available).toBe(
      false,
    );
    expect(emulatorAvailability({}).available).toBe(false);
  });
});

describe('requireEmulators', () => {
  const noGcloud = (): string => pathWith(['java']);

  it('under CI a missing emulator is an error naming the suite and the reason', () => {
    for (const CI of ['true', '1', 'yes']) {
      expect(() => requireEmulators('suite A', { PATH: noGcloud(), CI })).toThrow(
        'suite A: Google Cloud emulators unavailable (gcloud is not on PATH). CI requires them: install the Google Cloud CLI',
      );
    }
  });

  it('outside CI (CI unset, empty, false or 0) a missing emulator skips with one loud warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const CI of [undefined, '', 'false', 'FALSE', '0']) {
      expect(requireEmulators('suite B', { PATH: noGcloud(), CI })).toBe(false);
    }
    expect(warn).toHaveBeenCalledTimes(5);
    expect(warn.mock.calls[0]?.[0]).toContain(
      '!!! SKIPPING suite B: Google Cloud emulators unavailable (gcloud is not on PATH)',
    );
  });

  it('with the summary reporter listening, records the skip instead of warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const report = join(tempDir(), 'events.jsonl');
    expect(requireEmulators('suite C', { PATH: noGcloud(), [EMULATOR_REPORT_ENV]: report })).toBe(
      false,
    );
    expect(() =>
      requireEmulators('suite D', { PATH: noGcloud(), CI: 'true', [EMULATOR_REPORT_ENV]: report }),
    ).toThrow('CI requires them');
    expect(
      requireEmulators('suite E', {
        PATH: pathWith(['gcloud', 'java']),
        [EMULATOR_REPORT_ENV]: report,
      }),
    ).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    expect(readEmulatorEvents(report)).toEqual([
      {
        event: 'skipped',
        suite: 'suite C',
        reason: 'gcloud is not on PATH',
        hint: expect.stringContaining('install the Google Cloud CLI'),
      },
      {
        event: 'missing',
        suite: 'suite D',
        reason: 'gcloud is not on PATH',
        hint: expect.stringContaining('install the Google Cloud CLI'),
      },
      { event: 'available', suite: 'suite E' },
    ]);
  });

  it('PIPEWELL_EMULATORS=skip skips on purpose, even under CI and with the emulators installed', () => {
    const report = join(tempDir(), 'events.jsonl');
    const env = {
      PATH: pathWith(['gcloud', 'java']),
      CI: 'true',
      PIPEWELL_EMULATORS: 'skip',
      [EMULATOR_REPORT_ENV]: report,
    };
    expect(requireEmulators('suite F', env)).toBe(false);
    expect(readEmulatorEvents(report)).toEqual([
      {
        event: 'skipped',
        suite: 'suite F',
        reason: 'skipped on request (PIPEWELL_EMULATORS=skip)',
      },
    ]);
    expect(requireEmulators('suite G', { ...env, PIPEWELL_EMULATORS: 'auto' })).toBe(true);
    expect(requireEmulators('suite H', { ...env, PIPEWELL_EMULATORS: '' })).toBe(true);
  });

  it('rejects an unknown PIPEWELL_EMULATORS value, naming the variable', () => {
    expect(() => requireEmulators('suite I', { PATH: '', PIPEWELL_EMULATORS: 'off' })).toThrow(
      'PIPEWELL_EMULATORS must be "auto" or "skip", not "off"',
    );
  });
});
