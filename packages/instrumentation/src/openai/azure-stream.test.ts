/**
 * Azure OpenAI streams chat completions with chunks of its own among the model's: the first
 * carries the prompt's content-filter results, and annotations of the output's may come later,
 * each with an empty `id` and `model` (and no choices, or a choice without a delta). The span's
 * response id and model are the model's, not those blanks.
 *
 * The endpoint is local and answers as Azure does; the client is the real `AzureOpenAI`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AzureOpenAI as AzureOpenAIType } from 'openai';
import { attrs, harnessPerFile, require } from '../testing/harness.ts';

const h = harnessPerFile();

const ID = 'chatcmpl-azure-01';
/** The model Azure names in its chunks: the deployment's model, not the deployment. */
const MODEL = 'gpt-4o-2024-08-06';
const FILTERS = { hate: { filtered: false, severity: 'safe' } };

/** A chat completion stream as Azure OpenAI sends it, content filtering on. */
const CHUNKS = [
  {
    id: '',
    object: '',
    created: 0,
    model: '',
    choices: [],
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTERS }],
  },
  {
    id: ID,
    object: 'chat.completion.chunk',
    created: 1,
    model: MODEL,
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
  },
  {
    id: ID,
    object: 'chat.completion.chunk',
    created: 1,
    model: MODEL,
    choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }],
  },
  {
    id: ID,
    object: 'chat.completion.chunk',
    created: 1,
    model: MODEL,
    choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
  },
  // An annotation of the output (asynchronous filtering), again without id and model.
  {
    id: '',
    object: '',
    created: 0,
    model: '',
    choices: [{ index: 0, finish_reason: null, content_filter_results: FILTERS }],
  },
];

let server: Server;
before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const chunk of CHUNKS) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

for (const [label, name] of [
  ['openai 7', 'openai'],
  ['openai 6', 'openai-v6'],
] as const) {
  describe(`${label} AzureOpenAI: a streamed chat completion`, () => {
    it('names the response id and model of the model’s chunks, not the blanks of Azure’s own', async () => {
      const { AzureOpenAI } = require(name) as { AzureOpenAI: typeof AzureOpenAIType };
      const client = new AzureOpenAI({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        apiKey: 'azure-key',
        apiVersion: '2024-10-21',
      });
      const m = `gpt-azure-stream-${label}`;
      const stream = await client.chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let chunks = 0;
      for await (const _ of stream) chunks++;
      assert.equal(chunks, CHUNKS.length);
      const a = attrs(h.operation(m)!);
      assert.equal(a['gen_ai.provider.name'], 'azure.ai.openai');
      assert.equal(a['gen_ai.response.id'], ID);
      assert.equal(a['gen_ai.response.model'], MODEL);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
      const [point] = (await h.points('gen_ai.client.operation.duration')).filter(
        (p) => p.attributes['gen_ai.request.model'] === m,
      );
      assert.equal(point?.attributes['gen_ai.response.model'], MODEL);
    });
  });
}
