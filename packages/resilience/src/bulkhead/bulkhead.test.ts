import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { BulkheadFullError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import { Bulkhead } from './bulkhead.ts';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('Bulkhead', () => {
  it('limits concurrency and rejects with bulkhead_full when there is no queue', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 2, listener: noopListener });
    const g = gate();
    const running = [bulkhead.execute(() => g.promise), bulkhead.execute(() => g.promise)];
    assert.equal(bulkhead.inFlight, 2);
    const error = await bulkhead.execute(async () => 1).catch((e: unknown) => e);
    assert.ok(error instanceof BulkheadFullError);
    assert.equal(error.reason, 'full');
    assert.equal(error.classification.category, 'bulkhead_full');
    g.open();
    await Promise.all(running);
    assert.equal(bulkhead.inFlight, 0);
    assert.equal(await bulkhead.execute(async () => 3), 3);
  });

  it('queues FIFO up to maxQueue and hands slots over in order', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 2, listener: noopListener });
    const g = gate();
    const order: number[] = [];
    const first = bulkhead.execute(async () => {
      await g.promise;
      order.push(1);
    });
    const second = bulkhead.execute(async () => order.push(2));
    const third = bulkhead.execute(async () => order.push(3));
    assert.equal(bulkhead.queued, 2);
    await assert.rejects(
      bulkhead.execute(async () => 4),
      BulkheadFullError,
    );
    g.open();
    await Promise.all([first, second, third]);
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(bulkhead.inFlight, 0);
  });

  it('a queued call times out with reason queue_timeout and leaves the queue', async () => {
    const clock = new ManualClock(0);
    const bulkhead = new Bulkhead({
      maxConcurrent: 1,
      maxQueue: 1,
      queueTimeoutMs: 500,
      clock,
      listener: noopListener,
    });
    const g = gate();
    const holder = bulkhead.execute(() => g.promise);
    const waiting = bulkhead.execute(async () => 'never').catch((e: unknown) => e);
    await clock.advance(500);
    const error = await waiting;
    assert.ok(error instanceof BulkheadFullError && error.reason === 'queue_timeout');
    assert.equal(bulkhead.queued, 0);
    g.open();
    await holder;
    assert.equal(bulkhead.inFlight, 0);
  });

  it("a queued call leaves the queue when the caller's signal aborts", async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, listener: noopListener });
    const g = gate();
    const holder = bulkhead.execute(() => g.promise);
    const controller = new AbortController();
    const waiting = bulkhead.execute(async () => 1, { signal: controller.signal });
    controller.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    assert.equal(bulkhead.queued, 0);
    g.open();
    await holder;
  });

  it('validates options', () => {
    assert.throws(() => new Bulkhead({ maxConcurrent: 0 }), /Bulkhead: invalid options/);
    assert.throws(() => new Bulkhead({ maxConcurrent: 1, queueTimeoutMs: 0 }), /Bulkhead: invalid options/);
    assert.throws(
      () => new Bulkhead({ maxConcurrent: 1, queueTimeoutMs: Number.NaN }),
      /Bulkhead: invalid options/,
    );
  });

  it('queueTimeoutMs: Infinity waits for a slot however long it takes', async () => {
    const clock = new ManualClock(0);
    const bulkhead = new Bulkhead({
      maxConcurrent: 1,
      maxQueue: 1,
      queueTimeoutMs: Infinity,
      clock,
      listener: noopListener,
    });
    const g = gate();
    const holder = bulkhead.execute(() => g.promise);
    const waiting = bulkhead.execute(async () => 'ran');
    await clock.advance(365 * 24 * 3_600_000);
    assert.equal(bulkhead.queued, 1, 'still waiting a year later');
    g.open();
    await holder;
    assert.equal(await waiting, 'ran');
  });
});
