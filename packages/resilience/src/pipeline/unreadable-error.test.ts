import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import { Classifier } from '../classify/classifier.ts';
import { noopListener } from '../telemetry/listener.ts';
import { Pipeline } from './pipeline.ts';

// Errors whose reading throws: a revoked Proxy, a Proxy whose traps throw (a mocking library's
// stand-in), an error with a getter that throws (a lazily parsed response).
const unreadable: Record<string, () => unknown> = {
  'a revoked Proxy': () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  'a Proxy whose get trap throws': () =>
    new Proxy(new Error('stand-in'), {
      get() {
        throw new Error('get trap');
      },
    }),
  'a Proxy whose getPrototypeOf trap throws': () =>
    new Proxy(new Error('stand-in'), {
      getPrototypeOf() {
        throw new Error('getPrototypeOf trap');
      },
    }),
  'an error whose status getter throws': () =>
    Object.defineProperty(new Error('lazy'), 'status', {
      get() {
        throw new Error('body already read');
      },
    }),
};

describe('an operation that throws an error that cannot be read', () => {
  for (const [what, make] of Object.entries(unreadable)) {
    it(`(${what}) fails its half-open probe and the call, with that error`, async () => {
      const clock = new ManualClock();
      const breaker = new CircuitBreaker({
        dependency: 'llm',
        clock,
        trip: { kind: 'consecutive', threshold: 1 },
        openDurationMs: 1_000,
        listener: noopListener,
      });
      const pipeline = new Pipeline({ dependency: 'llm', clock, breaker, listener: noopListener });
      await pipeline
        .execute(() => Promise.reject(Object.assign(new Error('503'), { status: 503 })))
        .catch(() => {});
      await clock.advance(1_000);
      assert.equal(breaker.state, 'half_open');

      const thrown = make();
      // (Not `assert.rejects`, which reads the error's fields itself.)
      let caught: unknown;
      await pipeline
        .execute(() => Promise.reject(thrown))
        .catch((error: unknown) => {
          caught = error;
        });
      assert.ok(caught === thrown);
      // The probe was given back (as a failure: nothing says the dependency is well), so the
      // breaker re-opens and probes again after its open duration instead of refusing for good.
      assert.equal(breaker.state, 'open');
      await clock.advance(2_000);
      assert.equal(await pipeline.execute(() => 'ok'), 'ok');
      assert.equal(breaker.state, 'closed');
    });

    it(`(${what}) is classified unknown, not thrown`, () => {
      const thrown = make();
      assert.equal(new Classifier().classify(thrown).category, 'unknown');
      assert.equal(new Classifier().classify(thrown, { dependency: 'tool/search' }).category, 'tool_error');
    });
  }
});
