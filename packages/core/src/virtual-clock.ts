import { abortableSleep, type Clock, type ClockTimer } from './clock.js';

/** Options for {@link createVirtualClock}. */
export interface VirtualClockOptions {
  /**
   * The starting time, in milliseconds since the Unix epoch.
   * @default 0
   */
  readonly now?: number;
}

/**
 * A {@link Clock} whose time moves only when a test moves it. Timers fire in due order, and the
 * microtask queue is drained before and after each one, so code that awaits a sleep and then
 * schedules the next one is followed through.
 */
export interface VirtualClock extends Clock {
  /** How many timers are scheduled and not yet run or cleared. */
  readonly pendingTimers: number;
  /** Move time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): Promise<void>;
  /** Jump to the next pending timer and run it (and any due at the same instant). Returns false when none is pending. */
  next(): Promise<boolean>;
  /**
   * Run timers until none is pending, or, when `promise` is given, until it settles. With a
   * promise, each jump in virtual time waits a real millisecond first, and while the promise waits
   * on real I/O (a loopback server, an emulator) with no timer pending, this yields to the event
   * loop in real time, for at most 30 s in all. Throws after `maxTimers` timers
   * (default 10 000), which catches a loop that keeps scheduling forever.
   */
  runAll(promise?: Promise<unknown>, maxTimers?: number): Promise<void>;
}

const REAL_IDLE_LIMIT_MS = 30_000;

interface Entry {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
  cleared: boolean;
}

/** Let every promise reaction queued so far run, including chains that re-queue a few times. */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Create a {@link VirtualClock} for tests.
 *
 * @example
 * ```ts
 * const clock = createVirtualClock();
 * const result = retry(flaky, { clock });
 * await clock.runAll(result);
 * await expect(result).resolves.toBe('ok');
 * ```
 */
export function createVirtualClock(options: VirtualClockOptions = {}): VirtualClock {
  let now = options.now ?? 0;
  if (!Number.isFinite(now))
    throw new RangeError('createVirtualClock: "now" must be a finite number');
  let nextId = 0;
  const timers: Entry[] = [];

  const setTimeoutVirtual = (callback: () => void, ms: number): ClockTimer => {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const entry: Entry = { id: nextId++, due: now + delay, callback, cleared: false };
    // Keep timers ordered by due time, then by insertion, like real timers.
    let index = timers.length;
    while (index > 0 && (timers[index - 1] as Entry).due > entry.due) index--;
    timers.splice(index, 0, entry);
    const timer: ClockTimer = {
      clear() {
        if (entry.cleared) return;
        entry.cleared = true;
        const at = timers.indexOf(entry);
        if (at !== -1) timers.splice(at, 1);
      },
      unref: () => timer,
    };
    return timer;
  };

  const runDue = (upTo: number): boolean => {
    const first = timers[0];
    if (first === undefined || first.due > upTo) return false;
    timers.shift();
    now = Math.max(now, first.due);
    first.cleared = true;
    first.callback();
    return true;
  };

  const clock: VirtualClock = {
    now: () => now,
    sleep: (ms, signal) => abortableSleep(setTimeoutVirtual, ms, signal),
    setTimeout: setTimeoutVirtual,
    get pendingTimers() {
      return timers.length;
    },
    async advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`VirtualClock.advance: ms must be a finite number >= 0 (got ${ms})`);
      }
      const target = now + ms;
      await drainMicrotasks();
      while (runDue(target)) await drainMicrotasks();
      now = target;
      await drainMicrotasks();
    },
    async next() {
      await drainMicrotasks();
      const first = timers[0];
      if (first === undefined) return false;
      const due = first.due;
      while (runDue(due)) await drainMicrotasks();
      return true;
    },
    async runAll(promise, maxTimers = 10_000) {
      let settled = false;
      promise?.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      await drainMicrotasks();
      let idleSince: number | undefined;
      for (let ran = 0; !settled; ) {
        if (ran >= maxTimers) {
          throw new Error(`VirtualClock.runAll: still scheduling after ${maxTimers} timers`);
        }
        if (promise !== undefined && clock.pendingTimers > 0) {
          // Give real I/O in flight (a loopback server answering) a moment before time jumps,
          // so a timeout timer does not fire ahead of a response that is already on its way.
          await new Promise<void>((resolve) => setTimeout(resolve, 1));
          await drainMicrotasks();
          if (settled) break;
        }
        if (await clock.next()) {
          ran++;
          idleSince = undefined;
          continue;
        }
        if (promise === undefined) break;
        // Nothing scheduled in virtual time: the promise waits on real I/O.
        idleSince ??= performance.now();
        if (performance.now() - idleSince > REAL_IDLE_LIMIT_MS) {
          throw new Error(
            `VirtualClock.runAll: the promise has not settled after ${REAL_IDLE_LIMIT_MS} ms of real time with no timer pending`,
          );
        }
        await new Promise<void>((resolve) => setTimeout(resolve, 1));
      }
    },
  };
  return clock;
}
