/**
 * The status model across steps of the wall clock: fleet signals are shown for the time they
 * have left as the fleet breaker hands them out (monotonic), and budget samples keep being added
 * after the clock stepped back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, type SloStatus } from '@breakwater/protocol';
import { parseFleetConfig } from '../../evaluate/fleet/config.ts';
import { FleetBreaker } from '../../evaluate/fleet/fleet-breaker.ts';
import { silentLogger } from '../../silent-logger.ts';
import { attemptSpan } from '../../sli/testing/spans.ts';
import { StatusModel } from './status-model.ts';
import type { StatusSources } from './types.ts';

const HOUR = 3_600_000;

const failedCalls = (n: number, instances: string[]) =>
  instances.flatMap((instanceId) => Array.from({ length: n }, () => attemptSpan(instanceId, true)));

function slo(budgetRemaining: number): SloStatus {
  return {
    name: 'chat-availability',
    tier: 'business',
    sli: 'availability',
    objective: 0.995,
    window: '30d',
    evaluatedAt: 0,
    groups: [
      {
        service: 'agent',
        windows: [],
        budgetRemaining,
        exhaustionEtaMs: null,
        alerts: [],
        level: 'ok',
        topErrorCategories: [],
        exampleTraceIds: [],
      },
    ],
  };
}

function model(clock: ManualClock, sources: StatusSources): StatusModel {
  return new StatusModel({
    clock,
    logger: silentLogger,
    sources,
    historyCapacity: 10,
    historySeries: 10,
    alertCapacity: 10,
    gateCapacity: 10,
    alertOptions: { levels: true },
  });
}

describe('StatusModel across a wall-clock step', () => {
  it('shows an open fleet signal for the TTL it has left after the clock stepped forward', async () => {
    const clock = new ManualClock();
    const fleet = new FleetBreaker({ config: parseFleetConfig({}), clock, logger: silentLogger });
    fleet.start();
    const status = model(clock, { signals: () => fleet.activeSignals() });
    fleet.record(failedCalls(10, ['i-1', 'i-2']));
    const [issued] = fleet.activeSignals();
    assert.equal(issued?.state, 'open');
    await clock.advance(4_000);
    clock.stepWall(HOUR);
    const snapshot = await status.build();
    assert.deepEqual(
      snapshot.signals.map((s) => [s.id, s.state, s.issuedAt, s.ttlMs]),
      [[issued!.id, 'open', issued!.issuedAt, issued!.ttlMs - 4_000]],
    );
    fleet.stop();
  });

  it('keeps adding budget samples after the clock stepped back (the last one is not overwritten)', async () => {
    const clock = new ManualClock();
    let budget = 0.9;
    const status = model(clock, { slos: () => [slo(budget)] });
    const start = clock.now();
    await status.sample();
    await clock.advance(10_000);
    clock.stepWall(-HOUR);
    budget = 0.8;
    await status.sample();
    await clock.advance(10_000);
    budget = 0.7;
    await status.sample();
    const snapshot = await status.build();
    assert.deepEqual(snapshot.slos[0]?.groups[0]?.budgetHistory, [
      [start, 0.9],
      [start + 10_000, 0.8],
      [start + 20_000, 0.7],
    ]);
  });
});
