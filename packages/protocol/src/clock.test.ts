import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEEP_ALIVE, MAX_TIMER_MS, ManualClock, systemClock } from './clock.ts';

describe('ManualClock', () => {
  it('fires timers in time order and lets awaited work continue between them', async () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    const cancelled = clock.setTimeout(() => seen.push('never'), 15);
    clock.clearTimeout(cancelled);
    const sleeper = (async () => {
      await new Promise<void>((r) => clock.setTimeout(r, 5));
      seen.push(`woke@${clock.now()}`);
      await new Promise<void>((r) => clock.setTimeout(r, 10));
      seen.push(`woke-again@${clock.now()}`);
    })();
    await clock.advance(25);
    await sleeper;
    assert.deepEqual(seen, ['woke@5', 'a@10', 'woke-again@15', 'b@20']);
    assert.equal(clock.now(), 25);
    assert.equal(clock.pendingTimers, 0);
  });

  it('steps its wall clock without moving monotonic time or firing timers', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const mono = clock.monotonic();
    assert.notEqual(mono, clock.now(), 'the two readings start apart, so mixing them shows in tests');
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 1_000);
    clock.stepWall(-3_600_000);
    assert.equal(clock.now(), 1_700_000_000_000 - 3_600_000);
    assert.equal(clock.monotonic(), mono);
    await clock.advance(1_000);
    assert.equal(fired, true, 'timers run on monotonic time');
    assert.equal(clock.monotonic(), mono + 1_000);
    assert.equal(clock.now(), 1_700_000_000_000 - 3_600_000 + 1_000);
  });
});

describe('systemClock', () => {
  it('unrefs timers by default and keeps the process alive only for keepAlive timers', () => {
    const background = systemClock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    const awaited = systemClock.setTimeout(() => {}, 60_000, KEEP_ALIVE) as NodeJS.Timeout;
    try {
      assert.equal(background.hasRef(), false);
      assert.equal(awaited.hasRef(), true);
    } finally {
      systemClock.clearTimeout(background);
      systemClock.clearTimeout(awaited);
    }
  });

  it('waits the longest a timer can for a longer delay, instead of firing at once', async () => {
    const fired: string[] = [];
    const timers = [Number.POSITIVE_INFINITY, MAX_TIMER_MS + 1, 365 * 86_400_000].map((ms) =>
      systemClock.setTimeout(() => fired.push(String(ms)), ms),
    );
    try {
      // Node fires an overlong timer after 1 ms: 20 ms later, none of these has.
      await new Promise((resolve) => systemClock.setTimeout(() => resolve(undefined), 20, KEEP_ALIVE));
      assert.deepEqual(fired, []);
    } finally {
      for (const t of timers) systemClock.clearTimeout(t);
    }
  });
});

describe('ManualClock keepAlive', () => {
  it('counts pending timers that asked to keep the process alive', async () => {
    const clock = new ManualClock(0);
    clock.setTimeout(() => {}, 10);
    clock.setTimeout(() => {}, 20, { keepAlive: true });
    assert.equal(clock.keepAliveTimers, 1);
    await clock.advance(20);
    assert.equal(clock.keepAliveTimers, 0);
  });
});
