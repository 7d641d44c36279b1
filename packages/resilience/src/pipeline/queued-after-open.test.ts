import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import { CircuitOpenError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import { Pipeline } from './pipeline.ts';

it('calls waiting in the bulkhead queue when the breaker opens are refused, not sent to the dependency', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker({
    dependency: 'llm',
    clock,
    trip: { kind: 'consecutive', threshold: 5 },
    listener: noopListener,
  });
  const pipeline = new Pipeline({
    dependency: 'llm',
    clock,
    breaker,
    bulkhead: { maxConcurrent: 5, maxQueue: 50 },
    listener: noopListener,
  });
  let sentWhileOpen = 0;
  const failing = () =>
    new Promise<never>((_, reject) => {
      if (breaker.state === 'open') sentWhileOpen++;
      clock.setTimeout(() => reject(Object.assign(new Error('503'), { status: 503 })), 100);
    });
  const outcomes = Array.from({ length: 55 }, () =>
    pipeline.execute(failing).then(
      () => 'ok',
      (e: unknown) => (e instanceof CircuitOpenError ? 'circuit_open' : 'failed'),
    ),
  );
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
