import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { noopListener } from '../telemetry/listener.ts';
import { SERVER_ERROR } from '../testing/support.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { CircuitBreakerOptions } from './options.ts';

const trip = { kind: 'consecutive', threshold: 1 } as const;

/** A breaker of `options` taken half-open, then given `successes` probe successes. */
async function halfOpenWith(
  clock: ManualClock,
  options: CircuitBreakerOptions,
  successes: number,
): Promise<CircuitBreaker> {
  const breaker = new CircuitBreaker({
    dependency: 'llm',
    clock,
    trip,
    openDurationMs: 1_000,
    listener: noopListener,
    ...options,
  });
  breaker.onFailure(breaker.admit(), SERVER_ERROR);
  await clock.advance(1_000);
  for (let i = 0; i < successes; i++) breaker.onSuccess(breaker.admit());
  assert.equal(breaker.state, 'half_open');
  return breaker;
}

describe('restoring a half-open snapshot into a breaker with fewer probes', () => {
  const sources: [string, CircuitBreakerOptions, number][] = [
    ['3 probes, 3 successes to close, 2 so far', { halfOpen: { probes: 3, successThreshold: 3 } }, 2],
    ['a ramp, 5 successes so far', { halfOpen: { ramp: { steps: [1], stepMs: 60_000 } } }, 5],
  ];
  for (const [what, options, successes] of sources) {
    it(`(${what}) lets a probe through and closes on its success, instead of refusing for good`, async () => {
      const clock = new ManualClock();
      const snapshot = (await halfOpenWith(clock, options, successes)).toJSON();
      // The same dependency after a restart with the default half-open rule: one probe.
      const restored = CircuitBreaker.fromJSON(snapshot, { clock, trip, listener: noopListener });
      assert.equal(restored.state, 'half_open');
      const probe = restored.admit();
      restored.onSuccess(probe);
      assert.equal(restored.state, 'closed');
    });
  }

  it('keeps the successes a breaker of the same rule can still use', async () => {
    const clock = new ManualClock();
    const options = { halfOpen: { probes: 3, successThreshold: 3 } };
    const snapshot = (await halfOpenWith(clock, options, 2)).toJSON();
    const restored = CircuitBreaker.fromJSON(snapshot, { clock, trip, listener: noopListener, ...options });
    restored.onSuccess(restored.admit());
    assert.equal(restored.state, 'closed', 'two successes restored, the third closes');
  });
});
