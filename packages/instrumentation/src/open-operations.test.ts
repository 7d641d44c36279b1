import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ManualClock } from '@breakwater/protocol';
import type OpenAIType from 'openai';
import { collectUntil } from './testing/gc.ts';
import { attrs, FAST, harnessPerFile, require } from './testing/harness.ts';

// Operations whose end is up to the app are held by the runtime until they end, so shutdown can
// end those still open (and have them exported); ones that end, however they end, leave.

const clock = new ManualClock();
const h = harnessPerFile(FAST, clock);

const client = () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  return new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
};
const messages = [{ role: 'user' as const, content: 'hi there' }];
const plain = (model: string) => client().chat.completions.create({ model, messages });
const streamed = (model: string) => client().chat.completions.create({ model, messages, stream: true });

/** The `gen_ai.client.operation.duration` sum of `model` (seconds on the manual clock). */
const durationOf = async (model: string) => (await h.duration(model))?.sum;

describe('open operations at shutdown', () => {
  it('a stream left unread ends abandoned, at its response, with what it read', async () => {
    const stream = await streamed('gpt-open-unread');
    const partly = (await streamed('gpt-open-partly'))[Symbol.asyncIterator]();
    await partly.next();
    await clock.advance(5_000);
    assert.equal(h.runtime.openOperations.size, 2);

    assert.equal(h.runtime.openOperations.endAll(), 2);
    for (const m of ['gpt-open-unread', 'gpt-open-partly']) {
      const op = h.operation(m);
      assert.ok(op, `${m} ended`);
      assert.equal(attrs(op)['breakwater.stream.abandoned'], true);
      assert.equal(op.status.code, 0);
      assert.equal(await durationOf(m), 0, 'ended at what the app last got, not at shutdown');
    }
    assert.equal(attrs(h.operation('gpt-open-partly')!)['gen_ai.response.model'], 'gpt-open-partly');
    assert.equal(h.runtime.openOperations.size, 0);
    // The app still holds them: nothing was aborted under it.
    assert.equal(stream.controller.signal.aborted, false);
  });

  it('a plain response not yet parsed ends as a success', async () => {
    const call = plain('gpt-open-unparsed') as unknown as { responsePromise: Promise<unknown> };
    await call.responsePromise;
    await tick();
    assert.equal(h.runtime.openOperations.endAll(), 1);
    const op = h.operation('gpt-open-unparsed');
    assert.ok(op);
    assert.equal(attrs(op)['breakwater.stream.abandoned'], undefined);
    assert.equal(op.status.code, 0);
  });

  it('operations that end, however they end, are not held', async () => {
    await plain('gpt-open-plain');
    for await (const _ of await streamed('gpt-open-read'));
    for await (const _ of await streamed('gpt-open-left')) break;
    h.fp.script({ model: 'gpt-open-failed', steps: [{ fault: 'error', status: 400 }] });
    await assert.rejects(streamed('gpt-open-failed'));
    await (async () => {
      await streamed('gpt-open-collected');
    })();
    assert.ok(await collectUntil(() => h.operation('gpt-open-collected')));
    assert.equal(h.runtime.openOperations.size, 0);
    assert.equal(h.runtime.openOperations.endAll(), 0);
  });
});
