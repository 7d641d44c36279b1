import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BreakerOverride } from '@breakwater/protocol';
import { ManualClock } from '@breakwater/protocol';
import fc from 'fast-check';
import { CallContext } from '../core/context.ts';
import { CircuitOpenError } from '../core/errors.ts';
import type { BreakerTransitionEvent } from '../telemetry/listener.ts';
import { SERVER_ERROR, VALIDATION } from '../testing/support.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { CircuitBreakerOptions } from './options.ts';
import type { BreakerPermit } from './permit.ts';

type Command =
  | { op: 'admit' }
  | { op: 'succeed' | 'fail' | 'failCaller' | 'release'; index: number }
  | { op: 'advance'; ms: number }
  | { op: 'override'; state: BreakerOverride['state']; allow: number | undefined; ttlMs: number }
  | { op: 'clearOverride' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ op: 'admit' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constantFrom('succeed' as const, 'fail' as const), index: fc.nat(20) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('failCaller' as const, 'release' as const),
      index: fc.nat(20),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('override' as const),
      state: fc.constantFrom('open' as const, 'half_open' as const, 'closed' as const),
      allow: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      ttlMs: fc.integer({ min: -100, max: 5000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'clearOverride' as const }) },
);

const breakerOptions = fc.record({
  trip: fc.oneof(
    fc.record({ kind: fc.constant('consecutive' as const), threshold: fc.integer({ min: 1, max: 4 }) }),
    fc
      .record({
        kind: fc.constant('count' as const),
        size: fc.integer({ min: 2, max: 8 }),
        minimumThroughput: fc.integer({ min: 1, max: 4 }),
        failureRatio: fc.double({ min: 0.1, max: 1, noNaN: true }),
      })
      // A minimum above the window size is refused as invalid options.
      .map((t) => ({ ...t, minimumThroughput: Math.min(t.minimumThroughput, t.size) })),
  ),
  probes: fc.integer({ min: 1, max: 4 }),
  successShare: fc.double({ min: 0, max: 1, noNaN: true }),
  openDurationMs: fc.integer({ min: 1, max: 2000 }),
});

interface Held {
  permit: BreakerPermit;
  ctx: CallContext;
  episode: number;
}

/** Runs commands against a breaker, checking the state-machine invariants after each step. */
type Options = {
  trip: CircuitBreakerOptions['trip'];
  probes: number;
  successShare: number;
  openDurationMs: number;
};

function run(opts: Options, commands: Command[]): void {
  const clock = new ManualClock(1_000_000);
  const successThreshold = Math.max(1, Math.ceil(opts.successShare * opts.probes));
  const transitions: BreakerTransitionEvent[] = [];
  const violations: string[] = [];
  let episode = 0;
  let episodeSuccesses = 0;
  const options: CircuitBreakerOptions = {
    dependency: 'd',
    clock,
    trip: opts.trip,
    openDurationMs: opts.openDurationMs,
    halfOpen: { probes: opts.probes, successThreshold },
    listener: {
      onBreakerTransition(e) {
        transitions.push(e);
        if (e.to === 'half_open' && e.source === 'local') {
          episode++;
          episodeSuccesses = 0;
        }
        // Property: never closes from half-open without the required successes. (Recorded, not
        // asserted here: listeners are guarded, so a throw would be swallowed.)
        if (
          e.from === 'half_open' &&
          e.to === 'closed' &&
          e.source === 'local' &&
          episodeSuccesses < successThreshold
        ) {
          violations.push(`closed after ${episodeSuccesses} probe successes, needs ${successThreshold}`);
        }
      },
    },
  };
  const breaker = new CircuitBreaker(options);
  const held: Held[] = [];
  let override: BreakerOverride | undefined;

  const localProbesInFlight = () =>
    held.filter(
      (h) => h.ctx.breakerState === 'half_open' && h.ctx.breakerSource === 'local' && h.episode === episode,
    ).length;

  for (const c of commands) {
    switch (c.op) {
      case 'admit': {
        const ctx = new CallContext('d');
        try {
          const permit = breaker.admit(ctx);
          held.push({ permit, ctx, episode });
        } catch (error) {
          assert.ok(error instanceof CircuitOpenError);
          // Property: never refuses because of an override that has expired.
          if (error.breakerSource === 'fleet') {
            assert.ok(
              override !== undefined && clock.now() < override.expiresAt,
              'fleet refusal after expiry',
            );
          }
          // With no override in force, the local machine decided.
          if (override === undefined || clock.now() >= override.expiresAt)
            assert.equal(error.breakerSource, 'local');
        }
        break;
      }
      case 'succeed':
      case 'fail':
      case 'failCaller':
      case 'release': {
        if (held.length === 0) break;
        const [h] = held.splice(c.index % held.length, 1) as [Held];
        const isCurrentProbe =
          h.ctx.breakerState === 'half_open' && h.ctx.breakerSource === 'local' && h.episode === episode;
        if (c.op === 'succeed') {
          if (isCurrentProbe) episodeSuccesses++;
          breaker.onSuccess(h.permit);
        } else if (c.op === 'fail') breaker.onFailure(h.permit, SERVER_ERROR);
        else if (c.op === 'failCaller') breaker.onFailure(h.permit, VALIDATION);
        else breaker.release(h.permit);
        break;
      }
      case 'advance':
        clock.set(clock.now() + c.ms);
        break;
      case 'override': {
        const given = {
          state: c.state,
          expiresAt: clock.now() + c.ttlMs,
          ...(c.allow === undefined ? {} : { allow: c.allow }),
        };
        breaker.applyOverride(given);
        // One already expired on arrival has no effect: the override in force (if any) stays.
        if (c.ttlMs > 0) override = given;
        break;
      }
      case 'clearOverride':
        override = undefined;
        breaker.applyOverride(undefined);
        break;
    }
    // Property: never more than N probes admitted (in flight) in one half-open episode.
    assert.ok(
      localProbesInFlight() <= opts.probes,
      `${localProbesInFlight()} probes in flight > ${opts.probes}`,
    );
    // Property: while an override is in force the effective state is the override's, and after it expires
    // the breaker reports a local decision.
    if (override !== undefined && clock.now() < override.expiresAt)
      assert.equal(breaker.state, override.state);
    else assert.equal(breaker.source, 'local');
    // Property: state survives toJSON/restore.
    const copy = CircuitBreaker.fromJSON(JSON.parse(JSON.stringify(breaker.toJSON())), {
      clock,
      trip: opts.trip,
      openDurationMs: opts.openDurationMs,
      halfOpen: { probes: opts.probes, successThreshold },
      listener: {},
    });
    assert.equal(copy.state, breaker.state);
    assert.deepEqual(copy.toJSON(), breaker.toJSON());
    assert.deepEqual(violations, []);
  }
}

describe('CircuitBreaker state machine (property-based)', () => {
  it('holds its invariants for any sequence of calls, outcomes, time and overrides', () => {
    fc.assert(
      fc.property(
        breakerOptions,
        fc.array(command, { minLength: 10, maxLength: 120, size: 'max' }),
        (opts, commands) => run(opts, commands),
      ),
      { numRuns: 400 },
    );
  });

  it('never admits more than N probes nor closes early, without overrides in the way', () => {
    const local = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ op: 'admit' as const }) },
      {
        weight: 3,
        arbitrary: fc.record({ op: fc.constantFrom('succeed' as const, 'fail' as const), index: fc.nat(20) }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), index: fc.nat(20) }) },
      {
        weight: 2,
        arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 300 }) }),
      },
    );
    const options = fc.record({
      trip: fc.constant({ kind: 'consecutive' as const, threshold: 1 }),
      probes: fc.integer({ min: 1, max: 3 }),
      successShare: fc.double({ min: 0, max: 1, noNaN: true }),
      openDurationMs: fc.integer({ min: 1, max: 200 }),
    });
    fc.assert(
      fc.property(options, fc.array(local, { minLength: 10, maxLength: 60, size: 'max' }), (opts, commands) =>
        run(opts, commands),
      ),
      { numRuns: 500 },
    );
  });

  it('an expired override never refuses: a healthy dependency is admitted again', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('open' as const, 'half_open' as const, 'closed' as const),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (state, allow, ttlMs, after) => {
          const clock = new ManualClock(0);
          const breaker = new CircuitBreaker({ clock, listener: {} });
          breaker.applyOverride({ state, expiresAt: ttlMs, ...(allow === undefined ? {} : { allow }) });
          clock.set(ttlMs + after);
          for (let i = 0; i < 20; i++) breaker.onSuccess(breaker.admit());
          assert.equal(breaker.state, 'closed');
        },
      ),
      { numRuns: 300 },
    );
  });
});
