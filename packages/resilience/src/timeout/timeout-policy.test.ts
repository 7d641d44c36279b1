import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { CallContext } from '../core/context.ts';
import { TimeoutError } from '../core/errors.ts';
import { wrap } from '../core/policy.ts';
import { RetryPolicy } from '../retry/retry-policy.ts';
import { noopListener } from '../telemetry/listener.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { TimeoutPolicy } from './timeout-policy.ts';

/** An operation that settles only when its signal aborts (like a well-behaved HTTP client). */
const honoursSignal = (ctx: CallContext) =>
  new Promise<never>((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
  );

describe('DeadlineQueue', () => {
  it('arms one timer for many deadlines, none when idle, and expires them in order', async () => {
    const clock = new ManualClock(0);
    const expired: number[] = [];
    const queue = new DeadlineQueue(clock, 160, (d) => expired.push(d.ctx.attempt));
    assert.equal(queue.armed, false);
    const ctxs = [0, 1, 2].map((i) => Object.assign(new CallContext('d'), { attempt: i }));
    const first = queue.push(ctxs[0]!);
    await clock.advance(50);
    queue.push(ctxs[1]!);
    const third = queue.push(ctxs[2]!);
    assert.equal(clock.pendingTimers, 1, 'one shared timer');
    queue.remove(third);
    await clock.advance(109);
    assert.deepEqual(expired, [], 'nothing fires before its duration');
    await clock.advance(1);
    assert.deepEqual(expired, [0]);
    assert.ok(first.expired);
    await clock.advance(70);
    assert.deepEqual(expired, [0, 1], 'the second fires within duration·17/16 of its start');
    assert.equal(queue.length, 0);
    await clock.advance(100);
    assert.equal(clock.pendingTimers, 0, 'an empty queue leaves no timer behind');
  });

  it('a deadline pushed while one expires gets a full duration and no second timer', async () => {
    const clock = new ManualClock(0);
    const expiredAt: number[] = [];
    // Like an abort listener that starts a call through the same pipeline.
    const queue: DeadlineQueue = new DeadlineQueue(clock, 160, (d) => {
      expiredAt.push(clock.now());
      if (d.ctx.attempt === 0) queue.push(Object.assign(new CallContext('d'), { attempt: 1 }));
    });
    queue.push(new CallContext('d'));
    await clock.advance(160);
    assert.deepEqual(expiredAt, [160]);
    assert.equal(clock.pendingTimers, 1, 'one shared timer');
    for (let t = 160; t < 320; t += 10) await clock.advance(10);
    assert.deepEqual(expiredAt, [160, 320]);
  });

  it('remainingMs is a lower bound of the time left', async () => {
    const clock = new ManualClock(0);
    const queue = new DeadlineQueue(clock, 1600, () => {});
    const deadline = queue.push(new CallContext('d'));
    await clock.advance(50);
    const left = queue.remainingMs(deadline);
    assert.ok(left <= 1550, `remainingMs ${left} > 1550 ms actually left`);
    assert.ok(left >= 1400, `remainingMs ${left} is within a tick of the time left`);
  });
});

describe('TimeoutPolicy', () => {
  it('the success path creates no AbortController and leaves no timer', async () => {
    const clock = new ManualClock(0);
    const timeout = new TimeoutPolicy({ ms: 1000, clock, listener: noopListener });
    const original = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends original {
      constructor() {
        super();
        created++;
      }
    };
    try {
      for (let i = 0; i < 100; i++) assert.equal(await timeout.execute(async () => i), i);
    } finally {
      globalThis.AbortController = original;
    }
    assert.equal(created, 0);
    await clock.advance(2000);
    assert.equal(clock.pendingTimers, 0);
  });

  it('cooperative: aborts the signal at the deadline and fails with TimeoutError', async () => {
    const clock = new ManualClock(0);
    const timeout = new TimeoutPolicy({ ms: 100, clock, listener: noopListener, dependency: 'tool/search' });
    const result = timeout.execute(honoursSignal);
    const settled = assert.rejects(
      result,
      (e: unknown) => e instanceof TimeoutError && e.scope === 'call' && e.dependency === 'tool/search',
    );
    await clock.advance(120);
    await settled;
  });

  it('cooperative: a result arriving after the deadline is still a timeout', async () => {
    const clock = new ManualClock(0);
    const timeout = new TimeoutPolicy({ ms: 100, clock, listener: noopListener });
    const result = timeout.execute(
      () => new Promise((resolve) => clock.setTimeout(() => resolve('late'), 200)),
    );
    const settled = assert.rejects(result, TimeoutError);
    await clock.advance(250);
    await settled;
  });

  it('aggressive: rejects at the deadline even if the operation ignores its signal', async () => {
    const clock = new ManualClock(0);
    const timeout = new TimeoutPolicy({ ms: 100, mode: 'aggressive', clock, listener: noopListener });
    let signal: AbortSignal | undefined;
    const result = timeout.execute((ctx) => {
      signal = ctx.signal;
      return new Promise(() => {});
    });
    const settled = assert.rejects(result, TimeoutError);
    await clock.advance(110);
    await settled;
    assert.equal(signal?.aborted, true);
  });

  it('inside a retry it is per attempt, and each attempt gets a fresh signal', async () => {
    const clock = new ManualClock(0);
    const chain = wrap(
      new RetryPolicy({ maxAttempts: 3, backoff: new ConstantBackoff(10), clock, listener: noopListener }),
      new TimeoutPolicy({ ms: 100, clock, listener: noopListener }),
    );
    const seen: boolean[] = [];
    const result = chain.execute((ctx) => {
      seen.push(ctx.signal.aborted);
      return ctx.attempt < 2 ? honoursSignal(ctx) : Promise.resolve('ok');
    });
    await clock.advance(400);
    assert.equal(await result, 'ok');
    assert.deepEqual(seen, [false, false, false]);
  });

  it("the caller's signal aborts the operation's signal", async () => {
    const timeout = new TimeoutPolicy({ ms: 10_000, listener: noopListener });
    const controller = new AbortController();
    const result = timeout.execute(honoursSignal, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    await assert.rejects(result, /user gave up/);
  });

  it('validates options', () => {
    assert.throws(() => new TimeoutPolicy({ ms: -1 }), /TimeoutPolicy: invalid options/);
  });
});
