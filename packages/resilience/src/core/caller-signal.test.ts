import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { Pipeline } from '../pipeline/pipeline.ts';
import { collectUntil } from '../testing/gc.ts';
import { CallContext } from './context.ts';

/**
 * A long-lived caller signal (a server's shutdown signal passed to every call) must not keep each
 * call's signal: clients and operations add `abort` listeners to the signal they get and often
 * never remove them (openai 6 does on every request).
 */
describe('CallContext: the caller signal', () => {
  it("lets each call's signal go once the call is over, listeners and all", async () => {
    const pipeline = new Pipeline({ dependency: 'openai/gpt-4o' });
    const app = new AbortController();
    const seen: WeakRef<AbortSignal>[] = [];
    for (let i = 0; i < 50; i++) {
      const prompt = `prompt ${i}`.repeat(100);
      await pipeline.execute(
        (ctx) => {
          ctx.signal.addEventListener('abort', () => prompt.length);
          seen.push(new WeakRef(ctx.signal));
          return 'ok';
        },
        { signal: app.signal },
      );
    }
    const alive = () => seen.filter((ref) => ref.deref() !== undefined).length;
    assert.ok(await collectUntil(() => alive() === 0), `${alive()} of 50 call signals still in memory`);
    assert.equal(app.signal.aborted, false);
  });

  it("still follows the caller's abort while the context or the signal is held, with no listener on the caller's signal", async () => {
    const app = new AbortController();
    const heldContext = new CallContext('tool/search', app.signal);
    const heard: unknown[] = [];
    heldContext.signal.addEventListener('abort', () => heard.push(heldContext.signal.reason));
    const heldSignal = new CallContext('tool/search', app.signal).signal;
    let collected = false;
    await collectUntil(() => {
      collected = true;
      return false;
    });
    assert.ok(collected);
    assert.equal(getEventListeners(app.signal, 'abort').length, 0);
    const reason = new Error('shutting down');
    app.abort(reason);
    assert.deepEqual(heard, [reason]);
    assert.equal(heldSignal.reason, reason);
  });

  it("takes the caller's reason when the caller aborted before the signal was read", () => {
    const app = new AbortController();
    const ctx = new CallContext('tool/search', app.signal);
    const reason = new Error('gone');
    app.abort(reason);
    ctx.abortCall(new Error('deadline'));
    assert.equal(ctx.signal.reason, reason);
  });
});
