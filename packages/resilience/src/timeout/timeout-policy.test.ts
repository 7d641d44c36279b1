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

  it("a blocked event loop delays a deadline to the first tick after it is due, and no one else's", async () => {
    const clock = new ManualClock(0);
    const expiredAt: number[] = [];
    const queue = new DeadlineQueue(clock, 320, () => expiredAt.push(clock.monotonic() - start));
    const start = clock.monotonic();
    queue.push(new CallContext('d'));
    // 300 ms of synchronous work: no timer runs meanwhile; then a call starts before the late tick.
    clock.set(clock.now() + 300);
    queue.push(new CallContext('d'));
    await clock.advance(0);
    assert.deepEqual(expiredAt, [], 'nothing is due yet');
    await clock.advance(40);
    assert.deepEqual(expiredAt, [320], 'the first fires on its time, not 300 ms late');
    await clock.advance(279);
    assert.deepEqual(expiredAt, [320], 'the one started after the block still gets its whole duration');
    await clock.advance(21);
    assert.deepEqual(expiredAt, [320, 620]);
  });

  it('remainingMs is the time left until the deadline is due', async () => {
    const clock = new ManualClock(0);
    const queue = new DeadlineQueue(clock, 1600, () => {});
    const deadline = queue.push(new CallContext('d'));
    await clock.advance(50);
    assert.equal(queue.remainingMs(deadline), 1550);
    await clock.advance(1600);
    assert.equal(queue.remainingMs(deadline), 0);
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
