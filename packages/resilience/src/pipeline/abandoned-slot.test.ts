import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { TimeoutError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import type { TimeoutInput } from './options.ts';
import { Pipeline } from './pipeline.ts';

/** An operation that ignores its signal and runs until `finish()` (a hung tool). */
function hungOperations() {
  let running = 0;
  let peak = 0;
  const finishers: (() => void)[] = [];
  const op = () =>
    new Promise<string>((resolve) => {
      running++;
      peak = Math.max(peak, running);
      finishers.push(() => {
        running--;
        resolve('late');
      });
    });
  return { op, finishNext: () => finishers.shift()?.(), peak: () => peak, running: () => running };
}

/**
 * An aggressive deadline rejects the call at once but cannot stop the operation; the bulkhead
 * slot stays taken until the abandoned operation settles, so `maxConcurrent` bounds the work
 * actually running.
 */
describe('Pipeline: an aggressive deadline keeps the bulkhead slot until the work settles', () => {
  const cases: [string, { attemptTimeout?: TimeoutInput; timeout?: TimeoutInput }][] = [
    ['attempt timeout', { attemptTimeout: { ms: 100, mode: 'aggressive' } }],
    ['call timeout', { timeout: { ms: 100, mode: 'aggressive' } }],
  ];
  for (const [name, timeouts] of cases) {
    it(name, async () => {
      const clock = new ManualClock(0);
      const pipeline = new Pipeline({
        dependency: 'tool/slow',
        clock,
        listener: noopListener,
        ...timeouts,
        bulkhead: { maxConcurrent: 1, maxQueue: 10, queueTimeoutMs: 60_000 },
      });
      const bulkhead = pipeline.bulkhead!;
      const hung = hungOperations();

      const first = pipeline.execute(hung.op).catch((e: unknown) => e);
      await clock.advance(150);
      assert.ok((await first) instanceof TimeoutError, 'the caller gets its timeout on time');
      assert.equal(bulkhead.inFlight, 1, 'the abandoned operation still holds the slot');

      const second = pipeline.execute(hung.op).catch((e: unknown) => e);
      await clock.advance(0);
      assert.equal(bulkhead.queued, 1, 'the next call waits for the slot');
      assert.equal(hung.running(), 1);

      hung.finishNext(); // the abandoned operation settles at last: its slot goes to the waiter
      await clock.advance(0);
      assert.equal(hung.running(), 1);
      assert.equal(bulkhead.inFlight, 1);
      await clock.advance(150);
      hung.finishNext();
      await second;
      await clock.advance(0);
      assert.equal(hung.peak(), 1);
      assert.equal(bulkhead.inFlight, 0);
      assert.equal(bulkhead.queued, 0);
    });
  }

  it('a failure before the deadline releases the slot at once', async () => {
    const clock = new ManualClock(0);
    const pipeline = new Pipeline({
      dependency: 'tool/slow',
      clock,
      listener: noopListener,
      attemptTimeout: { ms: 100, mode: 'aggressive' },
      bulkhead: { maxConcurrent: 1 },
    });
    await assert.rejects(
      pipeline.execute(async () => {
        throw new Error('tool failed');
      }),
      /tool failed/,
    );
    assert.equal(pipeline.bulkhead!.inFlight, 0);
  });
});
