import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import { CircuitOpenError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import { Pipeline } from './pipeline.ts';

const unavailable = () => Object.assign(new Error('503'), { status: 503 });
const outcome = (e: unknown) => (e instanceof CircuitOpenError ? 'circuit_open' : 'failed');

/** `breaker`'s pipeline with a bulkhead of `maxConcurrent` slots and a queue behind them. */
function queued(clock: ManualClock, breaker: CircuitBreaker, maxConcurrent: number, maxQueue: number) {
  return new Pipeline({
    dependency: breaker.dependency,
    clock,
    breaker,
    bulkhead: { maxConcurrent, maxQueue },
    listener: noopListener,
  });
}

it('calls waiting in the bulkhead queue when the breaker opens are refused, not sent to the dependency', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker({
    dependency: 'llm',
    clock,
    trip: { kind: 'consecutive', threshold: 5 },
    listener: noopListener,
  });
  const pipeline = queued(clock, breaker, 5, 50);
  let sentWhileOpen = 0;
  const failing = () =>
    new Promise<never>((_, reject) => {
      if (breaker.state === 'open') sentWhileOpen++;
      clock.setTimeout(() => reject(unavailable()), 100);
    });
  const outcomes = Array.from({ length: 55 }, () => pipeline.execute(failing).then(() => 'ok', outcome));
  await clock.advance(5_000);
  const results = await Promise.all(outcomes);
  assert.equal(breaker.state, 'open');
  assert.equal(sentWhileOpen, 0);
  // Sent while it was closed: the five running, and those whose slot freed before the fifth
  // failure tripped it. Every call still waiting then is refused.
  const failed = results.filter((r) => r === 'failed').length;
  assert.ok(failed >= 5 && failed < 10, `${failed} sent`);
  assert.equal(results.filter((r) => r === 'circuit_open').length, 55 - failed);
});

it('half-open probes waiting in the bulkhead queue when a probe re-opens the breaker are refused', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker({
    dependency: 'llm',
    clock,
    trip: { kind: 'consecutive', threshold: 1 },
    openDurationMs: 1_000,
    halfOpen: { probes: 3, successThreshold: 3 },
    listener: noopListener,
  });
  const pipeline = queued(clock, breaker, 1, 5);
  await pipeline.execute(() => Promise.reject(unavailable())).catch(() => {});
  await clock.advance(1_000);
  assert.equal(breaker.state, 'half_open');
  let sentWhileOpen = 0;
  const failing = () =>
    new Promise<never>((_, reject) => {
      if (breaker.state === 'open') sentWhileOpen++;
      clock.setTimeout(() => reject(unavailable()), 100);
    });
  // Three probes admitted; one runs, two wait for the slot. The first fails and re-opens it.
  const outcomes = Array.from({ length: 3 }, () => pipeline.execute(failing).then(() => 'ok', outcome));
  await clock.advance(500);
  assert.deepEqual(await Promise.all(outcomes), ['failed', 'circuit_open', 'circuit_open']);
  assert.equal(sentWhileOpen, 0);
  assert.equal(breaker.state, 'open');
});

it('calls waiting in the bulkhead queue when the parent breaker opens are refused', async () => {
  const clock = new ManualClock();
  const parent = new CircuitBreaker({
    dependency: 'openai',
    clock,
    trip: { kind: 'consecutive', threshold: 1 },
    listener: noopListener,
  });
  const breaker = new CircuitBreaker({ dependency: 'openai/gpt-4o', clock, parent, listener: noopListener });
  const sibling = new CircuitBreaker({
    dependency: 'openai/gpt-4o-mini',
    clock,
    parent,
    listener: noopListener,
  });
  const pipeline = queued(clock, breaker, 1, 5);
  let sentWhileOpen = 0;
  const slow = () =>
    new Promise<string>((resolve) => {
      if (parent.state === 'open') sentWhileOpen++;
      clock.setTimeout(() => resolve('ok'), 100);
    });
  const outcomes = Array.from({ length: 3 }, () => pipeline.execute(slow).then(() => 'ok', outcome));
  // While two calls wait, the sibling's failure opens the parent.
  await new Pipeline({ dependency: 'openai/gpt-4o-mini', clock, breaker: sibling, listener: noopListener })
    .execute(() => Promise.reject(unavailable()))
    .catch(() => {});
  assert.equal(parent.state, 'open');
  await clock.advance(500);
  assert.deepEqual(await Promise.all(outcomes), ['ok', 'circuit_open', 'circuit_open']);
  assert.equal(sentWhileOpen, 0);
});
