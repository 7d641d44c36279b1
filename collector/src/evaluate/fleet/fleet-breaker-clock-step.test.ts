/**
 * The fleet breaker across steps of the wall clock (NTP, a VM resumed): windows, open periods,
 * ramp steps and signal lifetimes run on monotonic time, so a step changes none of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BreakerSignal, ManualClock } from '@breakwater/protocol';
import { silentLogger } from '../../silent-logger.ts';
import { attemptSpan } from '../../sli/testing/spans.ts';
import { parseFleetConfig } from './config.ts';
import { FleetBreaker } from './fleet-breaker.ts';

const HOUR = 3_600_000;

const calls = (n: number, instances: string[], failed: boolean) =>
  instances.flatMap((i) => Array.from({ length: n }, () => attemptSpan(i, failed)));

function setup() {
  const clock = new ManualClock();
  const fleet = new FleetBreaker({ config: parseFleetConfig({}), clock, logger: silentLogger });
  const signals: BreakerSignal[] = [];
  fleet.onSignal((s) => signals.push(s));
  fleet.start();
  return { clock, fleet, signals };
}

describe('FleetBreaker across a wall-clock step', () => {
  it('an open period lasts openDuration (30 s) after the clock stepped back an hour', async () => {
    const { clock, fleet } = setup();
    fleet.record(calls(10, ['i-1', 'i-2'], true));
    assert.equal(fleet.view()[0]?.state, 'open');
    clock.stepWall(-HOUR);
    await clock.advance(30_000);
    assert.equal(fleet.view()[0]?.state, 'half_open');
  });

  it('still opens on an outage after the clock stepped back further than its windows', async () => {
    const { clock, fleet, signals } = setup();
    for (let s = 0; s < 70; s++) {
      fleet.record(calls(2, ['i-1', 'i-2'], false));
      await clock.advance(1_000);
    }
    clock.stepWall(-HOUR);
    for (let s = 0; s < 15; s++) {
      fleet.record(calls(20, ['i-1', 'i-2', 'i-3'], true));
      await clock.advance(1_000);
    }
    assert.equal(signals.at(-1)?.state, 'open');
  });

  it('ramps to closed with healthy calls after the clock stepped back during the ramp', async () => {
    const { clock, fleet } = setup();
    fleet.record(calls(10, ['i-1', 'i-2'], true));
    await clock.advance(31_000);
    assert.equal(fleet.view()[0]?.allow, 0.1);
    clock.stepWall(-600_000);
    for (let s = 0; s < 60; s++) {
      fleet.record(calls(5, ['i-1', 'i-2'], false));
      await clock.advance(1_000);
    }
    assert.equal(fleet.view()[0]?.state, 'closed');
  });

  it('keeps the open signal active, with the TTL it has left, after the clock stepped forward', async () => {
    const { clock, fleet, signals } = setup();
    fleet.record(calls(10, ['i-1', 'i-2'], true));
    const issued = signals.at(-1)!;
    assert.equal(issued.issuedAt, clock.now(), 'issuedAt is wall time');
    await clock.advance(4_000);
    clock.stepWall(HOUR);
    const active = fleet.activeSignals();
    assert.deepEqual(
      active.map((s) => [s.id, s.state, s.ttlMs]),
      [[issued.id, 'open', issued.ttlMs - 4_000]],
    );
  });
});
