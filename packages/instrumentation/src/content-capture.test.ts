import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import type OpenAIType from 'openai';
import { agent } from './agent.ts';
import { responsesSystemInstructions } from './openai/content.ts';
import { attrs, byRole, harnessPerFile, require } from './testing/harness.ts';
import { tool } from './tool.ts';

// Content capture is opt-in through the environment variable the GenAI conventions name; the
// runtime reads it when the harness creates it. The captured JSON must follow the conventions'
// message schemas: messages of `{ role, parts }`, parts typed `text` / `tool_call` /
// `tool_call_response` / ..., output messages with a `finish_reason`, system instructions as a
// list of parts.
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';

const h = harnessPerFile();

let seq = 0;
const model = (tag: string) => `content-${tag}-${seq++}`;

function opAttrs(): Record<string, unknown> {
  const [op] = byRole(h.spans(), 'operation');
  assert.ok(op, 'an operation span');
  return attrs(op);
}

function parsed(a: Record<string, unknown>, key: string): unknown {
  const value = a[key];
  assert.equal(typeof value, 'string', `${key} is recorded as a JSON string`);
  return JSON.parse(value as string);
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('content capture (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true)', () => {
  const openai = () => {
    const OpenAI = require('openai').default as typeof OpenAIType;
    return new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
  };
  const anthropic = () => {
    const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
    return new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
  };

  it('chat.completions: history with tool call and tool result as role/parts; output with finish_reason', async () => {
    await openai().chat.completions.create({
      model: model('chat'),
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'rainy' },
      ],
    });
    const a = opAttrs();
    assert.deepEqual(parsed(a, 'gen_ai.input.messages'), [
      // System messages that are part of the chat history stay in the input messages.
      { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
      { role: 'user', parts: [{ type: 'text', content: 'weather?' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'rainy' }] },
    ]);
    assert.deepEqual(parsed(a, 'gen_ai.output.messages'), [
      { role: 'assistant', parts: [{ type: 'text', content: 'Tool result: rainy' }], finish_reason: 'stop' },
    ]);
    assert.equal(a['gen_ai.system_instructions'], undefined);
  });

  it('chat.completions: a tool call answer is a tool_call part, finish_reason tool_call', async () => {
    await openai().chat.completions.create({
      model: model('chat-tool'),
      messages: [{ role: 'user', content: 'Lyon' }],
      tools: [weatherTool],
    });
    const [message] = parsed(opAttrs(), 'gen_ai.output.messages') as Record<string, unknown>[];
    assert.equal(message!.finish_reason, 'tool_call');
    const [part] = message!.parts as Record<string, unknown>[];
    assert.equal(part!.type, 'tool_call');
    assert.equal(part!.name, 'get_weather');
    assert.deepEqual(part!.arguments, { city: 'Lyon' });
    assert.equal(typeof part!.id, 'string');
  });

  it('chat.completions stream: output message assembled from the deltas, tool calls included', async () => {
    const text = await openai().chat.completions.create({
      model: model('chat-stream'),
      messages: [{ role: 'user', content: 'hello there' }],
      stream: true,
    });
    for await (const _ of text);
    assert.deepEqual(parsed(opAttrs(), 'gen_ai.output.messages'), [
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'You said: hello there' }],
        finish_reason: 'stop',
      },
    ]);
    h.reset();
    const call = await openai().chat.completions.create({
      model: model('chat-stream-tool'),
      messages: [{ role: 'user', content: 'Nice' }],
      tools: [weatherTool],
      stream: true,
    });
    for await (const _ of call);
    const [message] = parsed(opAttrs(), 'gen_ai.output.messages') as Record<string, unknown>[];
    assert.equal(message!.finish_reason, 'tool_call');
    assert.deepEqual(
      (message!.parts as Record<string, unknown>[]).map((p) => [p.type, p.name, p.arguments]),
      [['tool_call', 'get_weather', { city: 'Nice' }]],
    );
  });

  it('responses: string input is a user message, instructions are system instructions', async () => {
    await openai().responses.create({ model: model('resp'), input: 'hello', instructions: 'be brief' });
    const a = opAttrs();
    assert.deepEqual(parsed(a, 'gen_ai.input.messages'), [
      { role: 'user', parts: [{ type: 'text', content: 'hello' }] },
    ]);
    assert.deepEqual(parsed(a, 'gen_ai.system_instructions'), [{ type: 'text', content: 'be brief' }]);
    assert.deepEqual(parsed(a, 'gen_ai.output.messages'), [
      { role: 'assistant', parts: [{ type: 'text', content: 'You said: hello' }], finish_reason: 'stop' },
    ]);
  });

  it('responses stream: function call items and their outputs map to tool_call / tool_call_response', async () => {
    const stream = await openai().responses.create({
      model: model('resp-stream'),
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'weather?' }] },
        { type: 'function_call', call_id: 'c9', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'c9', output: 'snow' },
      ],
      stream: true,
    });
    for await (const _ of stream);
    const a = opAttrs();
    assert.deepEqual(parsed(a, 'gen_ai.input.messages'), [
      { role: 'user', parts: [{ type: 'text', content: 'weather?' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c9', name: 'get_weather', arguments: { city: 'Oslo' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c9', response: 'snow' }] },
    ]);
    assert.deepEqual(parsed(a, 'gen_ai.output.messages'), [
      { role: 'assistant', parts: [{ type: 'text', content: 'Tool result: snow' }], finish_reason: 'stop' },
    ]);
  });

  it('content that cannot be converted is left out; the call keeps its span and policies', async () => {
    // The client sends what toJSON gives; reading the message itself throws.
    const odd = Object.defineProperty({ toJSON: () => ({ role: 'user', content: 'hi' }) }, 'content', {
      get() {
        throw new Error('not readable');
      },
    });
    const res = await openai().chat.completions.create({ model: model('odd'), messages: [odd as never] });
    assert.equal(res.choices[0]?.message.content, 'You said: hi');
    const a = opAttrs();
    assert.equal(a['gen_ai.input.messages'], undefined);
    assert.equal(a['breakwater.retry.attempts'], 1, 'ran through the pipeline');
    assert.ok(a['gen_ai.output.messages'] !== undefined, 'the output is still captured');
  });

  it('a message of 200k parts converts (no argument-count limit on the way)', () => {
    const content = Array.from({ length: 200_000 }, () => ({ type: 'input_text', text: 'x' }));
    const parts = responsesSystemInstructions([{ role: 'system', content }]) as unknown[];
    assert.equal(parts.length, 200_000);
  });

  it('anthropic: system as system instructions, content blocks as parts, stop reason mapped', async () => {
    await anthropic().messages.create({
      model: model('claude'),
      max_tokens: 64,
      system: 'be kind',
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Rome' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sunny' }] },
      ],
    });
    const a = opAttrs();
    assert.deepEqual(parsed(a, 'gen_ai.system_instructions'), [{ type: 'text', content: 'be kind' }]);
    assert.deepEqual(parsed(a, 'gen_ai.input.messages'), [
      { role: 'user', parts: [{ type: 'text', content: 'weather?' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 't1', name: 'get_weather', arguments: { city: 'Rome' } }],
      },
      { role: 'user', parts: [{ type: 'tool_call_response', id: 't1', response: 'sunny' }] },
    ]);
    assert.deepEqual(parsed(a, 'gen_ai.output.messages'), [
      { role: 'assistant', parts: [{ type: 'text', content: 'Tool result: sunny' }], finish_reason: 'stop' },
    ]);
    // The span attribute keeps Anthropic's own stop reason.
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
  });

  it('anthropic stream: output message assembled from content block events', async () => {
    const stream = await anthropic().messages.create({
      model: model('claude-stream'),
      max_tokens: 64,
      messages: [{ role: 'user', content: 'get_weather' }],
      tools: [
        { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      ],
      stream: true,
    });
    for await (const _ of stream);
    const [message] = parsed(opAttrs(), 'gen_ai.output.messages') as Record<string, unknown>[];
    assert.equal(message!.role, 'assistant');
    assert.equal(message!.finish_reason, 'tool_call');
    assert.deepEqual(
      (message!.parts as Record<string, unknown>[]).map((p) => [p.type, p.name, p.arguments]),
      [['tool_call', 'get_weather', { city: 'get_weather' }]],
    );
  });

  it("tool definitions: each API's tools as gen_ai.tool.definitions, function tools with their schema", async () => {
    const params = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const fn = {
      type: 'function',
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: params,
    };
    await openai().chat.completions.create({
      model: model('defs-chat'),
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather in a city', parameters: params },
        },
        { type: 'custom', custom: { name: 'sql', description: 'Run SQL' } },
      ],
    });
    assert.deepEqual(parsed(opAttrs(), 'gen_ai.tool.definitions'), [
      fn,
      { type: 'custom', name: 'sql', description: 'Run SQL' },
    ]);
    h.reset();

    await openai().responses.create({
      model: model('defs-responses'),
      input: 'hi',
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather in a city',
          parameters: params,
          strict: true,
        },
        { type: 'web_search_preview' },
      ],
    });
    // A built-in tool has no name of its own: its type names it.
    assert.deepEqual(parsed(opAttrs(), 'gen_ai.tool.definitions'), [
      fn,
      { type: 'web_search_preview', name: 'web_search_preview' },
    ]);
    h.reset();

    await anthropic().messages.create({
      model: model('defs-claude'),
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { name: 'get_weather', description: 'Weather in a city', input_schema: params as never },
        { type: 'web_search_20250305', name: 'web_search', max_uses: 2 },
      ],
    });
    assert.deepEqual(parsed(opAttrs(), 'gen_ai.tool.definitions'), [
      fn,
      { type: 'web_search_20250305', name: 'web_search' },
    ]);
    h.reset();

    // No tools, no attribute.
    await openai().chat.completions.create({
      model: model('defs-none'),
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(opAttrs()['gen_ai.tool.definitions'], undefined);
  });

  it('tool(): arguments and result recorded as the objects they are', async () => {
    const lookup = tool('lookup_city', async (args: { city: string }) => ({ found: args.city }));
    const raw = tool('raw_json', async (json: string) => json);
    const run = agent('capture-agent', async () => {
      await lookup({ city: 'Paris' });
      await raw('{"a":1}');
    });
    await run();
    const op = (name: string) =>
      attrs(byRole(h.spans(), 'operation').find((s) => s.name === `execute_tool ${name}`)!);
    // One argument: that argument, not a one-element array of it.
    assert.equal(op('lookup_city')['gen_ai.tool.call.arguments'], '{"city":"Paris"}');
    assert.equal(op('lookup_city')['gen_ai.tool.call.result'], '{"found":"Paris"}');
    // A JSON string (model-provided arguments) is not encoded a second time.
    assert.equal(op('raw_json')['gen_ai.tool.call.arguments'], '{"a":1}');
    assert.equal(op('raw_json')['gen_ai.tool.call.result'], '{"a":1}');
  });
});
