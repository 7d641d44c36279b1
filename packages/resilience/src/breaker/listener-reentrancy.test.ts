import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitOpenError } from '../core/errors.ts';
import type { BreakerTransitionEvent } from '../telemetry/listener.ts';
import { SERVER_ERROR } from '../testing/support.ts';
import { CircuitBreaker } from './circuit-breaker.ts';

// A call's admission can change the breaker's state (the open period is over, the ramp is done,
// an override has expired), and the listener hears of it before the call is admitted. If it
// isolates the breaker, or a fleet override opens it, from inside that event, the call must be
// refused like every call after it.
const changes = {
  'the open period ends (half-open)': {
    options: {},
    async reach(breaker: CircuitBreaker, clock: ManualClock) {
      breaker.onFailure(breaker.admit(), SERVER_ERROR);
      await clock.advance(1_000);
    },
    is: (e: BreakerTransitionEvent) => e.to === 'half_open',
  },
  'the half-open ramp is done (closed)': {
    options: { halfOpen: { ramp: { steps: [1], stepMs: 100 } } },
    async reach(breaker: CircuitBreaker, clock: ManualClock) {
      breaker.onFailure(breaker.admit(), SERVER_ERROR);
      await clock.advance(1_000);
      breaker.onSuccess(breaker.admit());
      await clock.advance(200);
    },
    is: (e: BreakerTransitionEvent) => e.to === 'closed',
  },
  'a fleet override expires': {
    options: {},
    async reach(breaker: CircuitBreaker, clock: ManualClock) {
      breaker.applyOverride({ state: 'open', expiresAt: clock.now() + 1_000 });
      await clock.advance(1_000);
    },
    is: (e: BreakerTransitionEvent) => e.source === 'fleet' && e.to === 'closed',
  },
};

const reactions = {
  'isolate()': (breaker: CircuitBreaker, _clock: ManualClock) => breaker.isolate(),
  'an open override': (breaker: CircuitBreaker, clock: ManualClock) =>
    breaker.applyOverride({ state: 'open', expiresAt: clock.now() + 60_000 }),
};

describe('a listener that shuts the breaker from inside a transition the admission caused', () => {
  for (const [change, { options, reach, is }] of Object.entries(changes)) {
    for (const [reaction, react] of Object.entries(reactions)) {
      it(`(${change}, ${reaction}) has that very call refused`, async () => {
        const clock = new ManualClock();
        let armed = false;
        const breaker: CircuitBreaker = new CircuitBreaker({
          dependency: 'llm',
          clock,
          trip: { kind: 'consecutive', threshold: 1 },
          openDurationMs: 1_000,
          listener: {
            onBreakerTransition(event) {
              if (!armed || !is(event)) return;
              armed = false;
              react(breaker, clock);
            },
          },
          ...options,
        });
        await reach(breaker, clock);
        armed = true;
        assert.throws(() => breaker.admit(), CircuitOpenError);
        assert.equal(armed, false, 'the listener was told');
      });
    }
  }
});

describe('a listener that isolates the breaker from inside a transition a state read caused', () => {
  it('has the read say isolated', async () => {
    const clock = new ManualClock();
    let armed = false;
    const breaker: CircuitBreaker = new CircuitBreaker({
      dependency: 'llm',
      clock,
      listener: {
        onBreakerTransition() {
          if (!armed) return;
          armed = false;
          breaker.isolate();
        },
      },
    });
    breaker.applyOverride({ state: 'open', expiresAt: clock.now() + 1_000 });
    await clock.advance(1_000);
    armed = true;
    assert.equal(breaker.state, 'isolated');
  });
});
