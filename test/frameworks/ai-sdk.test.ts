/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai` and `@ai-sdk/anthropic`) through
 * `breakwaterMiddleware()` from `@breakwater/instrumentation/ai-sdk`, against the fault provider.
 * The AI SDK's providers call `fetch` themselves, so the client instrumentations never see their
 * calls: the middleware gives them the operation and attempt spans, the one retry loop and the
 * breaker. `maxRetries: 0` on the AI SDK's calls keeps its own retries from running around
 * Breakwater's (the README's request counts are measured here).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { agent, CircuitOpenError, refusalOf, tool } from '@breakwater/instrumentation';
import { breakwaterMiddleware } from '@breakwater/instrumentation/ai-sdk';
import {
  APICallError,
  tool as aiTool,
  generateText,
  jsonSchema,
  stepCountIs,
  streamText,
  wrapLanguageModel,
} from 'ai';
import { collectUntil } from '../../packages/instrumentation/src/testing/gc.ts';
import { waitFor } from '../harness/wait.ts';
import { aiSdkHarness, attr } from './ai-sdk-harness.ts';

let openai: ReturnType<typeof createOpenAI>;
let anthropic: ReturnType<typeof createAnthropic>;
const h = aiSdkHarness(
  [
    { match: '*', policy: { retry: { baseDelayMs: 1, maxDelayMs: 2 }, timeoutMs: 5_000 } },
    {
      match: '*/gpt-breaker',
      policy: { retry: { maxAttempts: 1 }, breaker: { minimumCalls: 1, consecutiveFailures: 2 } },
    },
    { match: '*/gpt-one-slot', policy: { bulkhead: { maxConcurrent: 1, maxQueue: 0 } } },
  ],
  (fp) => {
    openai = createOpenAI({ baseURL: fp.openaiBaseUrl, apiKey: 'k' });
    anthropic = createAnthropic({ baseURL: `${fp.url}/v1`, apiKey: 'k' });
  },
);
const { exporter, byRole, operationOf } = h;
const middleware = breakwaterMiddleware();
const chat = (model: string) => wrapLanguageModel({ model: openai.chat(model), middleware });
const claude = (model: string) => wrapLanguageModel({ model: anthropic(model), middleware });

describe('generateText', () => {
  it('one call: an operation span with its GenAI attributes and usage, one attempt span', async () => {
    const result = await generateText({ model: chat('gpt-ok'), prompt: 'hello there', maxRetries: 0 });
    assert.equal(result.text, 'You said: hello there');
    const { op, attempts } = operationOf('gpt-ok');
    assert.equal(op.name, 'chat gpt-ok');
    assert.equal(attr(op, 'gen_ai.operation.name'), 'chat');
    assert.equal(attr(op, 'gen_ai.provider.name'), 'openai');
    assert.equal(attr(op, 'gen_ai.request.model'), 'gpt-ok');
    assert.equal(attr(op, 'server.address'), '127.0.0.1');
    assert.equal(attr(op, 'breakwater.dependency'), 'openai/gpt-ok');
    assert.equal(attr(op, 'breakwater.retry.attempts'), 1);
    assert.equal(attr(op, 'gen_ai.usage.input_tokens'), 2);
    assert.equal(attr(op, 'gen_ai.usage.output_tokens'), 4);
    assert.equal(attr(op, 'gen_ai.response.model'), 'gpt-ok');
    assert.deepEqual(attr(op, 'gen_ai.response.finish_reasons'), ['stop']);
    assert.equal(attempts.length, 1);
  });

  it('503 twice, then an answer: with maxRetries: 0, exactly 3 requests, Breakwater’s 3 attempts', async () => {
    h.fp.script({
      route: 'openai.chat',
      model: 'gpt-flaky',
      steps: [{ fault: 'error', status: 503, count: 2 }],
    });
    const result = await generateText({ model: chat('gpt-flaky'), prompt: 'hi', maxRetries: 0 });
    assert.equal(result.text, 'You said: hi');
    assert.equal(h.fp.count({ route: 'openai.chat', model: 'gpt-flaky' }), 3);
    const { op, attempts } = operationOf('gpt-flaky');
    assert.equal(attr(op, 'breakwater.retry.attempts'), 3);
    assert.deepEqual(
      attempts.map((a) => attr(a, 'breakwater.error.category') ?? 'ok'),
      ['overloaded', 'overloaded', 'ok'],
    );
  });

  it("without maxRetries: 0, the AI SDK's own 2 retries run around Breakwater's 3 attempts", async () => {
    h.fp.script({
      route: 'openai.chat',
      model: 'gpt-twice',
      steps: [{ fault: 'error', status: 503, count: 3 }],
    });
    const result = await generateText({ model: chat('gpt-twice'), prompt: 'hi' });
    assert.equal(result.text, 'You said: hi');
    // Breakwater's 3 attempts fail; the AI SDK retries the call: a 4th request, a second operation.
    assert.equal(h.fp.count({ route: 'openai.chat', model: 'gpt-twice' }), 4);
    assert.equal(byRole('operation', 'gpt-twice').length, 2);
  });

  it('a 400 is sent once and fails with the provider’s APICallError, classified validation', async () => {
    h.fp.script({
      route: 'openai.chat',
      model: 'gpt-bad',
      steps: [{ fault: 'error', status: 400, count: 1 }],
    });
    const error = await generateText({ model: chat('gpt-bad'), prompt: 'hi', maxRetries: 0 }).then(
      () => assert.fail('a 400 fails the call'),
      (e: unknown) => e,
    );
    assert.ok(APICallError.isInstance(error), String(error));
    assert.equal(error.statusCode, 400);
    assert.equal(h.fp.count({ route: 'openai.chat', model: 'gpt-bad' }), 1);
    const { op, attempts } = operationOf('gpt-bad');
    assert.equal(attr(op, 'breakwater.error.category'), 'validation');
    assert.equal(attr(op, 'breakwater.error.source'), 'caller');
    assert.equal(attempts.length, 1);
  });

  it('the breaker opens on failures and refuses the next call without a request', async () => {
    h.fp.script({ route: 'openai.chat', model: 'gpt-breaker', steps: [{ fault: 'error', status: 503 }] });
    const call = () =>
      generateText({ model: chat('gpt-breaker'), prompt: 'hi', maxRetries: 0 }).then(
        () => assert.fail('the provider is down'),
        (e: unknown) => e,
      );
    assert.ok(APICallError.isInstance(await call()));
    assert.ok(APICallError.isInstance(await call()));
    exporter.reset();
    const refused = await call();
    assert.ok(refusalOf(refused) instanceof CircuitOpenError, String(refused));
    assert.equal(h.fp.count({ route: 'openai.chat', model: 'gpt-breaker' }), 2, 'the refusal sent nothing');
    const { op, attempts } = operationOf('gpt-breaker');
    assert.equal(attr(op, 'breakwater.error.category'), 'circuit_open');
    assert.equal(attr(op, 'breakwater.error.source'), 'policy');
    assert.equal(attr(op, 'breakwater.breaker.state'), 'open');
    assert.equal(attempts.length, 0);
  });

  it('a model wrapped twice runs one pipeline: one operation, no retries inside retries', async () => {
    h.fp.script({
      route: 'openai.chat',
      model: 'gpt-twice-wrapped',
      steps: [{ fault: 'error', status: 503, count: 2 }],
    });
    const model = wrapLanguageModel({
      model: openai.chat('gpt-twice-wrapped'),
      middleware: [middleware, middleware],
    });
    await generateText({ model, prompt: 'hi', maxRetries: 0 });
    assert.equal(h.fp.count({ route: 'openai.chat', model: 'gpt-twice-wrapped' }), 3);
    assert.equal(attr(operationOf('gpt-twice-wrapped').op, 'breakwater.retry.attempts'), 3);
  });

  it('a wrapped model calling another wrapped model (a router) keeps the inner one its own pipeline', async () => {
    h.fp.script({
      route: 'openai.chat',
      model: 'gpt-routed',
      steps: [{ fault: 'error', status: 503, count: 2 }],
    });
    const inner = chat('gpt-routed');
    const routerModel: LanguageModelV4 = {
      specificationVersion: 'v4',
      provider: 'router',
      modelId: 'router-model',
      supportedUrls: {},
      doGenerate: (options) => inner.doGenerate(options),
      doStream: (options) => inner.doStream(options),
    };
    await generateText({
      model: wrapLanguageModel({ model: routerModel, middleware }),
      prompt: 'hi',
      maxRetries: 0,
    });
    assert.equal(h.fp.count({ route: 'openai.chat', model: 'gpt-routed' }), 3);
    // The inner model's own operation: its retries, breaker and spans are its dependency's.
    assert.equal(attr(operationOf('gpt-routed').op, 'breakwater.retry.attempts'), 3);
  });

  it('a tool call: AI SDK tool() runs a Breakwater tool(); agent → chat, execute_tool, chat', async () => {
    const getWeather = tool('get_weather', async ({ city }: { city: string }) => `sunny in ${city}`);
    const assistant = agent(
      'weather-agent',
      (question: string) =>
        generateText({
          model: claude('claude-tools'),
          prompt: question,
          maxRetries: 0,
          tools: {
            get_weather: aiTool({
              description: 'Weather for a city',
              inputSchema: jsonSchema<{ city: string }>({
                type: 'object',
                properties: { city: { type: 'string' } },
                required: ['city'],
              }),
              execute: ({ city }) => getWeather({ city }),
            }),
          },
          stopWhen: stepCountIs(3),
        }),
      { provider: 'anthropic' },
    );
    const result = await assistant('weather in Lisbon');
    assert.equal(result.text, 'Tool result: sunny in weather in Lisbon');
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'invoke_agent weather-agent')!;
    const children = spans
      .filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId)
      .sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]))
      .map((s) => `${s.name} ${String(attr(s, 'breakwater.role'))}`);
    assert.deepEqual(children, [
      'chat claude-tools operation',
      'execute_tool get_weather operation',
      'chat claude-tools operation',
    ]);
    assert.equal(h.fp.count({ route: 'anthropic.messages', model: 'claude-tools' }), 2);
  });
});

describe('streamText', () => {
  it('a stream: its operation ends with it, with usage and the time to its first chunk', async () => {
    const result = streamText({ model: claude('claude-stream'), prompt: 'hello there', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    assert.equal(text, 'You said: hello there');
    const { op, attempts } = operationOf('claude-stream');
    assert.equal(attr(op, 'gen_ai.request.stream'), true);
    assert.equal(attr(op, 'gen_ai.provider.name'), 'anthropic');
    assert.equal(attr(op, 'gen_ai.usage.output_tokens'), 4);
    assert.equal(typeof attr(op, 'gen_ai.response.time_to_first_chunk'), 'number');
    assert.deepEqual(attr(op, 'gen_ai.response.finish_reasons'), ['end_turn']);
    assert.equal(attempts.length, 1);
    assert.equal(op.status.code, 0, 'not failed');
  });

  it('an error part mid-stream fails the operation and its attempt, and is not retried', async () => {
    h.fp.script({
      route: 'anthropic.messages',
      model: 'claude-cut',
      steps: [{ fault: 'stream_error', afterChunks: 4, count: 1 }],
    });
    const errors: unknown[] = [];
    const result = streamText({
      model: claude('claude-cut'),
      prompt: 'hello there',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    for await (const _ of result.textStream);
    assert.equal(errors.length, 1, 'the app hears of the error');
    assert.equal(h.fp.count({ route: 'anthropic.messages', model: 'claude-cut' }), 1, 'not retried');
    const { op, attempts } = operationOf('claude-cut');
    assert.equal(attr(op, 'breakwater.error.category'), 'overloaded');
    assert.equal(attr(op, 'error.type'), 'overloaded_error');
    assert.equal(attr(op, 'breakwater.retry.attempts'), 1);
    assert.equal(attempts.length, 1);
    assert.equal(attr(attempts[0]!, 'breakwater.error.category'), 'overloaded');
  });

  it('a dropped connection mid-stream fails the operation as a network failure, not retried', async () => {
    h.fp.script({
      route: 'openai.chat',
      model: 'gpt-drop',
      steps: [{ fault: 'stream_error', afterChunks: 2, end: 'close', count: 1 }],
    });
    const result = streamText({
      model: chat('gpt-drop'),
      prompt: 'hello there',
      maxRetries: 0,
      onError: () => {},
    });
    await assert.rejects(async () => {
      for await (const _ of result.textStream);
    }, /Failed to process successful response/);
    assert.equal(h.fp.count({ route: 'openai.chat', model: 'gpt-drop' }), 1);
    const { op } = operationOf('gpt-drop');
    assert.equal(attr(op, 'breakwater.error.category'), 'network');
  });

  it('a streamText result nobody consumes ends abandoned when collected: its bulkhead slot is free again', async () => {
    // A handler that throws between streamText() and returning its stream: the model's stream,
    // which streamText requested at once, is read only as far as streamText buffers ahead.
    const prompt = 'a long answer '.repeat(50);
    (() => void streamText({ model: chat('gpt-one-slot'), prompt, maxRetries: 0 }))();
    await waitFor('the stream to be handed over', () => h.runtime.openOperations.size === 1);
    const op = await collectUntil(() => byRole('operation', 'gpt-one-slot')[0]);
    assert.ok(op, 'ended once collected');
    assert.equal(attr(op, 'breakwater.stream.abandoned'), true);
    assert.equal(h.runtime.openOperations.size, 0);
    // With one slot and no queue, a call while the slot is held would be refused (bulkhead_full).
    const result = await generateText({ model: chat('gpt-one-slot'), prompt: 'hi', maxRetries: 0 });
    assert.equal(result.text, 'You said: hi');
  });

  it('a 529 before the stream began is retried like a call', async () => {
    h.fp.script({
      route: 'anthropic.messages',
      model: 'claude-busy',
      steps: [{ fault: 'error', status: 529, count: 1 }],
    });
    const result = streamText({ model: claude('claude-busy'), prompt: 'hi', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    assert.equal(text, 'You said: hi');
    assert.equal(h.fp.count({ route: 'anthropic.messages', model: 'claude-busy' }), 2);
    assert.equal(attr(operationOf('claude-busy').op, 'breakwater.retry.attempts'), 2);
  });

  it('an overloaded_error sent as the first event is retried: nothing reached the app', async () => {
    h.fp.script({
      route: 'anthropic.messages',
      model: 'claude-first',
      steps: [{ fault: 'stream_error', afterChunks: 0, count: 1 }],
    });
    let text = '';
    for await (const delta of streamText({ model: claude('claude-first'), prompt: 'hi', maxRetries: 0 })
      .textStream)
      text += delta;
    assert.equal(text, 'You said: hi');
    assert.equal(h.fp.count({ route: 'anthropic.messages', model: 'claude-first' }), 2);
    const { attempts } = operationOf('claude-first');
    assert.equal(attr(attempts[0]!, 'breakwater.error.category'), 'overloaded');
  });
});
