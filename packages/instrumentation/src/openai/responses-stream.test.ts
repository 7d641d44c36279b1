import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import type OpenAIType from 'openai';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

// `responses.stream()` (openai's helper) and `responses.create({ stream: true })` go through the
// patched `create`: one operation per call, retried only before anything reached the app, ended
// when the stream completes, fails (classified) or is left (abandoned, not a failure).

const h = harnessPerFile();

let seq = 0;
const model = (tag: string) => `gpt-responses-stream-${tag}-${seq++}`;

const input = 'one two three four five six';

for (const [label, OpenAI] of [
  ['openai 7', () => require('openai').default as typeof OpenAIType],
  ['openai 6', () => require('openai-v6').default as typeof OpenAIType],
] as const) {
  describe(`${label} Responses streams`, () => {
    // The client's own retries are on: Breakwater's attempts must be the only ones.
    const client = () => new (OpenAI())({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, maxRetries: 5 });

    /** The one operation of `m`, ended abandoned by the app, not failed. */
    async function assertAbandoned(m: string): Promise<void> {
      await wait(20);
      const ops = byRole(h.spans(), 'operation');
      assert.equal(ops.length, 1);
      assert.equal(attrs(ops[0]!)['breakwater.stream.abandoned'], true);
      assert.notEqual(ops[0]!.status.code, SpanStatusCode.ERROR);
      assert.equal(await h.inFlight(`openai/${m}`), 0);
      assert.deepEqual(await h.calls(`openai/${m}`), ['success:=1']);
    }

    it('responses.stream(): events, finalResponse(), usage; 503 twice gives exactly 3 requests', async () => {
      const m = model('helper');
      h.fp.script({
        route: 'openai.responses',
        model: m,
        steps: [{ fault: 'error', status: 503, count: 2 }],
      });
      const stream = client().responses.stream({ model: m, input });
      let deltas = '';
      stream.on('response.output_text.delta', (event) => {
        deltas += event.delta;
      });
      const final = await stream.finalResponse();
      assert.equal(final.output_text, `You said: ${input}`);
      assert.equal(deltas, final.output_text);
      assert.equal(h.fp.count({ route: 'openai.responses', model: m }), 3);
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(byRole(h.spans(), 'operation').length, 1);
      assert.equal(byRole(h.spans(), 'attempt').length, 3);
      const a = attrs(op!);
      assert.equal(a['gen_ai.request.stream'], true);
      assert.equal(a['breakwater.retry.attempts'], 3);
      assert.equal(a['gen_ai.usage.input_tokens'], final.usage?.input_tokens);
      assert.equal(a['gen_ai.usage.output_tokens'], final.usage?.output_tokens);
      assert.equal(a['gen_ai.response.id'], final.id);
    });

    it('responses.stream(): an error event after the first events is classified and not retried', async () => {
      const m = model('helper-error');
      h.fp.script({
        route: 'openai.responses',
        model: m,
        steps: [{ fault: 'stream_error', afterChunks: 2, status: 500 }],
      });
      await assert.rejects(client().responses.stream({ model: m, input }).finalResponse(), OpenAI().APIError);
      assert.equal(h.fp.count({ route: 'openai.responses', model: m }), 1);
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(op!.status.code, SpanStatusCode.ERROR);
      assert.equal(attrs(op!)['breakwater.error.category'], 'server_error');
      assert.equal(attrs(op!)['breakwater.error.source'], 'dependency');
      assert.deepEqual(await h.calls(`openai/${m}`), ['failure:server_error=1']);
    });

    it('responses.stream(): breaking out of for-await ends it abandoned', async () => {
      const m = model('helper-break');
      for await (const _ of client().responses.stream({ model: m, input })) break;
      await assertAbandoned(m);
    });

    it('responses.stream(): stream.abort() after the first event ends it abandoned', async () => {
      const m = model('helper-abort');
      const stream = client().responses.stream({ model: m, input });
      stream.on('response.created', () => stream.abort());
      await assert.rejects(stream.finalResponse(), OpenAI().APIUserAbortError);
      await assertAbandoned(m);
    });

    it('responses.create({ stream: true }).withResponse(): the events and the response; left early, abandoned', async () => {
      const m = model('create');
      const { data, response } = await client()
        .responses.create({ model: m, input, stream: true })
        .withResponse();
      assert.equal(response.status, 200);
      const types: string[] = [];
      for await (const event of data) {
        types.push(event.type);
        if (types.length === 2) break;
      }
      assert.deepEqual(types, ['response.created', 'response.in_progress']);
      await assertAbandoned(m);
    });

    it('responses.create({ stream: true }).asResponse(): the raw SSE, its operation ended with the body', async () => {
      const m = model('raw');
      const response = await client().responses.create({ model: m, input, stream: true }).asResponse();
      const text = await response.text();
      assert.match(text, /event: response\.completed/);
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(attrs(op!)['gen_ai.request.model'], m);
      assert.notEqual(op!.status.code, SpanStatusCode.ERROR);
      assert.deepEqual(await h.calls(`openai/${m}`), ['success:=1']);
    });
  });
}
