/**
 * Injected time. Every policy, window and timer in Breakwater reads time and schedules work
 * through a {@link Clock}, so tests drive time with {@link ManualClock} instead of sleeping.
 *
 * Two readings, as in Go's `time` package: {@link Clock.now} is wall time, for timestamps that
 * leave the process (signals, alerts, stored buckets, reports); {@link Clock.monotonic} never
 * steps, for every duration and deadline inside it. An NTP step of the wall clock (a VM resumed,
 * a host booted with the wrong time) must not hold a breaker open for an hour or end a TTL early.
 */

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Options of {@link Clock.setTimeout}. */
export interface TimerOptions {
  /**
   * Keep the process alive while the timer is pending (default `false`).
   *
   * Real timers are unref'd by default, so background timers (deadline ticks, health checks,
   * heartbeats, reconnect waits) never hold a process open. Set `keepAlive` for a wait the
   * application itself is blocked on, such as a retry back-off or a bulkhead queue wait: unref'd,
   * such a timer lets a process with nothing else pending exit in the middle of the call, with
   * exit code 0 and the call never finished. Clocks that have no process to keep alive ignore it.
   */
  readonly keepAlive?: boolean;
}

/**
 * Longest delay a Node.js timer can wait: 2^31 − 1 ms (about 24.8 days). A longer `setTimeout`
 * fires after 1 ms instead, so "wait a very long time" would turn into "now".
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** {@link TimerOptions} for a wait the application is blocked on (shared, so passing it allocates nothing). */
export const KEEP_ALIVE: TimerOptions = Object.freeze({ keepAlive: true });

/**
 * Source of time and timers for policies and windows: {@link systemClock} in production,
 * {@link ManualClock} in tests. All values are milliseconds.
 */
export interface Clock {
  /**
   * Wall time: milliseconds since the epoch (may be fractional). It can step backwards or
   * forwards; use it for timestamps other processes read, never to measure a duration.
   */
  now(): number;
  /**
   * Monotonic time in milliseconds from an arbitrary origin: it never steps, so the difference
   * of two readings is elapsed time. Use it for durations, deadlines, TTLs and windows kept in
   * memory; never compare it with {@link now}.
   */
  monotonic(): number;
  /**
   * Runs `fn` after `ms` milliseconds. Real timers are unref'd, so they never keep a process
   * alive, unless `options.keepAlive` is set (see {@link TimerOptions}).
   */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Cancels a pending timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * Changes whether a pending timer keeps the process alive ({@link TimerOptions.keepAlive}),
   * leaving it armed: cheaper than clearing and setting it again. Optional; without it a timer
   * keeps what it was set with.
   */
  keepAlive?(handle: TimerHandle, keepAlive: boolean): void;
}

/**
 * The real clock. A delay beyond {@link MAX_TIMER_MS} waits that long instead, so a timeout or
 * queue wait meant as "practically never" (`Infinity`, a year) does not fire at once.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms, options) {
    const timer = setTimeout(fn, ms > MAX_TIMER_MS ? MAX_TIMER_MS : ms);
    if (options?.keepAlive !== true) timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
  keepAlive(handle, keepAlive) {
    if (keepAlive) (handle as NodeJS.Timeout).ref();
    else (handle as NodeJS.Timeout).unref();
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  keepAlive: boolean;
}

/**
 * Where a {@link ManualClock}'s monotonic time starts: far from any wall time, so code that
 * compares one reading with the other fails its tests instead of passing by coincidence.
 */
const MANUAL_MONOTONIC_ORIGIN = 1_000;

/**
 * A clock that moves only when told. `advance()` fires due timers in time order, letting
 * promise callbacks settle between them so async code under test runs as it would in real time.
 * Its wall and monotonic times move together, except for {@link ManualClock.stepWall}.
 */
export class ManualClock implements Clock {
  private current: number;
  /** Wall time minus monotonic time; changed only by a wall-clock step. */
  private wallOffset: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  /** @param start - Initial wall time, epoch ms. */
  constructor(start = 1_700_000_000_000) {
    this.current = MANUAL_MONOTONIC_ORIGIN;
    this.wallOffset = start - MANUAL_MONOTONIC_ORIGIN;
  }

  now(): number {
    return this.current + this.wallOffset;
  }

  monotonic(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle {
    const timer: ManualTimer = {
      at: this.current + Math.max(0, ms),
      seq: this.seq++,
      fn,
      keepAlive: options?.keepAlive === true,
    };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  keepAlive(handle: TimerHandle, keepAlive: boolean): void {
    (handle as ManualTimer).keepAlive = keepAlive;
  }

  /** Timers scheduled and not yet fired. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Pending timers that asked to keep the process alive ({@link TimerOptions.keepAlive}); a
   * manual clock keeps nothing alive, but tests can check which waits would.
   */
  get keepAliveTimers(): number {
    let n = 0;
    for (const t of this.timers) if (t.keepAlive) n++;
    return n;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.timers.delete(next);
      this.current = next.at;
      next.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /**
   * Sets the wall time without firing timers (for tests of pure time arithmetic); monotonic
   * time moves by as much, forwards or back.
   */
  set(now: number): void {
    this.current += now - this.now();
  }

  /**
   * Steps the wall clock by `ms` (negative: backwards), as NTP does to a clock that was off;
   * monotonic time and timers do not move.
   */
  stepWall(ms: number): void {
    this.wallOffset += ms;
  }

  private nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.at > limit) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets pending promise callbacks run (a macrotask turn drains the microtask queue). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
