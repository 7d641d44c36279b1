import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type OpenAIType from 'openai';
import { startCannedProvider } from '../testing/canned-provider.ts';
import { attrs, byRole, type Harness, require, startHarness } from '../testing/harness.ts';

// Reasoning models report the tokens they spent thinking as part of the output tokens; the GenAI
// conventions put that count on `gen_ai.usage.reasoning.output_tokens`. The fault provider always
// reports zero, so a small loopback server answers with a non-zero count.

const REASONING = 40;
const OUTPUT = 52;

function completion(model: string) {
  return {
    id: 'chatcmpl-r',
    object: 'chat.completion',
    created: 0,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: 5,
      completion_tokens: OUTPUT,
      total_tokens: 5 + OUTPUT,
      completion_tokens_details: { reasoning_tokens: REASONING },
    },
  };
}

function chunks(model: string): string {
  const base = { id: 'chatcmpl-r', object: 'chat.completion.chunk', created: 0, model };
  const events = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: completion(model).usage },
  ];
  return `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')}data: [DONE]\n\n`;
}

function response(model: string) {
  return {
    id: 'resp_r',
    object: 'response',
    created_at: 0,
    status: 'completed',
    model,
    output: [
      {
        type: 'message',
        id: 'msg_r',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'hi', annotations: [] }],
      },
    ],
    usage: {
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: OUTPUT,
      output_tokens_details: { reasoning_tokens: REASONING },
      total_tokens: 5 + OUTPUT,
    },
  };
}

let h: Harness;
let provider: { readonly origin: string; close(): void };
let baseURL: string;

before(async () => {
  h = await startHarness();
  provider = await startCannedProvider((url, body) => {
    if (url.endsWith('/responses')) return { json: response(body.model) };
    return body.stream === true ? { sse: chunks(body.model) } : { json: completion(body.model) };
  });
  baseURL = `${provider.origin}/v1`;
});
after(async () => {
  provider.close();
  await h.close();
});
beforeEach(() => h.reset());

const client = () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  return new OpenAI({ apiKey: 'k', baseURL });
};

function assertReasoning(): void {
  const [op] = byRole(h.spans(), 'operation');
  assert.ok(op);
  const a = attrs(op);
  assert.equal(a['gen_ai.usage.output_tokens'], OUTPUT);
  assert.equal(a['gen_ai.usage.reasoning.output_tokens'], REASONING);
}

describe('openai reasoning tokens', () => {
  it('puts a chat completion’s reasoning tokens on gen_ai.usage.reasoning.output_tokens', async () => {
    await client().chat.completions.create({
      model: 'o-reason',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assertReasoning();
  });

  it('reads them from a streamed chat completion’s usage chunk', async () => {
    const stream = await client().chat.completions.create({
      model: 'o-reason-stream',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream);
    assertReasoning();
  });

  it('reads them from a Response’s output_tokens_details', async () => {
    await client().responses.create({ model: 'o-reason-responses', input: 'hi' });
    assertReasoning();
  });
});
