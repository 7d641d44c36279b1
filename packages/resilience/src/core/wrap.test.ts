import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { FallbackPolicy } from '../fallback/fallback-policy.ts';
import { staticFallback } from '../fallback/strategies.ts';
import { RetryPolicy } from '../retry/retry-policy.ts';
import { noopListener } from '../telemetry/listener.ts';
import { TimeoutPolicy } from '../timeout/timeout-policy.ts';
import { PolicyChain, wrap } from './policy.ts';

/** Compiles only when `A` and `B` are the same type (checked by `npm run typecheck`). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(_proof: Same<A, B>): void => {};

const retry = () =>
  new RetryPolicy({ maxAttempts: 2, backoff: new ConstantBackoff(0), listener: noopListener });
const timeout = () => new TimeoutPolicy({ ms: 1000, listener: noopListener });
const fallback = () => new FallbackPolicy({ strategy: staticFallback(42), listener: noopListener });

describe('wrap', () => {
  it("types a chain's result as the operation's when no policy answers in its place", async () => {
    const result = wrap(timeout(), retry()).execute(async () => 'ok');
    same<typeof result, Promise<string>>(true);
    assert.equal(await result, 'ok');
  });

  it("types a chain with a fallback outermost as the operation's result or the fallback's", async () => {
    const chain = wrap(fallback(), timeout(), retry());
    const answered = chain.execute(async () => 'ok');
    same<typeof answered, Promise<string | number>>(true);
    assert.equal(await answered, 'ok');
    const recovered = chain.execute(async (): Promise<string> => {
      throw new Error('down');
    });
    assert.equal(await recovered, 42);
  });

  it('keeps the fallback type through a nested chain', async () => {
    const nested = wrap(wrap(fallback(), retry()), timeout());
    const result = nested.execute(async (): Promise<string> => {
      throw new Error('down');
    });
    same<typeof result, Promise<string | number>>(true);
    assert.equal(await result, 42);
  });

  it('refuses, at compile time, a fallback inside the chain, whose value would be typed wrong', () => {
    // @ts-expect-error a fallback answers in place of the operation: it goes first
    const chain = wrap(timeout(), fallback());
    assert.equal(chain.policies.length, 2);
    // @ts-expect-error the constructor takes pass-through policies: wrap() types a fallback's value
    const built = new PolicyChain([fallback(), retry()]);
    assert.equal(built.policies.length, 2);
  });
});
