import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { countTokens } from './canned.ts';
import { type FaultProvider, startFaultProvider } from './server.ts';
import { anthropicClient } from './testing/clients.ts';

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
  },
};

describe('Anthropic Messages with the real @anthropic-ai/sdk client', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  let client: Anthropic;
  before(async () => {
    fp = await startFaultProvider();
    client = anthropicClient(fp);
  });
  after(() => fp.close());

  it('answers a message with canned text, usage and a request id', async () => {
    const { data, response } = await client.messages
      .create({
        model: 'claude-test-sonnet',
        max_tokens: 100,
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'Tell me a joke' }],
      })
      .withResponse();
    assert.equal(data.type, 'message');
    assert.equal(data.model, 'claude-test-sonnet');
    assert.deepEqual(data.content, [{ type: 'text', text: 'You said: Tell me a joke' }]);
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.usage.input_tokens, 3 + 4);
    assert.equal(data.usage.output_tokens, 6);
    assert.match(response.headers.get('request-id') ?? '', /^req_[0-9a-f]{24}$/);
    // The client exposes the header as `_request_id` on the result.
    assert.equal((data as { _request_id?: string })._request_id, response.headers.get('request-id'));
  });

  it('answers structured output (output_config.format) with JSON that fits the schema', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Lisbon' }],
      output_config: {
        format: {
          type: 'json_schema',
          schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    });
    const block = msg.content[0];
    assert.equal(block?.type, 'text');
    assert.deepEqual(JSON.parse(block.type === 'text' ? block.text : ''), { city: 'You said: Lisbon' });
  });

  it('streams the Messages event sequence', async () => {
    const stream = await client.messages.create({
      model: 'claude-test-haiku',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'stream this' }] }],
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let outputTokens = 0;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') outputTokens = event.usage.output_tokens;
    }
    assert.equal(text, 'You said: stream this');
    assert.equal(outputTokens, 4);
    assert.deepEqual(types, [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('works with the messages.stream() helper', async () => {
    const stream = client.messages.stream({
      model: 'claude-test-haiku',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'helper test' }],
    });
    const final = await stream.finalMessage();
    const block = final.content[0];
    assert.ok(block && block.type === 'text');
    assert.equal(block.text, 'You said: helper test');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 4);
    assert.equal(final.usage.input_tokens, 2);
  });

  it('returns a tool_use block when tools are offered, then text after the tool_result', async () => {
    const first = await client.messages.create({
      model: 'claude-test-sonnet',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather in Rome' }],
    });
    assert.equal(first.stop_reason, 'tool_use');
    const block = first.content[0];
    assert.ok(block && block.type === 'tool_use');
    assert.equal(block.name, 'get_weather');
    assert.deepEqual(block.input, { city: 'weather in Rome', unit: 'celsius' });
    assert.match(block.id, /^toolu_/);
    assert.equal(
      first.usage.output_tokens,
      countTokens('get_weather') + countTokens(JSON.stringify(block.input)),
    );

    const second = await client.messages.create({
      model: 'claude-test-sonnet',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather in Rome' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: block.id, content: '25 degrees' }] },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.deepEqual(second.content, [{ type: 'text', text: 'Tool result: 25 degrees' }]);
  });

  it('streams a tool_use block that the stream helper reassembles', async () => {
    const stream = client.messages.stream({
      model: 'claude-test-sonnet',
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'Berlin' }],
    });
    const final = await stream.finalMessage();
    const block = final.content[0];
    assert.ok(block && block.type === 'tool_use');
    assert.deepEqual(block.input, { city: 'Berlin', unit: 'celsius' });
    assert.equal(final.stop_reason, 'tool_use');
  });

  it('stops at max_tokens', async () => {
    const res = await client.messages.create({
      model: 'claude-test-sonnet',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'a b c d' }],
    });
    assert.equal(res.stop_reason, 'max_tokens');
    assert.deepEqual(res.content, [{ type: 'text', text: 'You said:' }]);
  });

  it('answers the beta Messages API (beta.messages, `?beta=true` in 0.x) as /v1/messages, counted under its route', async () => {
    const model = 'claude-test-beta';
    const msg = await client.beta.messages.create({
      model,
      max_tokens: 16,
      betas: ['some-feature-2025-01-01'],
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.deepEqual(msg.content, [{ type: 'text', text: 'You said: hi' }]);
    // `@anthropic-ai/sdk` 0.x marks the beta path with `?beta=true` (1.x sends the plain path).
    const marked = await fetch(`${fp.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-beta': 'some-feature-2025-01-01' },
      body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(marked.status, 200);
    assert.equal(((await marked.json()) as { type: string }).type, 'message');
    assert.equal(fp.count({ route: 'anthropic.messages', model }), 2);
  });

  it('rejects a request without max_tokens as the real API does', async () => {
    await assert.rejects(
      // @ts-expect-error max_tokens is required by the API
      client.messages.create({ model: 'claude-test-sonnet', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) =>
        err instanceof Anthropic.BadRequestError &&
        (err as { type?: unknown }).type === 'invalid_request_error',
    );
  });
});
