import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import OpenAI from 'openai';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import { BreakerRegistry } from '../breaker/registry.ts';
import type { CallContext } from '../core/context.ts';
import { BudgetExhaustedError, BulkheadFullError, CircuitOpenError, TimeoutError } from '../core/errors.ts';
import { degradedFallback, staticFallback } from '../fallback/strategies.ts';
import { RetryBudget } from '../retry/budget.ts';
import { noopListener } from '../telemetry/listener.ts';
import { recordingListener } from '../testing/support.ts';
import type { PipelineOptions } from './options.ts';
import { Pipeline } from './pipeline.ts';

const overloaded = () =>
  OpenAI.APIError.generate(
    529,
    { error: { message: 'overloaded', type: 'overloaded_error' } },
    undefined,
    new Headers(),
  );
const honoursSignal = (ctx: CallContext) =>
  new Promise<never>((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
  );

async function drive<T>(clock: ManualClock, promise: Promise<T>, stepMs = 50): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => {});
  for (let i = 0; i < 2000 && !done; i++) await clock.advance(stepMs);
  return tracked;
}

function make<F = never>(clock: ManualClock, options: Partial<PipelineOptions<F>> = {}) {
  return new Pipeline<F>({ dependency: 'openai/gpt-4o', clock, listener: noopListener, ...options });
}

describe('Pipeline', () => {
  it('a call may ask for fewer attempts than the retry policy allows, never more', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, { retry: { maxAttempts: 3, backoff: new ConstantBackoff(10) } });
    const tries = async (maxAttempts?: number) => {
      let n = 0;
      await assert.rejects(
        drive(
          clock,
          pipeline.execute(
            () => {
              n++;
              throw overloaded();
            },
            { maxAttempts },
          ),
        ),
      );
      return n;
    };
    assert.equal(await tries(1), 1);
    assert.equal(await tries(2), 2);
    assert.equal(await tries(5), 3);
    assert.equal(await tries(), 3);
    await assert.rejects(
      pipeline.execute(() => 1, { maxAttempts: 0 }),
      /maxAttempts must be an integer ≥ 1, got 0/,
    );
  });

  it('runs the operation once per attempt with the per-call context', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const pipeline = new Pipeline<never, { user: string }>({
      dependency: 'openai/gpt-4o',
      clock,
      listener,
      retry: { maxAttempts: 3, backoff: new ConstantBackoff(10) },
      breaker: {},
    });
    const seen: [string, number, string | undefined, string | undefined][] = [];
    const result = await drive(
      clock,
      pipeline.execute(
        async (ctx) => {
          seen.push([ctx.dependency, ctx.attempt, ctx.data.user, ctx.breakerState]);
          if (ctx.attempt === 0) throw overloaded();
          return 'answer';
        },
        { data: { user: 'u1' } },
      ),
    );
    assert.equal(result, 'answer');
    assert.deepEqual(seen, [
      ['openai/gpt-4o', 0, 'u1', 'closed'],
      ['openai/gpt-4o', 1, 'u1', 'closed'],
    ]);
    assert.deepEqual(
      listener.calls.map(([n, a]) => (n === 'onCallEnd' ? `${n}:${a[1]}` : n)),
      ['onAttemptFailure', 'onRetry', 'onCallEnd:success'],
    );
  });

  it('each attempt counts on the breaker; once it opens the retry stops with circuit_open', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const pipeline = make(clock, {
      listener,
      retry: { maxAttempts: 5, backoff: new ConstantBackoff(10) },
      breaker: { trip: { kind: 'consecutive', threshold: 2 } },
    });
    let calls = 0;
    const error = await drive(
      clock,
      pipeline.execute(async () => {
        calls++;
        throw overloaded();
      }),
    ).catch((e: unknown) => e);
    assert.equal(calls, 2);
    assert.ok(error instanceof CircuitOpenError);
    assert.equal(error.breakerSource, 'local');
    const end = listener.calls.find(([n]) => n === 'onCallEnd')!;
    assert.equal(end[1][1], 'rejected');
  });

  it('a fleet override refuses through the registry breaker, marked fleet', async () => {
    const clock = new ManualClock(0);
    const breakers = new BreakerRegistry({ clock, listener: noopListener });
    const pipeline = make(clock, { breakers });
    breakers.applyOverride('openai/gpt-4o', { state: 'open', expiresAt: 1000 });
    const error = await pipeline.execute(async () => 1).catch((e: unknown) => e);
    assert.ok(error instanceof CircuitOpenError && error.breakerSource === 'fleet');
    clock.set(1000);
    assert.equal(await pipeline.execute(async () => 2), 2, 'the expired override has no effect');
  });

  it('an empty retry budget fails fast with budget_exhausted', async () => {
    const clock = new ManualClock(0);
    const budget = new RetryBudget({ maxTokens: 2, listener: noopListener });
    const pipeline = make(clock, { retry: { maxAttempts: 4, budget, backoff: new ConstantBackoff(1) } });
    const error = await drive(
      clock,
      pipeline.execute(async () => {
        throw overloaded();
      }),
    ).catch((e: unknown) => e);
    assert.ok(error instanceof BudgetExhaustedError);
  });

  it('attempt timeouts are retried with a fresh signal', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const pipeline = make(clock, {
      listener,
      attemptTimeout: 100,
      retry: { maxAttempts: 3, backoff: new ConstantBackoff(10) },
    });
    const result = drive(
      clock,
      pipeline.execute((ctx) =>
        ctx.attempt === 0 ? honoursSignal(ctx) : Promise.resolve(ctx.signal.aborted),
      ),
    );
    assert.equal(await result, false);
    const failure = listener.calls.find(([n]) => n === 'onAttemptFailure')!;
    assert.equal((failure[1][1] as { category: string }).category, 'timeout');
  });

  it('the call deadline covers retries and back-off and does not sleep past itself', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, {
      timeout: 1000,
      retry: { maxAttempts: 10, backoff: new ConstantBackoff(300) },
    });
    let calls = 0;
    const error = await drive(
      clock,
      pipeline.execute(async () => {
        calls++;
        throw overloaded();
      }),
      10,
    ).catch((e: unknown) => e);
    assert.ok(calls >= 2 && calls <= 4, `calls ${calls}`);
    assert.ok(
      !(error instanceof TimeoutError),
      'fails with the real error rather than sleeping into the deadline',
    );
    assert.equal((error as { status?: number }).status, 529);
    const hanging = pipeline.execute(honoursSignal);
    const timedOut = await drive(clock, hanging).catch((e: unknown) => e);
    assert.ok(timedOut instanceof TimeoutError && timedOut.scope === 'call');
    await clock.advance(5000);
    assert.equal(clock.pendingTimers, 0);
  });

  it('a back-off that may not finish before the call deadline is not attempted', async () => {
    const clock = new ManualClock(0);
    // 1600 ms deadline, ticks of 100 ms: after 50 ms at most 1550 ms are left, whatever the tick.
    const pipeline = make(clock, {
      timeout: 1600,
      retry: { maxAttempts: 2, backoff: new ConstantBackoff(1580) },
    });
    let calls = 0;
    const error = await drive(
      clock,
      pipeline.execute(async () => {
        calls++;
        await new Promise<void>((r) => clock.setTimeout(r, 50));
        throw overloaded();
      }),
      10,
    ).catch((e: unknown) => e);
    assert.equal(calls, 1);
    assert.equal((error as { status?: number }).status, 529, 'the real error, not TimeoutError(call)');
  });

  it('adaptive retry counts only calls that failed at the dependency', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, {
      retry: { maxAttempts: 3, backoff: new ConstantBackoff(1), adaptive: { failuresPerStep: 2 } },
    });
    for (let i = 0; i < 2; i++) {
      const controller = new AbortController();
      const cancelled = pipeline.execute(honoursSignal, { signal: controller.signal });
      controller.abort(new Error('user left'));
      await assert.rejects(cancelled);
      await assert.rejects(
        pipeline.execute(async () => {
          throw OpenAI.APIError.generate(400, { error: { message: 'bad' } }, undefined, new Headers());
        }),
      );
    }
    assert.equal(pipeline.retry!.attempts, 3, 'cancellations and bad requests say nothing of the dependency');
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        drive(
          clock,
          pipeline.execute(async () => {
            throw overloaded();
          }),
        ),
      );
    }
    assert.equal(pipeline.retry!.attempts, 2);
  });

  it('a caller abort is not retried', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, { retry: { maxAttempts: 5 } });
    const controller = new AbortController();
    let calls = 0;
    const result = pipeline.execute(
      (ctx) => {
        calls++;
        return honoursSignal(ctx);
      },
      { signal: controller.signal },
    );
    controller.abort();
    await assert.rejects(result, { name: 'AbortError' });
    assert.equal(calls, 1);
  });

  it('a full bulkhead gives back the half-open probe slot', async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({
      clock,
      listener: noopListener,
      trip: { kind: 'consecutive', threshold: 1 },
      openDurationMs: 100,
    });
    const pipeline = make(clock, { breaker, bulkhead: { maxConcurrent: 1 } });
    await assert.rejects(
      pipeline.execute(async () => {
        throw overloaded();
      }),
    );
    await clock.advance(100);
    let release!: () => void;
    const holder = new Pipeline({
      dependency: 'x',
      clock,
      listener: noopListener,
      bulkhead: pipeline.bulkhead!,
    });
    const held = holder.execute(() => new Promise<void>((r) => (release = r)));
    await assert.rejects(
      pipeline.execute(async () => 1),
      BulkheadFullError,
    );
    release();
    await held;
    assert.equal(await pipeline.execute(async () => 'probe'), 'probe');
    assert.equal(breaker.state, 'closed');
  });

  it('fallback is outermost: it answers for refusals and failures, reported as outcome fallback', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const pipeline = make(clock, { listener, fallback: staticFallback('cached answer', 'canned') });
    let captured: CallContext | undefined;
    const result = await pipeline.execute(async (ctx) => {
      captured = ctx;
      throw overloaded();
    });
    assert.equal(result, 'cached answer');
    assert.equal(captured?.fallback, 'canned');
    const end = listener.calls.find(([n]) => n === 'onCallEnd')!;
    assert.equal(end[1][1], 'fallback');
  });

  it('the fallback runs outside the call deadline, with a signal that only the caller aborts', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    let release!: (value: string) => void;
    const seen: boolean[] = [];
    const pipeline = make(clock, {
      listener,
      timeout: 1000,
      fallback: degradedFallback(async (ctx) => {
        const value = await new Promise<string>((r) => (release = r));
        seen.push(ctx.signal.aborted);
        return value;
      }, 'smaller-model'),
    });
    // Fails at once; the fallback (a smaller model) takes longer than the call deadline.
    const failedFast = pipeline.execute(async () => {
      throw overloaded();
    });
    await clock.advance(1500);
    release('small');
    assert.equal(await failedFast, 'small');
    assert.equal(clock.pendingTimers, 0, 'the call deadline ended before the fallback ran');
    // Fails at its deadline: the fallback still gets a live signal.
    const timedOut = pipeline.execute(honoursSignal);
    await clock.advance(1100);
    await clock.advance(500);
    release('small again');
    assert.equal(await timedOut, 'small again');
    assert.deepEqual(seen, [false, false]);
    assert.deepEqual(
      listener.calls.filter(([n]) => n === 'onTimeout').length,
      1,
      'only the call that did time out',
    );
    // The caller's own abort still reaches the fallback.
    const controller = new AbortController();
    let fallbackSignal: AbortSignal | undefined;
    const caller = make(clock, {
      timeout: 1000,
      fallback: degradedFallback(async (ctx) => {
        fallbackSignal = ctx.signal;
        return honoursSignal(ctx);
      }),
    });
    const aborted = caller.execute(
      async () => {
        throw overloaded();
      },
      { signal: controller.signal },
    );
    await clock.advance(0);
    assert.equal(fallbackSignal?.aborted, false);
    controller.abort(new Error('user left'));
    assert.equal(fallbackSignal?.aborted, true);
    await assert.rejects(aborted);
  });

  it('slow calls are timed from when the operation starts, not from a wait in the bulkhead queue', async () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({
      clock,
      listener: noopListener,
      trip: { kind: 'count', size: 10, minimumThroughput: 4, failureRatio: 0.5 },
      slowCall: { thresholdMs: 1000, ratio: 0.5 },
    });
    const pipeline = make(clock, { breaker, bulkhead: { maxConcurrent: 1, maxQueue: 10 } });
    const at = (ms: number) => () => new Promise<string>((r) => clock.setTimeout(() => r('ok'), ms));
    // Each takes 600 ms at the dependency; the last waits 1800 ms for its slot.
    const fast = Array.from({ length: 4 }, () => pipeline.execute(at(600)));
    await clock.advance(2400);
    await Promise.all(fast);
    assert.equal(breaker.state, 'closed');
    // Truly slow calls still count.
    const slow = Array.from({ length: 4 }, () => pipeline.execute(at(1000)));
    await clock.advance(4000);
    await Promise.all(slow);
    assert.equal(breaker.state, 'open');
  });

  it('late failures: repeated mid-stream failures open the breaker and drain the budget', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const budget = new RetryBudget({ maxTokens: 4, listener: noopListener });
    const pipeline = make(clock, {
      listener,
      retry: { maxAttempts: 2, budget },
      breaker: { trip: { kind: 'consecutive', threshold: 3 } },
    });
    const streamDied = overloaded();
    for (let i = 0; i < 3; i++) {
      let attemptCtx: CallContext | undefined;
      // Resolves at the headers, like a stream; the body fails afterwards.
      await pipeline.execute(async (ctx) => {
        attemptCtx = ctx;
        return 'headers';
      });
      assert.equal(pipeline.breaker!.state, 'closed');
      assert.equal(attemptCtx!.reportLateFailure(streamDied), true);
      assert.equal(attemptCtx!.reportLateFailure(streamDied), false, 'recorded once per call');
    }
    assert.equal(pipeline.breaker!.state, 'open');
    await assert.rejects(
      pipeline.execute(async () => 'never'),
      CircuitOpenError,
    );
    assert.ok(budget.tokens < 2, `budget ${budget.tokens}`);
    assert.equal(listener.calls.filter(([n]) => n === 'onLateFailure').length, 3);
  });

  it('late failures: a stream that began before an outage, breaking during recovery, does not re-open the breaker', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, {
      breaker: { trip: { kind: 'consecutive', threshold: 2 }, openDurationMs: 1000 },
    });
    let longStream: CallContext | undefined;
    await pipeline.execute(async (ctx) => {
      longStream = ctx;
      return 'headers';
    });
    for (let i = 0; i < 2; i++) await assert.rejects(pipeline.execute(() => Promise.reject(overloaded())));
    assert.equal(pipeline.breaker!.state, 'open');
    await clock.advance(1000);
    assert.equal(pipeline.breaker!.state, 'half_open');
    // The old stream dies now: it says nothing about the dependency since it re-opened.
    longStream!.reportLateFailure(overloaded());
    assert.equal(pipeline.breaker!.state, 'half_open');
    assert.equal(await pipeline.execute(async () => 'probe ok'), 'probe ok');
    assert.equal(pipeline.breaker!.state, 'closed');
  });

  it('late failures: only after a success of the operation, and caller faults do not count', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, {
      breaker: { trip: { kind: 'consecutive', threshold: 1 } },
      fallback: staticFallback('canned'),
    });
    let early: boolean | undefined;
    let failed: CallContext | undefined;
    assert.equal(
      await pipeline.execute(async (ctx) => {
        early = ctx.reportLateFailure(overloaded());
        failed = ctx;
        throw OpenAI.APIError.generate(400, { error: { message: 'bad' } }, undefined, new Headers());
      }),
      'canned',
    );
    assert.equal(early, false, 'not while the attempt runs');
    assert.equal(failed!.reportLateFailure(overloaded()), false, 'not after a fallback');
    let ok: CallContext | undefined;
    await pipeline.execute(async (ctx) => {
      ok = ctx;
      return 1;
    });
    const aborted = Object.assign(new Error('stream aborted'), { name: 'AbortError' });
    assert.equal(ok!.reportLateFailure(aborted), true);
    assert.equal(pipeline.breaker!.state, 'closed', 'a cancelled stream is not a dependency failure');
  });

  it('settlesLater: the success is reported when the result ends well, never besides a late failure', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const pipeline = make(clock, { listener, fallback: staticFallback('canned') });
    const names = () => listener.calls.map(([n]) => n);
    const run = async (settlesLater: boolean, ok = true): Promise<CallContext> => {
      let seen: CallContext | undefined;
      await pipeline.execute(
        async (ctx) => {
          seen = ctx;
          if (!ok) throw overloaded();
          return 'headers';
        },
        { settlesLater },
      );
      return seen!;
    };

    const stream = await run(true);
    assert.equal(stream.settlesLater, true);
    assert.deepEqual(names(), ['onCallEnd'], 'resolving still ends the call for its span');
    assert.equal(stream.reportSettled(), true);
    assert.equal(stream.reportSettled(), false, 'once');
    assert.equal(stream.reportLateFailure(overloaded()), false, 'not after it settled');
    assert.deepEqual(names(), ['onCallEnd', 'onCallSettled']);

    listener.calls.length = 0;
    const broken = await run(true);
    assert.equal(broken.reportLateFailure(overloaded()), true);
    assert.equal(broken.reportSettled(), false, 'not after a late failure');
    assert.deepEqual(names(), ['onCallEnd', 'onLateFailure']);

    listener.calls.length = 0;
    const plain = await run(false);
    assert.equal(plain.settlesLater, false);
    assert.equal(plain.reportSettled(), false, 'only for calls run with settlesLater');
    const fellBack = await run(true, false);
    assert.equal(fellBack.reportSettled(), false, "not after a fallback's answer");
    assert.deepEqual(
      listener.calls.filter(([n]) => n === 'onCallSettled' || n === 'onLateFailure'),
      [],
    );
  });

  it('settlesLater: the call keeps its bulkhead slot until its result ends, well or not', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, { bulkhead: { maxConcurrent: 1, maxQueue: 0 } });
    const open = async (): Promise<CallContext> => {
      let seen: CallContext | undefined;
      await pipeline.execute(
        async (ctx) => {
          seen = ctx;
          return 'headers';
        },
        { settlesLater: true },
      );
      return seen!;
    };
    const stream = await open();
    assert.equal(pipeline.bulkhead!.inFlight, 1, 'a stream still being read holds its slot');
    await assert.rejects(open(), BulkheadFullError);
    stream.reportSettled();
    assert.equal(pipeline.bulkhead!.inFlight, 0);
    const broken = await open();
    broken.reportLateFailure(overloaded());
    assert.equal(pipeline.bulkhead!.inFlight, 0, 'a stream that broke frees it too');
    broken.reportSettled();
    assert.equal(pipeline.bulkhead!.inFlight, 0, 'released once');
    // Without the option the slot is free when the call resolves.
    let plain: CallContext | undefined;
    await pipeline.execute(async (ctx) => {
      plain = ctx;
    });
    assert.equal(pipeline.bulkhead!.inFlight, 0);
    plain!.reportLateFailure(overloaded());
    assert.equal(pipeline.bulkhead!.inFlight, 0);
    await open(); // the next stream gets the slot (a full bulkhead refuses, as above)
  });

  it('releaseSlot frees a settlesLater call’s slot before it settles, which it still reports', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const pipeline = make(clock, { bulkhead: { maxConcurrent: 1, maxQueue: 0 }, listener });
    let during: boolean | undefined;
    const open = async (): Promise<CallContext> => {
      let seen: CallContext | undefined;
      await pipeline.execute(
        async (ctx) => {
          seen = ctx;
          // While it runs, the slot is the attempt's: not the caller's to free.
          during = ctx.releaseSlot();
          return 'body taken in';
        },
        { settlesLater: true },
      );
      return seen!;
    };
    const call = await open();
    assert.equal(during, false);
    assert.equal(pipeline.bulkhead!.inFlight, 1);
    assert.equal(call.releaseSlot(), true);
    assert.equal(pipeline.bulkhead!.inFlight, 0, 'freed before the result is asked for');
    assert.equal(call.releaseSlot(), false, 'once');
    const next = await open(); // admitted: the bulkhead holds one
    assert.equal(call.reportSettled(), true, 'the settling is still reported');
    assert.equal(listener.calls.filter(([n]) => n === 'onCallSettled').length, 1);
    assert.equal(pipeline.bulkhead!.inFlight, 1, 'settling does not free the slot a second time');
    next.reportLateFailure(overloaded());
    assert.equal(next.releaseSlot(), false, 'nothing to free once the call has ended');
    assert.equal(pipeline.bulkhead!.inFlight, 0);
  });

  it('a late failure of a half-open probe re-opens the breaker', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, {
      breaker: {
        trip: { kind: 'consecutive', threshold: 1 },
        openDurationMs: 100,
        halfOpen: { probes: 2, successThreshold: 2 },
      },
    });
    await assert.rejects(
      pipeline.execute(async () => {
        throw overloaded();
      }),
    );
    await clock.advance(100);
    let probe: CallContext | undefined;
    await pipeline.execute(async (ctx) => {
      probe = ctx;
      return 'headers';
    });
    assert.equal(pipeline.breaker!.state, 'half_open');
    probe!.reportLateFailure(overloaded());
    assert.equal(pipeline.breaker!.state, 'open');
  });

  it('a late failure of the probe that closed the breaker re-opens it, backing off', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, {
      breaker: { trip: { kind: 'consecutive', threshold: 3 }, openDurationMs: 1000 },
    });
    const stream = async (): Promise<CallContext> => {
      let ctx: CallContext | undefined;
      await pipeline.execute(async (c) => {
        ctx = c;
        return 'headers';
      });
      return ctx!;
    };
    for (let i = 0; i < 3; i++) (await stream()).reportLateFailure(overloaded());
    assert.equal(pipeline.breaker!.state, 'open');
    await clock.advance(1000);
    const probe = await stream();
    assert.equal(pipeline.breaker!.state, 'closed', 'the probe headers closed it');
    assert.equal(probe.reportLateFailure(overloaded()), true);
    assert.equal(pipeline.breaker!.state, 'open', 'its body died: a failed probe');
    await clock.advance(1999);
    assert.equal(pipeline.breaker!.state, 'open', 'the open duration doubled');
    await clock.advance(1);
    assert.equal(pipeline.breaker!.state, 'half_open');
  });

  it('no AbortController and no timer on the success path, even with deadlines', async () => {
    const clock = new ManualClock(0);
    const pipeline = make(clock, {
      timeout: 1000,
      attemptTimeout: 500,
      retry: {},
      breaker: {},
      bulkhead: { maxConcurrent: 4 },
    });
    const original = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends original {
      constructor() {
        super();
        created++;
      }
    };
    try {
      for (let i = 0; i < 50; i++) await pipeline.execute(async () => i);
    } finally {
      globalThis.AbortController = original;
    }
    assert.equal(created, 0);
    await clock.advance(2000);
    assert.equal(clock.pendingTimers, 0);
  });

  it('a throwing listener never fails the call', async () => {
    const clock = new ManualClock(0);
    const listener = {
      onCallEnd() {
        throw new Error('telemetry broke');
      },
    };
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const pipeline = make(clock, { listener });
    assert.equal(await pipeline.execute(async () => 'fine'), 'fine');
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.ok(warnings.some((w) => w.includes('telemetry broke')));
  });

  it('rejects bad options with a clear error', () => {
    assert.throws(() => new Pipeline({ dependency: '' }), /dependency/);
    assert.throws(
      () => new Pipeline({ dependency: 'x', retry: { maxAttempts: 0 } }),
      /RetryPolicy: invalid options/,
    );
  });
});
