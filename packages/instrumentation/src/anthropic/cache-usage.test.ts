import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import { startCannedProvider } from '../testing/canned-provider.ts';
import { attrs, byRole, type Harness, require, startHarness } from '../testing/harness.ts';

// Anthropic reports prompt-cache tokens apart from `input_tokens`; the GenAI conventions count
// them in `gen_ai.usage.input_tokens`. The fault provider sends no cache fields, so a small
// loopback server answers like the Messages API does with prompt caching on.

const USAGE = { input_tokens: 10, cache_read_input_tokens: 5000, cache_creation_input_tokens: 200 };
const TOTAL_INPUT = 5210;

function message(model: string) {
  return {
    id: 'msg_cache',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: 'hi' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { ...USAGE, output_tokens: 7 },
  };
}

function sse(model: string): string {
  const events: [string, unknown][] = [
    [
      'message_start',
      {
        type: 'message_start',
        message: { ...message(model), content: [], stop_reason: null, usage: { ...USAGE, output_tokens: 1 } },
      },
    ],
    [
      'content_block_start',
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 7 },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  ];
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

let h: Harness;
let provider: { readonly origin: string; close(): void };
let baseURL: string;

before(async () => {
  h = await startHarness();
  provider = await startCannedProvider((_url, body) =>
    body.stream === true ? { sse: sse(body.model) } : { json: message(body.model) },
  );
  baseURL = provider.origin;
});
after(async () => {
  provider.close();
  await h.close();
});
beforeEach(() => h.reset());

let seq = 0;
const client = () => {
  const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
  return new Anthropic({ apiKey: 'k', baseURL });
};

function assertCacheUsage(model: string): void {
  const [op] = byRole(h.spans(), 'operation');
  assert.ok(op);
  const a = attrs(op);
  assert.equal(a['gen_ai.usage.input_tokens'], TOTAL_INPUT);
  assert.equal(a['gen_ai.usage.cache_read.input_tokens'], USAGE.cache_read_input_tokens);
  assert.equal(a['gen_ai.usage.cache_creation.input_tokens'], USAGE.cache_creation_input_tokens);
  assert.equal(a['gen_ai.usage.output_tokens'], 7);
  assert.equal(a['gen_ai.request.model'], model);
}

describe('anthropic prompt-cache tokens', () => {
  it('counts cached tokens in the input tokens of a message, on the span and the token metric', async () => {
    const m = `claude-cache-${seq++}`;
    await client().messages.create({ model: m, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    assertCacheUsage(m);
    assert.equal(await h.tokenSum(m, 'input'), TOTAL_INPUT);
  });

  it('counts them in a streamed message too', async () => {
    const m = `claude-cache-stream-${seq++}`;
    const stream = await client().messages.create({
      model: m,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const _ of stream);
    assertCacheUsage(m);
    assert.equal(await h.tokenSum(m, 'input'), TOTAL_INPUT);
  });

  it('counts them for beta.messages.create, plain and streamed', async () => {
    const m = `claude-cache-beta-${seq++}`;
    const request = {
      model: m,
      max_tokens: 10,
      betas: ['some-feature-2025-01-01'],
      messages: [{ role: 'user' as const, content: 'hi' }],
    };
    await client().beta.messages.create(request);
    assertCacheUsage(m);
    h.reset();
    for await (const _ of await client().beta.messages.create({ ...request, stream: true }));
    assertCacheUsage(m);
    assert.equal(await h.tokenSum(m, 'input'), 2 * TOTAL_INPUT);
  });

  it('adds nothing when nothing was cached (the fault provider reports zero cache tokens)', async () => {
    const m = `claude-nocache-${seq++}`;
    const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
    const plain = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
    const msg = await plain.messages.create({
      model: m,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const [op] = byRole(h.spans(), 'operation');
    assert.ok(op);
    const a = attrs(op);
    const cached = (msg.usage.cache_read_input_tokens ?? 0) + (msg.usage.cache_creation_input_tokens ?? 0);
    assert.equal(cached, 0);
    assert.equal(a['gen_ai.usage.input_tokens'], msg.usage.input_tokens);
    assert.equal(a['gen_ai.usage.cache_read.input_tokens'], msg.usage.cache_read_input_tokens ?? undefined);
  });
});
