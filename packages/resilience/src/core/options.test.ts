import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import { Bulkhead } from '../bulkhead/bulkhead.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { RetryPolicy } from '../retry/retry-policy.ts';

/** Throws a TypeError whose message matches every pattern. */
function refuses(make: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(make, (e: unknown) => e instanceof TypeError && patterns.every((p) => p.test(e.message)));
}

it('misspelt and misshapen options are refused, naming each, rather than silently ignored', () => {
  refuses(
    () => new Pipeline({ dependency: 'llm', timeoutMs: 1_000, retry: 3 } as never),
    /^Pipeline: invalid options/,
    /unknown option "timeoutMs"/,
    /retry: expected an object, got number/,
  );
  refuses(() => new Pipeline({ dependency: 'llm', breaker: true } as never), /breaker: expected an object/);
  refuses(
    () => new Pipeline({ dependency: 'llm', classifier: { rules: [] } } as never),
    /✖ classifier: expected an object with classify\(\)/,
  );
  // A timeout that is neither milliseconds nor options: one line naming it, not its characters
  // taken for option names.
  for (const [given, shown] of [
    ['2s', '"2s"'],
    [null, 'null'],
    [[2_000], '[2000]'],
    [true, 'true'],
  ] as const) {
    assert.throws(
      () => new Pipeline({ dependency: 'p', attemptTimeout: given } as never),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message ===
          `Pipeline: invalid options\n✖ attemptTimeout: expected milliseconds or timeout options { ms, mode? } (got ${shown})`,
    );
  }
  refuses(
    () => new Pipeline({ dependency: 'p', timeout: '1m' } as never),
    /✖ timeout: expected milliseconds/,
  );
  refuses(
    () => new CircuitBreaker({ dependency: 'llm', threshold: 3 } as never),
    /unknown option "threshold"/,
  );
  refuses(() => new Bulkhead({ maxConcurrent: 2, queue: 10 } as never), /unknown option "queue"/);
  // A misspelt category is named, with the categories there are (not zod's bare "Invalid input").
  refuses(
    () => new RetryPolicy({ retryOn: ['rate_limit'] } as never),
    /✖ expected error categories \(rate_limited, quota_exhausted, .*unknown\) or a predicate \(got \["rate_limit"\]\)\n {2}→ at retryOn/,
  );
  refuses(() => new RetryPolicy({ backoff: {} } as never), /backoff/, /delay\(\)/);
  refuses(() => new RetryPolicy({ budget: {} } as never), /budget/, /onFailure\(\)/);
  // Without `canRetry` the budget would read as empty: every retry refused as budget_exhausted.
  refuses(
    () => new RetryPolicy({ budget: { onFailure() {}, onSuccess() {} } } as never),
    /✖ expected a RetryBudget \{ canRetry, onFailure\(\), onSuccess\(\) \}\n {2}→ at budget/,
  );
  // A breaker's back-off is first called when it trips, its classifier when `execute` fails.
  refuses(
    () => new CircuitBreaker({ openBackoff: { delayMs: 1_000 }, classifier: {} } as never),
    /expected an object with delay\(\)\n {2}→ at openBackoff/,
    /expected an object with classify\(\)\n {2}→ at classifier/,
  );
  refuses(() => new CircuitBreaker({ parent: { dependency: 'openai' } } as never), /parent/, /admit\(\)/);
  // Nested option objects too: a misspelt `trip.failureRatio` would leave the default ratio.
  refuses(
    () => new CircuitBreaker({ trip: { kind: 'count', failureRatoi: 0.2 } } as never),
    /Unrecognized key: "failureRatoi"/,
    /at trip/,
  );
  refuses(
    () => new Pipeline({ dependency: 'llm', breaker: { halfOpen: { probe: 3 } } } as never),
    /Unrecognized key: "probe"/,
    /at halfOpen/,
  );
  refuses(() => new CircuitBreaker({ slowCall: { thresholdMs: 500, ration: 0.2 } } as never), /"ration"/);
  // A clock without clearTimeout() would throw when a queued call or a back-off ends early.
  const noClear = { now: () => 0, monotonic: () => 0, setTimeout: () => ({}) };
  refuses(
    () => new Bulkhead({ maxConcurrent: 1, clock: noClear } as never),
    /expected a Clock \{ now\(\), monotonic\(\), setTimeout\(\), clearTimeout\(\) \}\n {2}→ at clock/,
  );
  // What is spelt right still builds.
  assert.ok(new Pipeline({ dependency: 'llm', timeout: 1_000, retry: { retryOn: ['rate_limited'] } }));
  assert.ok(new CircuitBreaker({ trip: { kind: 'time', windowMs: 10_000 }, halfOpen: { probes: 2 } }));
});
