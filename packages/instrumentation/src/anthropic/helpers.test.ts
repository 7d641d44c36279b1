import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import type AnthropicType from '@anthropic-ai/sdk';
import { SpanStatusCode } from '@opentelemetry/api';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

// The helpers of `@anthropic-ai/sdk` built on the patched `messages.create` (`messages.stream()`
// and its events, `messages.parse()`), and the methods that are no LLM call (`countTokens`,
// `models.list`), which run as the client has them: no Breakwater operation, the client's own
// retries.

const h = harnessPerFile();

let seq = 0;
const model = (tag: string) => `claude-helpers-${tag}-${seq++}`;

const text = 'one two three four five six';

for (const [label, load] of [
  ['@anthropic-ai/sdk 1', () => require('@anthropic-ai/sdk').default as typeof AnthropicType],
  ['@anthropic-ai/sdk 0.x', () => require('anthropic-v0').default as typeof AnthropicType],
] as const) {
  describe(`${label} helpers`, () => {
    const client = () => new (load())({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl, maxRetries: 2 });
    const body = (m: string) => ({
      model: m,
      max_tokens: 64,
      messages: [{ role: 'user' as const, content: text }],
    });

    /** The one operation of `m`, ended abandoned by the app, with input but no output tokens. */
    async function assertAbandoned(m: string): Promise<void> {
      await wait(20);
      const ops = byRole(h.spans(), 'operation');
      assert.equal(ops.length, 1);
      const a = attrs(ops[0]!);
      assert.equal(a['breakwater.stream.abandoned'], true);
      assert.equal(typeof a['gen_ai.usage.input_tokens'], 'number');
      assert.equal(ops[0]!.status.code, SpanStatusCode.UNSET);
      assert.equal(await h.inFlight(`anthropic/${m}`), 0);
      assert.deepEqual(await h.calls(`anthropic/${m}`), ['success:=1']);
    }

    it('messages.stream(): text events, finalMessage(), .withResponse(); 529 twice gives exactly 3 requests', async () => {
      const m = model('stream');
      h.fp.script({
        route: 'anthropic.messages',
        model: m,
        steps: [{ fault: 'error', status: 529, count: 2 }],
      });
      const stream = client().messages.stream(body(m));
      let streamed = '';
      stream.on('text', (delta) => {
        streamed += delta;
      });
      const { response } = await stream.withResponse();
      assert.equal(response.status, 200);
      const final = await stream.finalMessage();
      assert.equal(streamed, `You said: ${text}`);
      assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 3);
      assert.equal(byRole(h.spans(), 'operation').length, 1);
      assert.equal(byRole(h.spans(), 'attempt').length, 3);
      const a = attrs(h.operation(m)!);
      assert.equal(a['breakwater.retry.attempts'], 3);
      assert.equal(a['gen_ai.usage.input_tokens'], final.usage.input_tokens);
      assert.equal(a['gen_ai.usage.output_tokens'], final.usage.output_tokens);
    });

    it('messages.stream(): .abort() from a text event ends it abandoned', async () => {
      const m = model('stream-abort');
      const stream = client().messages.stream(body(m));
      stream.on('text', () => stream.abort());
      await assert.rejects(stream.finalMessage(), load().APIUserAbortError);
      await assertAbandoned(m);
    });

    it('messages.create({ stream: true }) read partly, then broken off: abandoned', async () => {
      const m = model('create-break');
      const stream = await client().messages.create({ ...body(m), stream: true });
      let events = 0;
      for await (const _ of stream) if (++events === 3) break;
      await assertAbandoned(m);
    });

    it('messages.parse(): the parsed output, one operation', async () => {
      const m = model('parse');
      const schema = {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      };
      const message = await client().messages.parse({
        ...body(m),
        output_config: { format: { type: 'json_schema', schema } },
      } as Parameters<ReturnType<typeof client>['messages']['parse']>[0]);
      assert.deepEqual(message.parsed_output, { city: `You said: ${text}` });
      assert.equal(byRole(h.spans(), 'operation').length, 1);
      assert.equal(attrs(h.operation(m)!)['gen_ai.output.type'], 'json');
    });

    it('messages.countTokens and models.list are no LLM operations: untouched, the client’s own retries', async () => {
      const m = model('count');
      h.fp.script({
        route: 'anthropic.count_tokens',
        model: m,
        steps: [{ fault: 'error', status: 529, count: 1 }],
      });
      const counted = await client().messages.countTokens({ model: m, messages: body(m).messages });
      assert.equal(counted.input_tokens, 6);
      // The client retried its 529 itself; Breakwater ran no pipeline for it.
      assert.equal(h.fp.count({ route: 'anthropic.count_tokens', model: m }), 2);
      assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 0);
      // The fault provider has no models route: the client's own 404.
      await assert.rejects(client().models.list(), load().NotFoundError);
      assert.deepEqual(byRole(h.spans(), 'operation'), []);
      assert.deepEqual(await h.calls(`anthropic/${m}`), []);
    });
  });
}
