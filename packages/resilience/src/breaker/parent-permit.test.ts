import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { categoryClassification } from '../classify/classification.ts';
import { CircuitOpenError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import { SERVER_ERROR, VALIDATION } from '../testing/support.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { BreakerPermit } from './permit.ts';

const CANCELLED = categoryClassification('cancelled');

/** A parent breaker that is half-open with one probe slot, and a child that takes it. */
async function halfOpenParent(reportToParent: boolean) {
  const clock = new ManualClock(0);
  const parent = new CircuitBreaker({
    dependency: 'openai',
    clock,
    listener: noopListener,
    trip: { kind: 'consecutive', threshold: 1 },
    openDurationMs: 1000,
  });
  const child = new CircuitBreaker({
    dependency: 'openai/gpt-4o',
    clock,
    listener: noopListener,
    parent,
    reportToParent,
  });
  parent.onFailure(parent.admit(), SERVER_ERROR);
  await clock.advance(1000);
  assert.equal(parent.state, 'half_open');
  const permit = child.admit();
  assert.throws(() => parent.admit(), CircuitOpenError, 'the child holds the parent probe slot');
  return { parent, child, permit };
}

/**
 * Every way a child hands its permit back must give the parent's permit back too; a probe slot
 * kept by mistake leaves a half-open parent refusing every call forever.
 */
describe('CircuitBreaker hierarchy: the parent permit always comes back', () => {
  const outcomes: [string, (child: CircuitBreaker, permit: BreakerPermit) => void][] = [
    ['a counted failure', (child, permit) => child.onFailure(permit, SERVER_ERROR)],
    ['a failure the child does not count', (child, permit) => child.onFailure(permit, VALIDATION)],
    ['a cancelled call', (child, permit) => child.onFailure(permit, CANCELLED)],
    ['a release', (child, permit) => child.release(permit)],
    ['a success', (child, permit) => child.onSuccess(permit)],
  ];
  for (const [name, settle] of outcomes) {
    it(`reportToParent: false, ${name}: the parent admits a probe again`, async () => {
      const { parent, child, permit } = await halfOpenParent(false);
      settle(child, permit);
      assert.equal(parent.state, 'half_open', 'an unreported outcome does not move the parent');
      parent.release(parent.admit());
    });
  }

  it('reportToParent: true, a counted failure re-opens the parent; a non-counted one frees its slot', async () => {
    const counted = await halfOpenParent(true);
    counted.child.onFailure(counted.permit, SERVER_ERROR);
    assert.equal(counted.parent.state, 'open');

    const notCounted = await halfOpenParent(true);
    notCounted.child.onFailure(notCounted.permit, VALIDATION);
    assert.equal(notCounted.parent.state, 'half_open');
    notCounted.parent.release(notCounted.parent.admit());
  });
});
