import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import type { HealthState } from './health-monitor.ts';
import { HealthMonitor } from './health-monitor.ts';
import { TrafficRamp } from './traffic-ramp.ts';

describe('TrafficRamp', () => {
  it('steps up and finishes', () => {
    const ramp = new TrafficRamp({ steps: [0.1, 0.5, 1], stepMs: 100 });
    assert.deepEqual(
      [0, 99, 100, 250, 300, 10_000].map((t) => ramp.fraction(t)),
      [0.1, 0.1, 0.5, 1, 1, 1],
    );
    assert.equal(ramp.done(299), false);
    assert.equal(ramp.done(300), true);
    assert.throws(() => new TrafficRamp({ steps: [0.5, 0.2] }), /must not decrease/);
  });
});

describe('HealthMonitor', () => {
  it('walks healthy → degraded → failed → recovering (ramping) → healthy', async () => {
    const clock = new ManualClock(0);
    const changes: string[] = [];
    let healthy = true;
    const monitor = new HealthMonitor({
      check: () => healthy,
      intervalMs: 1000,
      failedAfter: 2,
      recoverAfter: 2,
      ramp: { steps: [0.25, 1], stepMs: 5000 },
      clock,
      onChange: (from: HealthState, to: HealthState) => changes.push(`${from}>${to}`),
    });
    monitor.start();
    healthy = false;
    await clock.advance(1000);
    assert.equal(monitor.state, 'degraded');
    await clock.advance(1000);
    assert.equal(monitor.state, 'failed');
    assert.equal(monitor.allow(), false);
    healthy = true;
    await clock.advance(2000);
    assert.equal(monitor.state, 'recovering');
    let admitted = 0;
    for (let i = 0; i < 100; i++) if (monitor.allow()) admitted++;
    assert.equal(admitted, 25);
    await clock.advance(10_000);
    assert.equal(monitor.state, 'healthy');
    monitor.stop();
    assert.deepEqual(changes, [
      'healthy>degraded',
      'degraded>failed',
      'failed>recovering',
      'recovering>healthy',
    ]);
    await clock.advance(5000);
    assert.equal(clock.pendingTimers, 0);
  });

  it('a failed check while recovering goes back to failed; a throwing or hanging check fails', async () => {
    const clock = new ManualClock(0);
    const monitor = new HealthMonitor({
      check: async () => true,
      failedAfter: 1,
      recoverAfter: 1,
      checkTimeoutMs: 100,
      clock,
    });
    monitor.record(false);
    assert.equal(monitor.state, 'failed');
    monitor.record(true);
    assert.equal(monitor.state, 'recovering');
    monitor.record(false);
    assert.equal(monitor.state, 'failed');
    const throwing = new HealthMonitor({
      check: () => Promise.reject(new Error('down')),
      failedAfter: 1,
      clock,
    });
    assert.equal(await throwing.checkNow(), 'failed');
    const hanging = new HealthMonitor({
      check: () => new Promise(() => {}),
      failedAfter: 1,
      checkTimeoutMs: 100,
      clock,
    });
    const result = hanging.checkNow();
    await clock.advance(100);
    assert.equal(await result, 'failed');
  });

  it('stop() then start() while a check runs keeps one check loop', async () => {
    const clock = new ManualClock(0);
    let checks = 0;
    let release: (() => void) | undefined;
    const monitor = new HealthMonitor({
      intervalMs: 1000,
      checkTimeoutMs: 60_000,
      clock,
      check: () => {
        checks++;
        // The first check is slow: it is still running across the stop() and start().
        if (checks === 1) return new Promise<boolean>((resolve) => (release = () => resolve(true)));
        return true;
      },
    });
    monitor.start();
    await clock.advance(1000);
    monitor.stop();
    monitor.start();
    release!();
    await clock.advance(0);
    const before = checks;
    await clock.advance(10_000);
    assert.equal(checks - before, 10, 'one check a second, not two');
    monitor.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  it('a throwing onChange is reported once; the check loop goes on, with no unhandled rejection', async () => {
    const clock = new ManualClock(0);
    const unhandled: unknown[] = [];
    const warnings: string[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('unhandledRejection', onUnhandled);
    process.on('warning', onWarning);
    try {
      let healthy = false;
      let checks = 0;
      const monitor = new HealthMonitor({
        intervalMs: 1000,
        failedAfter: 2,
        recoverAfter: 1,
        clock,
        check: () => {
          checks++;
          return healthy;
        },
        onChange: () => {
          throw new Error('dashboard down');
        },
      });
      monitor.start();
      await clock.advance(1000);
      assert.equal(monitor.state, 'degraded');
      await clock.advance(1000);
      assert.equal(monitor.state, 'failed');
      healthy = true;
      await clock.advance(1000);
      assert.equal(monitor.state, 'recovering');
      assert.equal(checks, 3, 'one check a second');
      monitor.stop();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      assert.equal(warnings.filter((w) => w.includes('dashboard down')).length, 1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('warning', onWarning);
    }
  });

  it('a wall-clock step neither stalls nor ends the recovery ramp', async () => {
    for (const step of [-3_600_000, 3_600_000]) {
      const clock = new ManualClock();
      const monitor = new HealthMonitor({
        check: () => true,
        failedAfter: 1,
        recoverAfter: 1,
        ramp: { steps: [0.5, 1], stepMs: 5000 },
        clock,
      });
      monitor.record(false);
      monitor.record(true);
      assert.equal(monitor.state, 'recovering');
      clock.stepWall(step);
      await clock.advance(1000);
      assert.equal(monitor.allowedFraction, 0.5, `step ${step}: 1 s into the ramp`);
      await clock.advance(9000);
      assert.equal(monitor.state, 'healthy', `step ${step}: the 10 s ramp is done`);
    }
  });
});
