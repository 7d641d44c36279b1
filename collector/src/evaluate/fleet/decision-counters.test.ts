import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { STATUS_ERROR } from '../../decode/span-record.ts';
import { silentLogger } from '../../silent-logger.ts';
import { span } from '../../sli/testing/spans.ts';
import { parseFleetConfig } from './config.ts';
import { DecisionCounters } from './decision-counters.ts';
import { FleetBreaker } from './fleet-breaker.ts';

describe('DecisionCounters', () => {
  it('keeps the counters of forgotten keys while there is room, dropping the longest forgotten first', () => {
    const counters = new DecisionCounters(2);
    counters.tracked('a');
    counters.count('a', 'a', undefined, 'open');
    counters.tracked('b');
    counters.count('b', 'b', undefined, 'open');
    counters.untracked('a');
    counters.untracked('b');
    assert.equal(counters.size, 2, 'forgotten keys keep their series while there is room');
    counters.tracked('a'); // back before its counters were dropped: they go on counting
    counters.tracked('c');
    counters.count('c', 'c', undefined, 'open');
    counters.count('a', 'a', undefined, 'closed');
    assert.deepEqual(
      [...counters.values()].map((d) => [d.dependency, d.counts.open, d.counts.closed]),
      [
        ['a', 1, 1],
        ['c', 1, 0],
      ],
    );
    assert.equal(counters.dropped, 1);
  });

  it('stays within maxDependencies keys however many made-up dependencies come and go', async () => {
    const clock = new ManualClock();
    const config = parseFleetConfig({ maxDependencies: 50 });
    const fleet = new FleetBreaker({ config, clock, logger: silentLogger });
    for (let round = 0; round < 4; round++) {
      for (let d = 0; d < 50; d++) {
        const failing = Array.from({ length: 20 }, (_, i) =>
          span({
            dependency: `evil/r${round}-d${d}`,
            role: 'attempt',
            instanceId: `i-${i % 2}`,
            statusCode: STATUS_ERROR,
            errorCategory: 'server_error',
            errorSource: 'dependency',
          }),
        );
        fleet.record(failing);
      }
      // Open → ramp → closed (quiet steps pass), then idle long enough to be forgotten.
      for (let s = 0; s < 400; s++) {
        await clock.advance(1_000);
        fleet.tick();
      }
    }
    assert.equal(fleet.view().length, 0);
    assert.ok(fleet.counters.decisions.size <= 50, `${fleet.counters.decisions.size} keys with counters`);
    assert.equal(fleet.counters.decisions.dropped, 150);
  });
});
