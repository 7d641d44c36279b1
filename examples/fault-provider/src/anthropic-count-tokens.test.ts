import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { type FaultProvider, startFaultProvider } from './server.ts';
import { anthropicClient } from './testing/clients.ts';

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

/** Inputs `countTokens` and `messages.create` both take: plain, with a system prompt, blocks, a tool round trip. */
const inputs: Array<Omit<Anthropic.MessageCountTokensParams, 'model'>> = [
  { messages: [{ role: 'user', content: 'Tell me a joke' }] },
  { system: 'You are terse and precise.', messages: [{ role: 'user', content: 'hello there' }] },
  {
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'first question' }] },
      { role: 'assistant', content: 'an answer of five words' },
      { role: 'user', content: [{ type: 'text', text: 'and a follow up' }] },
    ],
  },
  {
    tools: [weatherTool],
    messages: [
      { role: 'user', content: 'weather in Rome' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '25 degrees' }] },
    ],
  },
];

describe('Anthropic count_tokens with the real @anthropic-ai/sdk client', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  let client: Anthropic;
  before(async () => {
    fp = await startFaultProvider();
    client = anthropicClient(fp);
  });
  beforeEach(() => {
    fp.clearFaults();
    fp.resetStats();
  });
  after(() => fp.close());

  it('counts the input tokens messages.create reports as usage for the same input', async () => {
    for (const input of inputs) {
      const { input_tokens } = await client.messages.countTokens({ model: 'claude-test', ...input });
      const message = await client.messages.create({ model: 'claude-test', max_tokens: 50, ...input });
      assert.equal(input_tokens, message.usage.input_tokens, JSON.stringify(input));
    }
    // The first input by hand: "Tell me a joke" is four words.
    const first = await client.messages.countTokens({ model: 'claude-test', ...inputs[0]! });
    assert.deepEqual(first, { input_tokens: 4 });
  });

  it('refuses an invalid input with the 400 messages.create sends for it', async () => {
    const bad: Array<Record<string, unknown>> = [
      { messages: [{ role: 'user', content: 'no model' }] },
      { model: 'claude-test', messages: [] },
      { model: 'claude-test', messages: [{ role: 'system', content: 'not a message role' }] },
    ];
    for (const body of bad) {
      const counted = await client.messages
        .countTokens(body as unknown as Anthropic.MessageCountTokensParams)
        .catch((e: unknown) => e);
      const created = await client.messages
        .create({ max_tokens: 50, ...body } as unknown as Anthropic.MessageCreateParamsNonStreaming)
        .catch((e: unknown) => e);
      assert.ok(counted instanceof Anthropic.BadRequestError, String(counted));
      assert.ok(created instanceof Anthropic.BadRequestError, String(created));
      assert.equal(counted.type, 'invalid_request_error');
      // The same inner error (type and message); only the request ids differ.
      const inner = (err: { error: unknown }) => (err.error as { error?: unknown }).error;
      assert.deepEqual(inner(counted), inner(created));
    }
    assert.equal(fp.count({ route: 'anthropic.count_tokens', outcome: 'invalid_request' }), bad.length);
  });

  it('needs no max_tokens, which only generation takes', async () => {
    const counted = await client.messages.countTokens({
      model: 'claude-test',
      messages: [{ role: 'user', content: 'just count' }],
    });
    assert.equal(counted.input_tokens, 2);
  });

  it('a fault scripted on anthropic.count_tokens reaches countTokens, not messages.create', async () => {
    fp.script({ route: 'anthropic.count_tokens', steps: [{ fault: 'error', status: 529 }] });
    const err = await client.messages.countTokens({ model: 'claude-test', ...inputs[0]! }).catch((e) => e);
    assert.ok(err instanceof Anthropic.OverloadedError, String(err));
    assert.equal(err.status, 529);
    assert.equal(err.type, 'overloaded_error');
    assert.match(err.requestID ?? '', /^req_/);
    const message = await client.messages.create({ model: 'claude-test', max_tokens: 50, ...inputs[0]! });
    assert.equal(message.type, 'message');
  });

  it('a script for every Anthropic route covers counting too', async () => {
    fp.script({
      route: 'anthropic',
      steps: [{ fault: 'error', code: 'rate_limit_exceeded', retryAfter: 3 }],
    });
    const err = await client.messages.countTokens({ model: 'claude-test', ...inputs[0]! }).catch((e) => e);
    assert.ok(err instanceof Anthropic.RateLimitError, String(err));
    assert.equal(err.headers?.get('retry-after'), '3');
  });

  it('/_stats counts requests under anthropic.count_tokens, apart from anthropic.messages', async () => {
    fp.script({ route: 'anthropic.count_tokens', steps: [{ fault: 'error', status: 500, count: 1 }] });
    await client.messages.countTokens({ model: 'claude-a', ...inputs[0]! }).catch(() => {});
    await client.messages.countTokens({ model: 'claude-a', ...inputs[0]! });
    await client.messages.countTokens({ model: 'claude-b', ...inputs[1]! });
    await client.messages.create({ model: 'claude-a', max_tokens: 50, ...inputs[0]! });

    const stats = (await (await fetch(`${fp.url}/_stats`)).json()) as {
      routes: Record<string, { total: number; models: Record<string, { outcomes: Record<string, number> }> }>;
    };
    const counting = stats.routes['anthropic.count_tokens'];
    assert.equal(counting?.total, 3);
    assert.deepEqual(counting?.models['claude-a']?.outcomes, { error_500: 1, ok: 1 });
    assert.deepEqual(counting?.models['claude-b']?.outcomes, { ok: 1 });
    assert.equal(stats.routes['anthropic.messages']?.total, 1);

    const filtered = (await (
      await fetch(`${fp.url}/_stats?route=anthropic.count_tokens&outcome=ok`)
    ).json()) as {
      count: number;
    };
    assert.equal(filtered.count, 2);
  });
});
