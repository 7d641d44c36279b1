import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type OpenAIType from 'openai';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

// `chat.completions.parse()` and `responses.parse()` call the patched `create` and derive their
// promise from it (`_thenUnwrap`): the parsed output, usage, retries and `.withResponse()` /
// `.asResponse()` of the derived promise work as on the call itself. The fault provider answers
// a JSON schema with JSON built from it.

const h = harnessPerFile();

let seq = 0;
const model = (tag: string) => `gpt-parse-${tag}-${seq++}`;

const CITY = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
} as const;

for (const [label, OpenAI] of [
  ['openai 7', () => require('openai').default as typeof OpenAIType],
  ['openai 6', () => require('openai-v6').default as typeof OpenAIType],
] as const) {
  describe(`${label} parse helpers`, () => {
    // The client's own retries are on: Breakwater's attempts must be the only ones.
    const client = () => new (OpenAI())({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, maxRetries: 5 });
    const chatParse = (m: string) =>
      client().chat.completions.parse({
        model: m,
        messages: [{ role: 'user', content: 'Lisbon' }],
        response_format: { type: 'json_schema', json_schema: { name: 'city', strict: true, schema: CITY } },
      });
    const responsesParse = (m: string) =>
      client().responses.parse({
        model: m,
        input: 'Lisbon',
        text: { format: { type: 'json_schema', name: 'city', strict: true, schema: CITY } },
      });

    /** One operation of `m` with `attempts` attempt spans, its usage recorded. */
    function assertOneOperation(m: string, attempts: number): void {
      const ops = byRole(h.spans(), 'operation');
      assert.equal(ops.length, 1);
      const a = attrs(ops[0]!);
      assert.equal(a['gen_ai.request.model'], m);
      assert.equal(a['gen_ai.output.type'], 'json');
      assert.equal(a['breakwater.retry.attempts'], attempts);
      assert.equal(typeof a['gen_ai.usage.input_tokens'], 'number');
      assert.equal(typeof a['gen_ai.usage.output_tokens'], 'number');
      assert.equal(byRole(h.spans(), 'attempt').length, attempts);
    }

    it('chat.completions.parse: 503 twice, then the parsed output; exactly 3 requests', async () => {
      const m = model('chat');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503, count: 2 }] });
      const completion = await chatParse(m);
      assert.deepEqual(completion.choices[0]?.message.parsed, { city: 'You said: Lisbon' });
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 3);
      assertOneOperation(m, 3);
    });

    it('responses.parse: 503 twice, then the parsed output; exactly 3 requests', async () => {
      const m = model('responses');
      h.fp.script({
        route: 'openai.responses',
        model: m,
        steps: [{ fault: 'error', status: 503, count: 2 }],
      });
      const response = await responsesParse(m);
      assert.deepEqual(response.output_parsed, { city: 'You said: Lisbon' });
      assert.equal(h.fp.count({ route: 'openai.responses', model: m }), 3);
      assertOneOperation(m, 3);
    });

    it('.withResponse(): the parsed output and the response that succeeded', async () => {
      const m = model('with-response');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503, count: 1 }] });
      const { data, response } = await chatParse(m).withResponse();
      assert.equal(response.status, 200);
      assert.deepEqual(data.choices[0]?.message.parsed, { city: 'You said: Lisbon' });
      assertOneOperation(m, 2);
      h.reset();
      const r = await responsesParse(m).withResponse();
      assert.equal(r.response.status, 200);
      assert.deepEqual(r.data.output_parsed, { city: 'You said: Lisbon' });
      assertOneOperation(m, 1);
    });

    it('.asResponse(): the raw response, its operation ended with it', async () => {
      for (const [route, ask] of [
        ['chat', chatParse],
        ['responses', responsesParse],
      ] as const) {
        const m = model(`raw-${route}`);
        const response = await ask(m).asResponse();
        assert.equal(response.status, 200);
        // Ended at the raw response, as `.asResponse()` of the call itself is: not left open
        // until the promise is garbage-collected.
        const op = h.operation(m);
        assert.ok(op, `${route}: the operation ended at the raw response`);
        assert.equal(byRole(h.spans(), 'attempt').length, 1);
        assert.equal(await h.inFlight(`openai/${m}`), 0);
        assert.deepEqual(await h.calls(`openai/${m}`), ['success:=1']);
        assert.ok(
          ((await response.json()) as { id?: string }).id,
          `${route}: the body is the caller's to read`,
        );
        h.reset();
      }
    });
  });
}
