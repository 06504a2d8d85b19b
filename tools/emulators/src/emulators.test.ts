import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_REPORT_ENV,
  readEmulatorEvents,
  requireEmulators,
  startFirestoreEmulator,
  startPubSubEmulator,
} from './index.js';

// The run's summary file when the summary reporter is on; otherwise one of our own.
const ownReport = process.env[EMULATOR_REPORT_ENV]
  ? undefined
  : mkdtempSync(join(tmpdir(), 'pipewell-emulators-test-'));
if (ownReport) process.env[EMULATOR_REPORT_ENV] = join(ownReport, 'events.jsonl');
const report = process.env[EMULATOR_REPORT_ENV] as string;

afterAll(() => {
  if (ownReport) rmSync(ownReport, { recursive: true, force: true });
});

const available = requireEmulators('tools/emulators');

describe.skipIf(!available)('startFirestoreEmulator', () => {
  it('starts on loopback, resets, and stops its whole process group', async () => {
    const emulator = await startFirestoreEmulator();
    try {
      expect(emulator.host).toMatch(/^127\.0\.0\.1:\d+$/);
      const response = await fetch(`http://${emulator.host}/`);
      expect(await response.text()).toContain('Ok');
      await emulator.reset();
    } finally {
      await emulator.stop();
    }
    expect(() => process.kill(-emulator.pid, 0)).toThrow();
    await emulator.stop();
    // What the run's emulator summary prints for this suite.
    expect(readEmulatorEvents(report)).toContainEqual({
      event: 'started',
      suite: 'tools/emulators',
      kind: 'Firestore',
      host: emulator.host,
    });
  }, 90_000);
});

describe.skipIf(!available)('startPubSubEmulator', () => {
  it('starts on loopback and stops its whole process group', async () => {
    const emulator = await startPubSubEmulator({ projectId: 'demo-emulators' });
    try {
      const response = await fetch(`http://${emulator.host}/`);
      expect(await response.text()).toContain('Ok');
    } finally {
      await emulator.stop();
    }
    expect(() => process.kill(-emulator.pid, 0)).toThrow();
  }, 90_000);
});
