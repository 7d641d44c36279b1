import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import OpenAI from 'openai';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { BudgetExhaustedError } from '../core/errors.ts';
import { wrap } from '../core/policy.ts';
import { noopListener } from '../telemetry/listener.ts';
import { recordingListener } from '../testing/support.ts';
import { AdaptiveAttempts } from './adaptive.ts';
import { RetryBudget } from './budget.ts';
import { RetryPolicy } from './retry-policy.ts';

const overloaded = () =>
  OpenAI.APIError.generate(503, { error: { message: 'overloaded' } }, undefined, new Headers());
const badRequest = () =>
  OpenAI.APIError.generate(400, { error: { message: 'bad' } }, undefined, new Headers());

/** Runs `fn` under `policy`, advancing the manual clock until it settles. */
async function drive<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => {});
  for (let i = 0; i < 1000 && !done; i++) await clock.advance(100);
  return tracked;
}

describe('RetryPolicy', () => {
  it('retries retryable failures up to maxAttempts, with ctx.attempt counting from 0', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({
      maxAttempts: 3,
      backoff: new ConstantBackoff(100),
      clock,
      listener: noopListener,
    });
    const attempts: number[] = [];
    const result = await drive(
      clock,
      retry.execute(async (ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 2) throw overloaded();
        return 'ok';
      }),
    );
    assert.equal(result, 'ok');
    assert.deepEqual(attempts, [0, 1, 2]);
  });

  it('execute(fn, { maxAttempts }) makes no more attempts than the caller asked for, alone or wrapped', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({ backoff: new ConstantBackoff(100), clock, listener: noopListener });
    const tries = async (run: (fn: () => never) => Promise<unknown>): Promise<number> => {
      let n = 0;
      await assert.rejects(
        drive(
          clock,
          run(() => {
            n++;
            throw overloaded();
          }),
        ),
      );
      return n;
    };
    assert.equal(await tries((fn) => retry.execute(fn, { maxAttempts: 1 })), 1);
    assert.equal(await tries((fn) => retry.execute(fn, { maxAttempts: 2 })), 2);
    assert.equal(await tries((fn) => retry.execute(fn, { maxAttempts: 9 })), 3, 'never more than the policy');
    assert.equal(await tries((fn) => wrap(retry).execute(fn, { maxAttempts: 1 })), 1);
    await assert.rejects(
      retry.execute(() => 1, { maxAttempts: 0 }),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message === 'RetryPolicy.execute: maxAttempts must be an integer ≥ 1, got 0',
    );
  });

  it('does not retry caller errors; retryOn narrows by category', async () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const retry = new RetryPolicy({ clock, listener: noopListener });
    await assert.rejects(
      retry.execute(async () => {
        calls++;
        throw badRequest();
      }),
    );
    assert.equal(calls, 1);
    const onlyRateLimits = new RetryPolicy({ retryOn: ['rate_limited'], clock, listener: noopListener });
    calls = 0;
    await assert.rejects(
      onlyRateLimits.execute(async () => {
        calls++;
        throw overloaded();
      }),
    );
    assert.equal(calls, 1);
  });

  it('waits at least the Retry-After the dependency asked for', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({
      maxAttempts: 2,
      backoff: new ConstantBackoff(10),
      clock,
      listener: noopListener,
    });
    const times: number[] = [];
    const result = drive(
      clock,
      retry.execute(async (ctx) => {
        times.push(clock.now());
        if (ctx.attempt === 0) {
          throw OpenAI.APIError.generate(
            429,
            { error: { message: 'slow down' } },
            undefined,
            new Headers({ 'retry-after': '2' }),
          );
        }
        return 1;
      }),
    );
    assert.equal(await result, 1);
    assert.ok(times[1]! - times[0]! >= 2000, `waited ${times[1]! - times[0]!}`);
  });

  it('gives up at once when the dependency asks for a longer wait than maxRetryAfterMs', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({ maxAttempts: 3, maxRetryAfterMs: 30_000, clock, listener: noopListener });
    let calls = 0;
    await assert.rejects(
      retry.execute(async () => {
        calls++;
        throw OpenAI.APIError.generate(
          503,
          { error: { message: 'come back later' } },
          undefined,
          new Headers({ 'retry-after': '60' }),
        );
      }),
      (error: unknown) => (error as { status?: number }).status === 503,
    );
    assert.equal(calls, 1, 'no retry the dependency asked us not to make');
    assert.equal(clock.pendingTimers, 0, 'and no sleep');
  });

  it('back-off sleep ends at once when the caller aborts', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({ backoff: new ConstantBackoff(60_000), clock, listener: noopListener });
    const controller = new AbortController();
    const result = retry.execute(
      async () => {
        throw overloaded();
      },
      { signal: controller.signal },
    );
    await clock.advance(10);
    controller.abort(new Error('stop'));
    await assert.rejects(result, /stop/);
    assert.equal(clock.pendingTimers, 0);
  });

  it('reports failures and retries to the listener', async () => {
    const clock = new ManualClock(0);
    const listener = recordingListener();
    const retry = new RetryPolicy({ maxAttempts: 2, backoff: new ConstantBackoff(5), clock, listener });
    await assert.rejects(
      drive(
        clock,
        retry.execute(async () => {
          throw overloaded();
        }),
      ),
    );
    assert.deepEqual(
      listener.calls.map(([n]) => n),
      ['onAttemptFailure', 'onRetry', 'onAttemptFailure'],
    );
  });
});

describe('RetryBudget', () => {
  it('gRPC throttling: failures drain, successes refill a fraction, retries only above half', () => {
    const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.5, listener: noopListener });
    assert.equal(budget.tokens, 10);
    for (let i = 0; i < 4; i++) budget.onFailure();
    assert.equal(budget.canRetry, true, '6 > 5');
    budget.onFailure();
    assert.equal(budget.canRetry, false, '5 is not above half');
    budget.onSuccess();
    assert.equal(budget.tokens, 5.5);
    assert.equal(budget.canRetry, true);
    for (let i = 0; i < 100; i++) budget.onSuccess();
    assert.equal(budget.tokens, 10, 'never above the maximum');
    for (let i = 0; i < 100; i++) budget.onFailure();
    assert.equal(budget.tokens, 0, 'never below zero');
  });

  it('refuses a token ratio too small to refill anything (tokens are kept in thousandths)', () => {
    assert.throws(
      () => new RetryBudget({ tokenRatio: 0.0004, listener: noopListener }),
      /RetryBudget: invalid options/,
    );
    const budget = new RetryBudget({ maxTokens: 2, tokenRatio: 0.001, listener: noopListener });
    for (let i = 0; i < 2; i++) budget.onFailure();
    for (let i = 0; i < 1001; i++) budget.onSuccess();
    assert.equal(budget.canRetry, true, 'the smallest ratio still refills');
  });

  it('an empty budget fails the call fast with budget_exhausted instead of retrying', async () => {
    const clock = new ManualClock(0);
    const budget = new RetryBudget({ maxTokens: 4, listener: noopListener });
    const retry = new RetryPolicy({
      maxAttempts: 5,
      backoff: new ConstantBackoff(1),
      budget,
      clock,
      listener: noopListener,
    });
    let calls = 0;
    const error = await drive(
      clock,
      retry.execute(async () => {
        calls++;
        throw overloaded();
      }),
    ).catch((e: unknown) => e);
    assert.ok(error instanceof BudgetExhaustedError);
    assert.equal(error.classification.category, 'budget_exhausted');
    assert.equal(error.classification.source, 'policy');
    assert.equal((error.cause as { status?: number }).status, 503);
    assert.equal(calls, 2, 'two failures drain 4 tokens to 2, which is not above half');
  });
});

describe('AdaptiveAttempts', () => {
  it('shrinks attempts after consecutive failed calls and grows them back after successes', () => {
    const adaptive = new AdaptiveAttempts({ failuresPerStep: 2, successesPerStep: 2, minAttempts: 1 });
    assert.equal(adaptive.attempts(4), 4);
    for (let i = 0; i < 6; i++) adaptive.onCallFailure(4);
    assert.equal(adaptive.attempts(4), 1);
    for (let i = 0; i < 2; i++) adaptive.onCallFailure(4);
    assert.equal(adaptive.attempts(4), 1, 'never below minAttempts');
    for (let i = 0; i < 4; i++) adaptive.onCallSuccess();
    assert.equal(adaptive.attempts(4), 3);
  });

  it('drives the retry policy', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({
      maxAttempts: 3,
      adaptive: { failuresPerStep: 1, minAttempts: 1 },
      backoff: new ConstantBackoff(1),
      clock,
      listener: noopListener,
    });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw overloaded();
    };
    await assert.rejects(drive(clock, retry.execute(failing)));
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(drive(clock, retry.execute(failing)));
    assert.equal(calls, 2);
  });

  it('caller cancellations and caller errors do not shrink the attempts', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryPolicy({
      maxAttempts: 3,
      adaptive: { failuresPerStep: 1, minAttempts: 1 },
      clock,
      listener: noopListener,
    });
    await assert.rejects(
      retry.execute(async () => {
        throw badRequest();
      }),
    );
    const controller = new AbortController();
    const cancelled = retry.execute(
      (ctx) =>
        new Promise<never>((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
        ),
      { signal: controller.signal },
    );
    controller.abort(new Error('user left'));
    await assert.rejects(cancelled);
    assert.equal(retry.attempts, 3);
  });
});
