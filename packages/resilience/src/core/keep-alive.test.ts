import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@breakwater/protocol';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { noopListener } from '../telemetry/listener.ts';

const overloaded = () => Object.assign(new Error('overloaded'), { status: 503 });

/**
 * Waits the application is blocked on keep the process alive; background timers do not. Without
 * that, a CLI whose only pending work is a retry back-off exits with code 0 mid-call.
 */
/** Runs `script` as an ES module in a child Node, the package imported from source. */
function runModule(script: string) {
  return spawnSync(
    process.execPath,
    ['--conditions=@breakwater/source', '--input-type=module', '--eval', script],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
}

describe('timers that keep the process alive', () => {
  it('a deadline tick, a retry back-off and a bulkhead queue wait ask to keep the process alive', async () => {
    const clock = new ManualClock(0);
    const pipeline = new Pipeline({
      dependency: 'openai/gpt-4o',
      clock,
      listener: noopListener,
      timeout: 10_000,
      retry: { maxAttempts: 2, backoff: new ConstantBackoff(500) },
      bulkhead: { maxConcurrent: 1, maxQueue: 1 },
    });
    assert.equal(clock.keepAliveTimers, 0);

    let release!: () => void;
    const holder = pipeline.execute(() => new Promise<void>((r) => (release = r)));
    assert.equal(clock.pendingTimers, 1, 'the call deadline tick');
    assert.equal(clock.keepAliveTimers, 1, 'the deadline: the call may be waiting on nothing else');

    const queued = pipeline.execute(async (ctx) => {
      if (ctx.attempt === 0) throw overloaded();
      return 'second attempt';
    });
    await clock.advance(0);
    assert.equal(clock.keepAliveTimers, 2, 'the first call’s deadline and the queue wait');

    release();
    await holder;
    await clock.advance(0);
    assert.equal(clock.keepAliveTimers, 2, 'the second call’s deadline and its back-off');
    await clock.advance(500);
    assert.equal(await queued, 'second attempt');
    assert.equal(clock.keepAliveTimers, 0);
  });

  it('a process whose only pending work is a back-off on the real clock finishes the call', () => {
    // The child imports the package from source; without a ref'd back-off it exits with code 0
    // before `done`, and `beforeExit` (where the Node SDK shuts down) fires mid-call.
    const script = `
      import { ConstantBackoff, Pipeline, noopListener } from '@breakwater/resilience';
      const pipeline = new Pipeline({
        dependency: 'openai/gpt-4o',
        listener: noopListener,
        retry: { maxAttempts: 2, backoff: new ConstantBackoff(150) },
      });
      let done = false;
      process.once('beforeExit', () => console.log('beforeExit done=' + done));
      pipeline
        .execute(async (ctx) => {
          if (ctx.attempt === 0) throw Object.assign(new Error('overloaded'), { status: 503 });
          return 'answer';
        })
        .then((value) => {
          done = true;
          console.log('result ' + value);
        });
    `;
    const child = runModule(script);
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(child.stdout.trim().split('\n'), ['result answer', 'beforeExit done=true']);
  });

  it('a process whose only pending work is a call past its deadline gets the fallback', () => {
    // The operation waits on an event nobody emits: only its deadline can end it.
    const script = `
      import { EventEmitter, once } from 'node:events';
      import { Pipeline, noopListener, staticFallback } from '@breakwater/resilience';
      const pipeline = new Pipeline({
        dependency: 'tool/lookup',
        listener: noopListener,
        timeout: { ms: 150, mode: 'aggressive' },
        fallback: staticFallback('cached answer'),
      });
      let done = false;
      process.once('beforeExit', () => console.log('beforeExit done=' + done));
      pipeline
        .execute(() => once(new EventEmitter(), 'reply'))
        .then((value) => {
          done = true;
          console.log('result ' + value);
        });
    `;
    const child = runModule(script);
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(child.stdout.trim().split('\n'), ['result cached answer', 'beforeExit done=true']);
  });
});
