import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import type { CircuitBreakerOptions } from '../breaker/options.ts';
import type { CallContext } from '../core/context.ts';
import { noopListener } from '../telemetry/listener.ts';
import { Pipeline } from './pipeline.ts';

const unavailable = () => Object.assign(new Error('503'), { status: 503 });

// Most calls share the breaker's closed permit. One that times its calls (`slowCall`), or whose
// parent has a fleet override in force, admits with a permit of its own: old news is old news
// all the same.
const setups = [
  ['the shared permit', (_clock: ManualClock) => ({})],
  ['slow-call timing', (_clock: ManualClock) => ({ slowCall: { thresholdMs: 600_000 } })],
  [
    'a parent under a fleet override',
    (clock: ManualClock) => {
      const parent = new CircuitBreaker({ dependency: 'llm-provider', clock, listener: noopListener });
      parent.applyOverride({ state: 'closed', expiresAt: clock.now() + 3_600_000 });
      return { parent };
    },
  ],
] as const;

/** The breaker under test: open for 30 s after five consecutive failures. */
function llmBreaker(clock: ManualClock, options: CircuitBreakerOptions = {}): CircuitBreaker {
  return new CircuitBreaker({
    dependency: 'llm',
    clock,
    openDurationMs: 30_000,
    listener: noopListener,
    ...options,
  });
}

for (const [setup, options] of setups) {
  it(`calls admitted before the breaker recovered do not open it again when they fail after (${setup})`, async () => {
    const clock = new ManualClock();
    const breaker = llmBreaker(clock, options(clock));
    const pipeline = new Pipeline({
      dependency: 'llm',
      clock,
      breaker,
      attemptTimeout: 60_000,
      listener: noopListener,
    });
    const hang = (ctx: CallContext) =>
      new Promise<never>((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
      );
    // Five calls hang from before the outage; the attempt timeout (60 s) is longer than the open
    // duration (30 s), as for LLM calls.
    const hung = Array.from({ length: 5 }, () => pipeline.execute(hang).catch((e: Error) => e.name));
    await clock.advance(1_000);
    await outageAndRecovery(clock, breaker, (fn) => pipeline.execute(fn));
    await clock.advance(30_000); // the hung calls time out now, on old news
    assert.deepEqual(await Promise.all(hung), Array(5).fill('TimeoutError'));
    assert.equal(breaker.state, 'closed');
    assert.equal(await pipeline.execute(async () => 'ok'), 'ok');
    // Failures of calls admitted since still count.
    for (let i = 0; i < 5; i++) await pipeline.execute(() => Promise.reject(unavailable())).catch(() => {});
    assert.equal(breaker.state, 'open');
  });
}

/** Calls that hang until the test settles them, all alike. */
function heldCalls(count: number) {
  const settle: Array<(outcome: 'ok' | Error) => void> = [];
  const calls = Array.from(
    { length: count },
    () => () =>
      new Promise<string>((resolve, reject) =>
        settle.push((outcome) => (outcome === 'ok' ? resolve('late ok') : reject(outcome))),
      ),
  );
  const settleAll = (outcome: 'ok' | Error) => {
    for (const s of settle) s(outcome);
  };
  return { calls, settleAll };
}

/** Five failures open `breaker`; 30 s on, a probe through `run` closes it again. */
async function outageAndRecovery(
  clock: ManualClock,
  breaker: CircuitBreaker,
  run: (fn: () => Promise<string>) => Promise<string>,
): Promise<void> {
  for (let i = 0; i < 5; i++) await run(() => Promise.reject(unavailable())).catch(() => {});
  assert.equal(breaker.state, 'open');
  await clock.advance(30_000);
  assert.equal(await run(async () => 'probe ok'), 'probe ok');
  assert.equal(breaker.state, 'closed');
}

it('slow successes of calls admitted before the breaker recovered do not open it again', async () => {
  const clock = new ManualClock();
  const breaker = llmBreaker(clock, { slowCall: { thresholdMs: 10_000 } });
  const pipeline = new Pipeline({ dependency: 'llm', clock, breaker, listener: noopListener });
  const held = heldCalls(5);
  const late = held.calls.map((call) => pipeline.execute(call));
  await clock.advance(1_000);
  await outageAndRecovery(clock, breaker, (fn) => pipeline.execute(fn));
  held.settleAll('ok'); // 31 s after they were sent: slow, but their time spans the outage
  assert.deepEqual(await Promise.all(late), Array(5).fill('late ok'));
  assert.equal(breaker.state, 'closed');
  // Slow calls admitted since still count (consecutive trip: each slow call is a failure).
  const fresh = heldCalls(5);
  const slow = fresh.calls.map((call) => pipeline.execute(call));
  await clock.advance(10_000);
  fresh.settleAll('ok');
  await Promise.all(slow);
  assert.equal(breaker.state, 'open');
});

it('a breaker used on its own ignores stale failures too (execute passes the admission stamp)', async () => {
  const clock = new ManualClock();
  const breaker = llmBreaker(clock);
  const held = heldCalls(5);
  const late = held.calls.map((call) => breaker.execute(call).catch((e: Error) => e.message));
  await outageAndRecovery(clock, breaker, (fn) => breaker.execute(fn));
  held.settleAll(unavailable());
  assert.deepEqual(await Promise.all(late), Array(5).fill('503'));
  assert.equal(breaker.state, 'closed');
});
