import { describe, expect, it } from 'vitest';
import { requireEmulators, startFirestoreEmulator, startPubSubEmulator } from './index.js';

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
