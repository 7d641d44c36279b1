import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FLEET_POLICY_DEFAULTS } from './config.ts';
import { DependencyBreaker } from './dependency-breaker.ts';

/** The instance ids the breaker's current ramp step remembers, 0 without a step. */
const stepIds = (b: DependencyBreaker): number => {
  const tally = (b as unknown as { tally?: { stats(): { reportingInstances: number } } }).tally;
  return tally?.stats().reportingInstances ?? 0;
};

it('gives back the instance ids of its ramp steps when the ramp ends, closed or open again', () => {
  const p = FLEET_POLICY_DEFAULTS;
  for (const end of ['closed', 'open'] as const) {
    const b = new DependencyBreaker(p, 0);
    let now = 0;
    for (let i = 0; i < 40; i++) b.record(now, true, `i-${i % 4}`, '503');
    assert.equal(b.evaluate(now)?.state, 'open');
    now += p.openDuration;
    assert.equal(b.evaluate(now)?.state, 'half_open');
    // Each step: calls from 900 made-up instances, then judged.
    for (let step = 0; step < p.ramp.length; step++) {
      for (let i = 0; i < 900; i++) b.record(now, end === 'open', `step-${step}-${i}`, '503');
      assert.equal(stepIds(b), 900);
      now += p.stepDuration;
      const t = b.evaluate(now);
      if (end === 'open') {
        assert.equal(t?.state, 'open');
        break;
      }
    }
    assert.equal(b.state, end);
    assert.equal(stepIds(b), 0, `${end}: no step ids kept`);
  }
});
