import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { AzureOpenAI } from 'openai';
import OpenAIv6, { AzureOpenAI as AzureOpenAIv6 } from 'openai-v6';
import { countTokens } from './canned.ts';
import { type FaultProvider, startFaultProvider } from './server.ts';
import { openaiClient } from './testing/clients.ts';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city'],
    },
  },
};

describe('OpenAI routes with the real openai client', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  let client: OpenAI;
  before(async () => {
    fp = await startFaultProvider();
    client = openaiClient(fp);
  });
  after(() => fp.close());

  it('answers a chat completion with canned content, usage and a request id', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'What is the capital of France?' },
        ],
      })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, 'gpt-4o');
    assert.equal(data.choices[0]?.message.content, 'You said: What is the capital of France?');
    assert.equal(data.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(
      [data.usage?.prompt_tokens, data.usage?.completion_tokens, data.usage?.total_tokens],
      [2 + 6, 8, 16],
    );
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{24}$/);
    // The client exposes the header as `_request_id` on the result.
    assert.equal((data as { _request_id?: string })._request_id, response.headers.get('x-request-id'));
  });

  it('streams chat chunks with a final usage chunk when include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream me please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'You said: stream me please');
    assert.equal(finish, 'stop');
    assert.equal(chunks, 1 + 5 + 1 + 1); // role, five words, finish, usage
    assert.equal(usage?.prompt_tokens, 3);
    assert.equal(usage?.completion_tokens, 5);
  });

  it('streams without a usage chunk when include_usage is not set', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const chunk of stream) assert.equal(chunk.usage, undefined);
  });

  it('calls an offered tool, then answers in text once the tool result comes back', async () => {
    const first = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'weather in Paris' }],
      tools: [weatherTool],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'weather in Paris' });
    assert.equal(
      first.usage?.completion_tokens,
      countTokens('get_weather') + countTokens(call.function.arguments),
    );

    const second = await client.chat.completions.create({
      model: 'gpt-4o',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather in Paris' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny 21C' },
      ],
    });
    assert.equal(second.choices[0]?.message.content, 'Tool result: sunny 21C');
    assert.equal(second.choices[0]?.finish_reason, 'stop');
  });

  it('streams a tool call that the stream helper reassembles', async () => {
    const stream = client.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'forecast for Oslo' }],
      tools: [weatherTool],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'forecast for Oslo' });
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  });

  it('truncates at max_completion_tokens with finish_reason length', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'one two three four' }],
      max_completion_tokens: 3,
    });
    assert.equal(res.choices[0]?.message.content, 'You said: one');
    assert.equal(res.choices[0]?.finish_reason, 'length');
    assert.equal(res.usage?.completion_tokens, 3);
  });

  it("answers structured output with JSON that fits the schema, for the clients' parse helpers", async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { enum: ['C', 'F'] } },
      required: ['city', 'days', 'unit'],
      additionalProperties: false,
    };
    const chat = await client.chat.completions.parse({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Lisbon' }],
      response_format: { type: 'json_schema', json_schema: { name: 'forecast', schema, strict: true } },
    });
    assert.deepEqual(chat.choices[0]?.message.parsed, { city: 'You said: Lisbon', days: 1, unit: 'C' });
    const any = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_object' },
    });
    assert.deepEqual(JSON.parse(any.choices[0]?.message.content ?? ''), { reply: 'You said: hi' });
    const response = await client.responses.parse({
      model: 'gpt-4o',
      input: 'Oslo',
      text: { format: { type: 'json_schema', name: 'forecast', schema, strict: true } },
    });
    assert.deepEqual(response.output_parsed, { city: 'You said: Oslo', days: 1, unit: 'C' });
  });

  it('answers the Responses API with output_text and usage', async () => {
    const res = await client.responses.create({
      model: 'gpt-4.1',
      instructions: 'Be terse.',
      input: 'Summarise the news',
    });
    assert.equal(res.object, 'response');
    assert.equal(res.status, 'completed');
    assert.equal(res.output_text, 'You said: Summarise the news');
    assert.equal(res.usage?.input_tokens, 2 + 3);
    assert.equal(res.usage?.output_tokens, 5);
  });

  it('streams the Responses API event sequence', async () => {
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'hello stream', stream: true });
    const types: string[] = [];
    let text = '';
    let seq = -1;
    for await (const event of stream) {
      types.push(event.type);
      assert.equal(event.sequence_number, seq + 1);
      seq = event.sequence_number;
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    assert.equal(text, 'You said: hello stream');
    assert.deepEqual(types.slice(0, 4), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    assert.deepEqual(types.slice(-4), [
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.equal(types.filter((t) => t === 'response.output_text.delta').length, 4);
  });

  it('works with the responses.stream() helper, including function calls', async () => {
    const stream = client.responses.stream({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: 'weather please' }],
      tools: [
        { type: 'function', name: 'get_weather', parameters: weatherTool.function.parameters, strict: false },
      ],
    });
    const final = await stream.finalResponse();
    const item = final.output[0];
    assert.ok(item && item.type === 'function_call');
    assert.equal(item.name, 'get_weather');
    assert.deepEqual(JSON.parse(item.arguments), { city: 'weather please' });

    const next = await client.responses.create({
      model: 'gpt-4.1',
      input: [
        { role: 'user', content: 'weather please' },
        { type: 'function_call_output', call_id: item.call_id, output: 'rain' },
      ],
      tools: [
        { type: 'function', name: 'get_weather', parameters: weatherTool.function.parameters, strict: false },
      ],
    });
    assert.equal(next.output_text, 'Tool result: rain');
  });

  it('returns deterministic embeddings, decoding the default base64 encoding', async () => {
    const a = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['alpha beta', 'gamma'],
    });
    assert.equal(a.data.length, 2);
    assert.equal(a.data[0]?.embedding.length, 1536);
    assert.equal(a.usage.prompt_tokens, 3);
    const norm = Math.hypot(...(a.data[0]?.embedding ?? []));
    assert.ok(Math.abs(norm - 1) < 1e-4);

    const b = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'alpha beta',
      encoding_format: 'float',
      dimensions: 1536,
    });
    // Same text, same vector, whichever encoding carried it.
    assert.deepEqual(Array.from(b.data[0]?.embedding ?? []), Array.from(a.data[0]?.embedding ?? []));
    const small = await client.embeddings.create({
      model: 'text-embedding-3-large',
      input: 'x',
      dimensions: 8,
    });
    assert.equal(small.data[0]?.embedding.length, 8);
  });

  it('answers invalid requests with an OpenAI 400 and counts them', async () => {
    fp.resetStats();
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o', messages: [] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.status === 400,
    );
    assert.equal(fp.count({ outcome: 'invalid_request' }), 1);
  });

  it('also works with openai 6.x', async () => {
    const v6 = new OpenAIv6({ apiKey: 'k', baseURL: fp.openaiBaseUrl, maxRetries: 0 });
    const res = await v6.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'six' }],
    });
    assert.equal(res.choices[0]?.message.content, 'You said: six');
    const stream = await v6.responses.create({ model: 'gpt-4o', input: 'six stream', stream: true });
    let text = '';
    for await (const e of stream) if (e.type === 'response.output_text.delta') text += e.delta;
    assert.equal(text, 'You said: six stream');
  });
});

describe('Azure OpenAI paths with the real AzureOpenAI client', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  before(async () => {
    fp = await startFaultProvider();
  });
  after(() => fp.close());

  for (const [label, Azure] of [
    ['openai 7', AzureOpenAI],
    // One client type for both majors: the test uses only what they share.
    ['openai 6', AzureOpenAIv6 as unknown as typeof AzureOpenAI],
  ] as const) {
    it(`${label}: deployment paths reach the chat and embeddings routes, counted by the body's model`, async () => {
      const azure = new Azure({
        endpoint: fp.url,
        apiKey: 'azure-key',
        apiVersion: '2024-10-21',
        maxRetries: 0,
      });
      const model = `azure-${label.replace(' ', '')}`;
      const chat = await azure.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(chat.choices[0]?.message.content, 'You said: hi');
      const embedding = await azure.embeddings.create({ model, input: 'hi' });
      assert.equal(embedding.data.length, 1);
      assert.equal(fp.count({ route: 'openai.chat', model }), 1);
      assert.equal(fp.count({ route: 'openai.embeddings', model }), 1);
      // Faults scripted for the API key Azure sends as `api-key` apply to it.
      fp.script({ route: 'openai.chat', apiKey: 'azure-key', steps: [{ fault: 'error', status: 503 }] });
      await assert.rejects(
        azure.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => (error as { status?: number }).status === 503,
      );
      fp.clearFaults();
    });
  }

  it('leaves other paths under /openai/ unknown', async () => {
    const res = await fetch(`${fp.url}/openai/deployments/d/images/generations`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(res.status, 404);
  });
});
