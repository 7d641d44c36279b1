import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { CircuitOpenError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import { recordingListener, SERVER_ERROR, VALIDATION } from '../testing/support.ts';
import { CircuitBreaker } from './circuit-breaker.ts';

function breaker(clock: ManualClock, options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
  return new CircuitBreaker({ dependency: 'openai/gpt-4o', clock, listener: noopListener, ...options });
}

function fail(b: CircuitBreaker, times = 1): void {
  for (let i = 0; i < times; i++) b.onFailure(b.admit(), SERVER_ERROR);
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive dependency failures; a success resets the count', () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 3 } });
    fail(b, 2);
    b.onSuccess(b.admit());
    fail(b, 2);
    assert.equal(b.state, 'closed');
    fail(b);
    assert.equal(b.state, 'open');
    assert.throws(
      () => b.admit(),
      (e: unknown) => e instanceof CircuitOpenError && e.breakerSource === 'local' && e.state === 'open',
    );
  });

  it('a late failure turns a recorded success into a failure, in every kind of window', () => {
    const clock = new ManualClock(0);
    const consecutive = breaker(clock, { trip: { kind: 'consecutive', threshold: 3 } });
    fail(consecutive);
    consecutive.onSuccess(consecutive.admit());
    consecutive.onLateFailure(SERVER_ERROR); // the success was a failure: the streak is 2
    assert.equal(consecutive.state, 'closed');
    consecutive.onSuccess(consecutive.admit());
    consecutive.onLateFailure(SERVER_ERROR);
    assert.equal(consecutive.state, 'open');

    const count = breaker(clock, {
      trip: { kind: 'count', size: 10, minimumThroughput: 4, failureRatio: 0.5 },
    });
    for (let i = 0; i < 4; i++) count.onSuccess(count.admit());
    count.onLateFailure(SERVER_ERROR);
    assert.equal(count.state, 'closed', '1 of 4 failed');
    count.onLateFailure(SERVER_ERROR);
    assert.equal(count.state, 'open', '2 of 4 failed, not 2 of 6');

    const time = breaker(clock, {
      trip: { kind: 'time', windowMs: 10_000, buckets: 10, minimumThroughput: 4, failureRatio: 0.5 },
    });
    for (let i = 0; i < 3; i++) time.onSuccess(time.admit());
    clock.set(1500);
    time.onSuccess(time.admit());
    time.onLateFailure(SERVER_ERROR);
    assert.equal(time.state, 'closed');
    time.onLateFailure(SERVER_ERROR); // amends a success in the older bucket
    assert.equal(time.state, 'open');
  });

  it('a late failure of a success from before the breaker last changed state changes nothing', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 2 }, openDurationMs: 1000 });
    // A long stream admitted while closed; its headers were fine.
    const longStream = b.onSuccess(b.admit());
    fail(b, 2);
    assert.equal(b.state, 'open');
    await clock.advance(1000);
    assert.equal(b.state, 'half_open');
    // Half-open: the old stream breaking now is no news about the dependency's recovery.
    b.onLateFailure(SERVER_ERROR, undefined, longStream);
    assert.equal(b.state, 'half_open');
    b.onSuccess(b.admit());
    assert.equal(b.state, 'closed');
    // Closed again, with a fresh window: it amends no success of the new period either.
    const fresh = b.onSuccess(b.admit());
    fail(b);
    b.onLateFailure(SERVER_ERROR, undefined, longStream);
    assert.equal(b.state, 'closed', 'one failure in the fresh window, not two');
    b.onLateFailure(SERVER_ERROR, undefined, fresh);
    assert.equal(b.state, 'open', 'a call of this period still counts');
  });

  it('a parent told of a late failure from before its own last change of state changes nothing', async () => {
    const clock = new ManualClock(0);
    const parent = breaker(clock, {
      dependency: 'openai',
      trip: { kind: 'consecutive', threshold: 2 },
      openDurationMs: 1000,
    });
    const child = breaker(clock, { dependency: 'openai/gpt-4o', parent });
    const sibling = breaker(clock, { dependency: 'openai/gpt-4o-mini', parent });
    // A long stream of the child, admitted while everything was closed.
    const longStream = child.onSuccess(child.admit());
    // A sibling's outage opens the parent; it recovers through half-open to closed.
    fail(sibling, 2);
    assert.equal(parent.state, 'open');
    await clock.advance(1000);
    assert.equal(parent.state, 'half_open');
    // Old news for the parent: it stays half-open (the child, unchanged, still counts it).
    child.onLateFailure(SERVER_ERROR, undefined, longStream);
    assert.equal(parent.state, 'half_open');
    sibling.onSuccess(sibling.admit());
    assert.equal(parent.state, 'closed');
    // Closed with a fresh window: one new failure, and the old stream amends nothing.
    fail(sibling);
    child.onLateFailure(SERVER_ERROR, undefined, longStream);
    assert.equal(parent.state, 'closed', 'one failure in the parent’s fresh window, not two');
    // A late failure of this period still counts on the parent.
    const fresh = child.onSuccess(child.admit());
    child.onLateFailure(SERVER_ERROR, undefined, fresh);
    assert.equal(parent.state, 'open');
  });

  it('late failures the breaker does not count change nothing', () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 1 } });
    b.onSuccess(b.admit());
    b.onLateFailure(VALIDATION);
    assert.equal(b.state, 'closed');
  });

  it('caller-side failures do not count by default; shouldCount changes that', () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 2 } });
    for (let i = 0; i < 10; i++) b.onFailure(b.admit(), VALIDATION);
    assert.equal(b.state, 'closed');
    const strict = breaker(clock, { trip: { kind: 'consecutive', threshold: 2 }, shouldCount: () => true });
    strict.onFailure(strict.admit(), VALIDATION);
    strict.onFailure(strict.admit(), VALIDATION);
    assert.equal(strict.state, 'open');
  });

  it('count window: failure ratio with a minimum throughput', () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'count', size: 10, minimumThroughput: 6, failureRatio: 0.5 } });
    fail(b, 4);
    assert.equal(b.state, 'closed', 'below minimum throughput');
    b.onSuccess(b.admit());
    assert.equal(b.state, 'closed');
    fail(b);
    assert.equal(b.state, 'open', '5 of 6 failed');
  });

  it('count window slides: old outcomes leave the window', () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'count', size: 4, minimumThroughput: 4, failureRatio: 0.75 } });
    fail(b, 2);
    for (let i = 0; i < 4; i++) b.onSuccess(b.admit());
    fail(b, 2);
    assert.equal(b.state, 'closed', '2 of the last 4 failed');
    fail(b);
    assert.equal(b.state, 'open', '3 of the last 4 failed');
  });

  it('time window: only failures inside the window count', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, {
      trip: { kind: 'time', windowMs: 10_000, buckets: 10, minimumThroughput: 4, failureRatio: 0.5 },
    });
    fail(b, 3);
    await clock.advance(11_000);
    b.onSuccess(b.admit());
    fail(b);
    assert.equal(b.state, 'closed', 'the old failures expired');
    fail(b, 2);
    assert.equal(b.state, 'open');
  });

  it('slow-call ratio trips the breaker even when calls succeed', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, {
      trip: { kind: 'count', size: 10, minimumThroughput: 4, failureRatio: 1 },
      slowCall: { thresholdMs: 1000, ratio: 0.5 },
    });
    for (let i = 0; i < 4; i++) {
      const permit = b.admit();
      await clock.advance(i < 2 ? 1500 : 10);
      b.onSuccess(permit);
    }
    assert.equal(b.state, 'open');
  });

  it('half-open admits N probes and closes after the success threshold', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, {
      trip: { kind: 'consecutive', threshold: 1 },
      openDurationMs: 1000,
      halfOpen: { probes: 2, successThreshold: 2 },
    });
    fail(b);
    assert.throws(() => b.admit(), CircuitOpenError);
    await clock.advance(1000);
    assert.equal(b.state, 'half_open');
    const p1 = b.admit();
    const p2 = b.admit();
    assert.throws(
      () => b.admit(),
      (e: unknown) => e instanceof CircuitOpenError && e.state === 'half_open',
    );
    b.onSuccess(p1);
    assert.equal(b.state, 'half_open');
    assert.throws(
      () => b.admit(),
      CircuitOpenError,
      'no third probe while one is in flight and one succeeded',
    );
    b.onSuccess(p2);
    assert.equal(b.state, 'closed');
  });

  it('a failed probe re-opens with a longer open duration (back-off), capped', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, {
      trip: { kind: 'consecutive', threshold: 1 },
      openDurationMs: 1000,
      maxOpenDurationMs: 3000,
    });
    fail(b);
    const openFor = async (): Promise<number> => {
      let waited = 0;
      while (b.state === 'open') {
        await clock.advance(100);
        waited += 100;
      }
      return waited;
    };
    assert.equal(await openFor(), 1000);
    fail(b);
    assert.equal(await openFor(), 2000);
    fail(b);
    assert.equal(await openFor(), 3000);
    fail(b);
    assert.equal(await openFor(), 3000, 'capped');
    b.onSuccess(b.admit());
    assert.equal(b.state, 'closed');
    fail(b);
    assert.equal(await openFor(), 1000, 'back-off resets after closing');
  });

  it('openBackoff gets the previous open duration on each re-open, 0 on a first open', async () => {
    const clock = new ManualClock(0);
    const previous: number[] = [];
    const b = breaker(clock, {
      trip: { kind: 'consecutive', threshold: 1 },
      openBackoff: {
        delay: (reopens: number, previousMs: number) => {
          previous.push(previousMs);
          return 1000 * (reopens + 1);
        },
      },
    });
    fail(b);
    for (let i = 0; i < 3; i++) {
      await clock.advance(10_000);
      fail(b); // the probe fails: re-open
    }
    assert.deepEqual(previous, [0, 1000, 2000, 3000]);
  });

  it('a late failure of the probe that closed the breaker re-opens it with the next open duration', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 3 }, openDurationMs: 1000 });
    fail(b, 3);
    await clock.advance(1000);
    const probe = b.admit();
    b.onSuccess(probe);
    assert.equal(b.state, 'closed');
    const other = b.admit();
    b.onSuccess(other);
    b.onLateFailure(SERVER_ERROR, probe);
    assert.equal(b.state, 'open', 'counts as a failed probe, not one failure in a fresh window');
    await clock.advance(1999);
    assert.equal(b.state, 'open', 'a re-open: the open duration doubled');
    await clock.advance(1);
    assert.equal(b.state, 'half_open');
    // Once the breaker has moved on, an old probe's late failure is an ordinary late failure.
    const next = b.admit();
    b.onSuccess(next);
    fail(b);
    b.onLateFailure(SERVER_ERROR, probe);
    assert.equal(b.state, 'closed');
    b.onLateFailure(SERVER_ERROR, next);
    assert.equal(b.state, 'open', 'the last probe still re-opens');
  });

  it('a released probe frees its slot; a stale permit changes nothing', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, {
      trip: { kind: 'consecutive', threshold: 1 },
      openDurationMs: 1000,
      openBackoff: new ConstantBackoff(1000),
    });
    const stale = b.admit();
    fail(b);
    await clock.advance(1000);
    const probe = b.admit();
    b.release(probe);
    const again = b.admit();
    b.onSuccess(stale);
    assert.equal(b.state, 'half_open', 'a permit from the closed period is not a probe');
    b.onSuccess(again);
    assert.equal(b.state, 'closed');
  });

  it('half-open with a traffic ramp admits a rising fraction and closes when the ramp completes', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, {
      trip: { kind: 'consecutive', threshold: 1 },
      openDurationMs: 1000,
      halfOpen: { successThreshold: 1, ramp: { steps: [0.25, 0.5], stepMs: 1000 } },
    });
    fail(b);
    await clock.advance(1000);
    let admitted = 0;
    for (let i = 0; i < 100; i++) {
      try {
        b.onSuccess(b.admit());
        admitted++;
      } catch {}
    }
    assert.equal(admitted, 25);
    await clock.advance(1000);
    admitted = 0;
    for (let i = 0; i < 100; i++) {
      try {
        b.onSuccess(b.admit());
        admitted++;
      } catch {}
    }
    assert.equal(admitted, 50);
    assert.equal(b.state, 'half_open');
    await clock.advance(1000);
    b.onSuccess(b.admit());
    assert.equal(b.state, 'closed');
  });

  it('isolate refuses everything, forceClose admits everything, reset clears both', () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 1 } });
    b.isolate();
    assert.equal(b.state, 'isolated');
    assert.throws(
      () => b.admit(),
      (e: unknown) => e instanceof CircuitOpenError && e.state === 'isolated',
    );
    b.forceClose();
    fail(b, 5);
    assert.equal(b.state, 'closed');
    b.reset();
    fail(b);
    assert.equal(b.state, 'open');
  });

  it('fleet override: open refuses with source fleet, allow admits a fraction, expiry restores local behaviour', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock);
    b.applyOverride({ state: 'open', expiresAt: 5000 });
    assert.equal(b.state, 'open');
    assert.equal(b.source, 'fleet');
    assert.throws(
      () => b.admit(),
      (e: unknown) => e instanceof CircuitOpenError && e.breakerSource === 'fleet',
    );
    b.applyOverride({ state: 'half_open', allow: 0.2, expiresAt: 5000 });
    let admitted = 0;
    for (let i = 0; i < 50; i++) {
      try {
        b.onSuccess(b.admit());
        admitted++;
      } catch {}
    }
    assert.equal(admitted, 10);
    await clock.advance(5000);
    assert.equal(b.state, 'closed');
    assert.equal(b.source, 'local');
    for (let i = 0; i < 10; i++) b.onSuccess(b.admit());
  });

  it('a re-sent half_open override keeps counting: a slow replica still admits its share', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock);
    let admitted = 0;
    // 8 calls between re-sends (every 7.5 s, half the TTL) at allow 0.1: fewer than 1/allow.
    for (let resend = 0; resend < 20; resend++) {
      b.applyOverride({ state: 'half_open', allow: 0.1, expiresAt: clock.now() + 15_000 });
      for (let i = 0; i < 8; i++) {
        try {
          b.onSuccess(b.admit());
          admitted++;
        } catch {}
      }
      await clock.advance(7_500);
    }
    assert.equal(admitted, 16);
    // A new fraction starts the count afresh, from a random phase: every other call still.
    b.applyOverride({ state: 'half_open', allow: 0.5, expiresAt: clock.now() + 15_000 });
    const next: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        b.onSuccess(b.admit());
        next.push(true);
      } catch {
        next.push(false);
      }
    }
    assert.ok(
      ['false,true,false,true', 'true,false,true,false'].includes(next.join()),
      `alternates: ${next.join()}`,
    );
  });

  it('quiet replicas of a fleet admit about the allowed fraction between them, not none', () => {
    // 100 replicas making 3 calls each in a 10 % step: from a zero count none would admit one.
    let admitted = 0;
    for (let replica = 0; replica < 100; replica++) {
      const b = breaker(new ManualClock(0));
      b.applyOverride({ state: 'half_open', allow: 0.1, expiresAt: 15_000 });
      for (let i = 0; i < 3; i++) {
        try {
          b.onSuccess(b.admit());
          admitted++;
        } catch {}
      }
    }
    // 30 expected; a binomial(100, 0.3) spread stays within 10..50 with overwhelming odds.
    assert.ok(admitted >= 10 && admitted <= 50, `admitted ${admitted} of 300`);
  });

  it('fleet closed override admits even while the local breaker is open', () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 1 } });
    fail(b);
    b.applyOverride({ state: 'closed', expiresAt: 1000 });
    const ctx = { breakerState: undefined, breakerSource: undefined } as never;
    b.onSuccess(b.admit(ctx));
    assert.deepEqual(
      [(ctx as { breakerState: string }).breakerState, (ctx as { breakerSource: string }).breakerSource],
      ['closed', 'fleet'],
    );
  });

  it('rejects a bad override and changes nothing; an already expired one has no effect', () => {
    const clock = new ManualClock(10_000);
    const b = breaker(clock);
    assert.throws(() => b.applyOverride({ state: 'shut' as 'open', expiresAt: 20_000 }), TypeError);
    assert.throws(() => b.applyOverride({ state: 'open', allow: 2, expiresAt: 20_000 }), TypeError);
    assert.equal(b.state, 'closed');
    b.applyOverride({ state: 'open', expiresAt: 9_000 });
    assert.equal(b.state, 'closed');
    b.onSuccess(b.admit());
    // Nor does it replace an override in force (a stale signal delivered late).
    b.applyOverride({ state: 'open', expiresAt: 20_000, source: 'sig-2' });
    b.applyOverride({ state: 'closed', expiresAt: 9_000, source: 'sig-1' });
    assert.equal(b.state, 'open');
    assert.equal(b.activeOverride?.source, 'sig-2');
  });

  it('parent breaker: an open parent refuses for its children; child outcomes count on the parent', () => {
    const clock = new ManualClock(0);
    const parent = breaker(clock, { dependency: 'openai', trip: { kind: 'consecutive', threshold: 2 } });
    const a = breaker(clock, {
      dependency: 'openai/gpt-4o',
      parent,
      trip: { kind: 'consecutive', threshold: 5 },
    });
    const c = breaker(clock, {
      dependency: 'openai/gpt-4o-mini',
      parent,
      trip: { kind: 'consecutive', threshold: 5 },
    });
    fail(a);
    fail(c);
    assert.equal(parent.state, 'open');
    assert.equal(a.state, 'closed');
    assert.throws(
      () => c.admit(),
      (e: unknown) => e instanceof CircuitOpenError && e.dependency === 'openai',
    );
  });

  it('an open or isolated grandparent refuses calls for its grandchildren', () => {
    const clock = new ManualClock(0);
    const grand = breaker(clock, { dependency: 'openai', trip: { kind: 'consecutive', threshold: 1 } });
    const parent = breaker(clock, { dependency: 'openai/gpt-4o', parent: grand });
    const child = breaker(clock, { dependency: 'openai/gpt-4o/ft-1', parent });
    grand.isolate();
    assert.throws(
      () => child.admit(),
      (e: unknown) => e instanceof CircuitOpenError && e.dependency === 'openai' && e.state === 'isolated',
    );
    grand.reset();
    child.onSuccess(child.admit());
    fail(grand);
    assert.equal(grand.state, 'open');
    assert.throws(
      () => child.admit(),
      (e: unknown) => e instanceof CircuitOpenError && e.dependency === 'openai' && e.state === 'open',
    );
    assert.equal(parent.state, 'closed');
    assert.equal(child.state, 'closed');
  });

  it('reports transitions to its listener with the source', () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const b = new CircuitBreaker({
      clock,
      listener,
      trip: { kind: 'consecutive', threshold: 1 },
      dependency: 'd',
    });
    fail(b);
    b.applyOverride({ state: 'closed', expiresAt: 100 });
    const transitions = listener.calls.filter(([n]) => n === 'onBreakerTransition').map(([, [e]]) => e);
    assert.deepEqual(
      transitions.map((e) => [
        (e as { from: string }).from,
        (e as { to: string }).to,
        (e as { source: string }).source,
      ]),
      [
        ['closed', 'open', 'local'],
        ['open', 'closed', 'fleet'],
      ],
    );
    assert.equal(listener.calls.filter(([n]) => n === 'onRejected').length, 0);
  });

  it('toJSON/restore round-trips and validates', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, {
      trip: { kind: 'count', size: 5, minimumThroughput: 2, failureRatio: 0.5 },
      openDurationMs: 1000,
    });
    b.onSuccess(b.admit());
    fail(b);
    const snapshot = JSON.parse(JSON.stringify(b));
    const copy = CircuitBreaker.fromJSON(snapshot, {
      clock,
      listener: noopListener,
      trip: { kind: 'count', size: 5, minimumThroughput: 2, failureRatio: 0.5 },
    });
    assert.equal(copy.state, 'open');
    assert.deepEqual(copy.toJSON(), b.toJSON());
    await clock.advance(1000);
    assert.equal(copy.state, 'half_open');
    assert.throws(() => copy.restore({ version: 2 }), TypeError);
    assert.equal(copy.state, 'half_open');
  });

  it('restoring a snapshot whose override has expired since changes nothing and reports nothing', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock);
    b.applyOverride({ state: 'open', expiresAt: 1_000, source: 'sig-1' });
    const snapshot = b.toJSON();
    await clock.advance(2_000);
    const listener = recordingListener();
    const copy = new CircuitBreaker({ dependency: 'openai/gpt-4o', clock, listener });
    copy.restore(snapshot);
    assert.equal(copy.state, 'closed');
    assert.equal(copy.activeOverride, undefined);
    assert.deepEqual(
      listener.calls.filter(([name]) => name === 'onBreakerTransition'),
      [],
      'no transition to the expired override state and back',
    );
  });

  it('validates options with a clear message', () => {
    assert.throws(
      () => new CircuitBreaker({ trip: { kind: 'consecutive', threshold: 0 } }),
      /CircuitBreaker: invalid options/,
    );
    assert.throws(
      () => new CircuitBreaker({ halfOpen: { probes: 1, successThreshold: 2 } }),
      /successThreshold/,
    );
    // The window never holds more than `size` calls: such a breaker could never open.
    assert.throws(
      () => new CircuitBreaker({ trip: { kind: 'count', size: 5, minimumThroughput: 6 } }),
      /minimumThroughput must be <= trip\.size/,
    );
  });

  it('count window: the default minimum throughput is at most the window size', () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'count', size: 5 } });
    fail(b, 4);
    assert.equal(b.state, 'closed');
    fail(b);
    assert.equal(b.state, 'open', 'minimumThroughput defaults to min(10, size)');
  });

  it('execute: records outcomes of real calls and refuses when open', async () => {
    const clock = new ManualClock(0);
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 2 } });
    const failing = async () => {
      throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    };
    await assert.rejects(b.execute(failing), /reset/);
    await assert.rejects(b.execute(failing), /reset/);
    await assert.rejects(
      b.execute(async () => 1),
      CircuitOpenError,
    );
  });
});

describe('CircuitOpenError', () => {
  it('gives retryAfterMs in whole milliseconds, rounded up (never early)', async () => {
    const clock = new ManualClock();
    const b = breaker(clock, { trip: { kind: 'consecutive', threshold: 1 }, openDurationMs: 30_000 });
    fail(b);
    await clock.advance(0.788);
    assert.throws(
      () => b.admit(),
      (e: unknown) => e instanceof CircuitOpenError && e.retryAfterMs === 30_000,
    );
    assert.equal(new CircuitOpenError('d', 'open', 'fleet', 9_999.2).retryAfterMs, 10_000);
    assert.equal(new CircuitOpenError('d', 'isolated', 'local').retryAfterMs, undefined);
  });
});
