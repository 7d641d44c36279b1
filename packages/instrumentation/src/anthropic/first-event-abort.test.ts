import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import type AnthropicType from '@anthropic-ai/sdk';
import { SpanStatusCode } from '@opentelemetry/api';
import { attrs, byRole, FAST, harnessPerFile, require } from '../testing/harness.ts';

// An Anthropic stream's attempt waits for the first event (first-event-error.test.ts). A caller
// that aborts during that wait (its `signal`, or `stream.abort()` of the `messages.stream()`
// helper) has been handed nothing yet: the call is cancelled there, as an abort before the
// headers is, and frees its bulkhead slot, rather than resolving with a stream that can yield
// nothing and holds the call open until it is read or garbage-collected.

const h = harnessPerFile([
  ...FAST,
  { match: 'anthropic/claude-first-event-abort-*', policy: { bulkhead: { maxConcurrent: 1, maxQueue: 0 } } },
]);

let seq = 0;
const model = (tag: string) => `claude-first-event-abort-${tag}-${seq++}`;

/** Headers, then silence: the first event never comes. */
const stallBeforeFirstEvent = (m: string) =>
  h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, end: 'hang' }] });

/** Waits until the stalled request has reached the provider and its headers are in. */
const headersIn = () => wait(100);

for (const [label, load] of [
  ['@anthropic-ai/sdk 1', () => require('@anthropic-ai/sdk').default as typeof AnthropicType],
  ['@anthropic-ai/sdk 0.x', () => require('anthropic-v0').default as typeof AnthropicType],
] as const) {
  describe(`${label}: the caller aborts while the attempt waits for the first event`, () => {
    const client = () => new (load())({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
    const body = (m: string) => ({
      model: m,
      max_tokens: 64,
      messages: [{ role: 'user' as const, content: 'hi' }],
    });

    /** The operation of `m` ended cancelled by its caller, and its slot is free again. */
    async function assertCancelled(m: string): Promise<void> {
      const op = h.operation(m);
      assert.ok(op, 'the operation ended at the abort');
      const a = attrs(op);
      assert.equal(a['breakwater.error.category'], 'cancelled');
      assert.equal(a['breakwater.error.source'], 'caller');
      assert.equal(a['breakwater.stream.abandoned'], undefined);
      assert.equal(op.status.code, SpanStatusCode.ERROR);
      assert.equal(byRole(h.spans(), 'attempt').length, 1);
      assert.equal(await h.inFlight(`anthropic/${m}`), 0);
      assert.deepEqual(await h.calls(`anthropic/${m}`), ['failure:cancelled=1']);
      assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 1, 'not retried');
    }

    it('create({ stream: true }, { signal }): rejects with the client’s APIUserAbortError', async () => {
      const m = model('signal');
      stallBeforeFirstEvent(m);
      const controller = new AbortController();
      const call = client().messages.create({ ...body(m), stream: true }, { signal: controller.signal });
      await headersIn();
      controller.abort();
      await assert.rejects(call, load().APIUserAbortError);
      await assertCancelled(m);
    });

    it('messages.stream() .abort(): finalMessage() rejects with APIUserAbortError; the call is cancelled', async () => {
      const m = model('helper');
      stallBeforeFirstEvent(m);
      const stream = client().messages.stream(body(m));
      await headersIn();
      stream.abort();
      await assert.rejects(stream.finalMessage(), load().APIUserAbortError);
      await wait(20);
      await assertCancelled(m);
    });
  });
}
