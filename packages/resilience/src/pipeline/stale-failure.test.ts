import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
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

for (const [setup, options] of setups) {
  it(`calls admitted before the breaker recovered do not open it again when they fail after (${setup})`, async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      dependency: 'llm',
      clock,
      openDurationMs: 30_000,
      listener: noopListener,
      ...options(clock),
    });
    const pipeline = new Pipeline({
      dependency: 'llm',
      clock,
      breaker,
      attemptTimeout: 60_000,
      listener: noopListener,
    });
    const failFive = async () => {
      for (let i = 0; i < 5; i++) {
        await pipeline.execute(() => Promise.reject(unavailable())).catch(() => {});
      }
    };
    const hang = (ctx: CallContext) =>
      new Promise<never>((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
      );
    // Five calls hang from before the outage; the attempt timeout (60 s) is longer than the open
    // duration (30 s), as for LLM calls.
    const hung = Array.from({ length: 5 }, () => pipeline.execute(hang).catch((e: Error) => e.name));
    await clock.advance(1_000);
    await failFive();
    assert.equal(breaker.state, 'open');
    await clock.advance(30_000);
    assert.equal(await pipeline.execute(async () => 'probe ok'), 'probe ok');
    assert.equal(breaker.state, 'closed');
    await clock.advance(30_000); // the hung calls time out now, on old news
    assert.deepEqual(await Promise.all(hung), Array(5).fill('TimeoutError'));
    assert.equal(breaker.state, 'closed');
    assert.equal(await pipeline.execute(async () => 'ok'), 'ok');
    // Failures of calls admitted since still count.
    await failFive();
    assert.equal(breaker.state, 'open');
  });
}
