/**
 * Gemini through the Vercel AI SDK: `@ai-sdk/google` models wrapped in `breakwaterMiddleware()` /
 * `breakwaterEmbeddingMiddleware()`, against the fault provider's Gemini routes. Gemini's API is
 * not OpenAI's: its errors are Google's `google.rpc.Status` (`RESOURCE_EXHAUSTED`, `UNAVAILABLE`,
 * a `RetryInfo` in the body where others send `Retry-After`), its usage counts thinking tokens
 * apart, its finish reasons are `STOP` / `MAX_TOKENS`, and its embeddings have their own methods.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { breakwaterEmbeddingMiddleware, breakwaterMiddleware } from '@breakwater/instrumentation/ai-sdk';
import {
  APICallError,
  embed,
  embedMany,
  generateText,
  streamText,
  wrapEmbeddingModel,
  wrapLanguageModel,
} from 'ai';
import { aiSdkHarness, attr } from './ai-sdk-harness.ts';

let google: ReturnType<typeof createGoogleGenerativeAI>;
const h = aiSdkHarness(
  [
    { match: '*', policy: { retry: { baseDelayMs: 1, maxDelayMs: 2 }, timeoutMs: 5_000 } },
    // A Retry-After longer than this ends the retries (as the default 30 s does for Gemini's
    // usual per-minute hints of 30–60 s); kept short so no test waits for a hint.
    { match: '*/gemini-long-wait', policy: { retry: { maxRetryAfterMs: 1_000 } } },
  ],
  (fp) => {
    google = createGoogleGenerativeAI({ baseURL: fp.geminiBaseUrl, apiKey: 'k' });
  },
);
const { operationOf } = h;
const middleware = breakwaterMiddleware();
const gemini = (model: string) => wrapLanguageModel({ model: google(model), middleware });
const embedder = (model: string) =>
  wrapEmbeddingModel({ model: google.embedding(model), middleware: breakwaterEmbeddingMiddleware() });

/** What a generateText call of `model` fails with. */
const failure = (model: string) =>
  generateText({ model: gemini(model), prompt: 'hi', maxRetries: 0 }).then(
    () => assert.fail('the call fails'),
    (e: unknown) => e,
  );

describe('generateText with @ai-sdk/google', () => {
  it('an operation span: provider gcp.gemini, its usage, Gemini’s finish reason and response id', async () => {
    const result = await generateText({ model: gemini('gemini-ok'), prompt: 'hello there', maxRetries: 0 });
    assert.equal(result.text, 'You said: hello there');
    const { op, attempts } = operationOf('gemini-ok');
    assert.equal(op.name, 'chat gemini-ok');
    assert.equal(attr(op, 'gen_ai.provider.name'), 'gcp.gemini');
    assert.equal(attr(op, 'breakwater.dependency'), 'gcp.gemini/gemini-ok');
    assert.equal(attr(op, 'gen_ai.request.model'), 'gemini-ok');
    assert.equal(attr(op, 'server.address'), '127.0.0.1');
    assert.equal(attr(op, 'gen_ai.usage.input_tokens'), 2);
    assert.equal(attr(op, 'gen_ai.usage.output_tokens'), 4);
    assert.deepEqual(attr(op, 'gen_ai.response.finish_reasons'), ['STOP']);
    assert.equal(typeof attr(op, 'gen_ai.response.id'), 'string');
    assert.equal(attempts.length, 1);
  });

  it('thinking and cached tokens: reasoning of the output tokens, cache reads of the input tokens', async () => {
    await generateText({
      model: gemini('gemini-think'),
      system: 'be terse',
      prompt: 'hello there',
      maxRetries: 0,
      providerOptions: {
        google: { thinkingConfig: { thinkingBudget: 7 }, cachedContent: 'cachedContents/c1' },
      },
    });
    const { op } = operationOf('gemini-think');
    assert.equal(attr(op, 'gen_ai.usage.input_tokens'), 4);
    assert.equal(attr(op, 'gen_ai.usage.cache_read.input_tokens'), 2);
    // Gemini counts thoughts apart from the candidates; the output tokens are both, as OpenAI's are.
    assert.equal(attr(op, 'gen_ai.usage.output_tokens'), 4 + 7);
    assert.equal(attr(op, 'gen_ai.usage.reasoning.output_tokens'), 7);
  });

  it('maxOutputTokens reached: finish reason MAX_TOKENS', async () => {
    await generateText({
      model: gemini('gemini-short'),
      prompt: 'one two three',
      maxOutputTokens: 2,
      maxRetries: 0,
    });
    assert.deepEqual(attr(operationOf('gemini-short').op, 'gen_ai.response.finish_reasons'), ['MAX_TOKENS']);
  });

  it('503 UNAVAILABLE twice, then an answer: Breakwater’s 3 attempts, overloaded, error.type UNAVAILABLE', async () => {
    h.fp.script({
      route: 'gemini',
      model: 'gemini-flaky',
      steps: [{ fault: 'error', status: 503, count: 2 }],
    });
    const result = await generateText({ model: gemini('gemini-flaky'), prompt: 'hi', maxRetries: 0 });
    assert.equal(result.text, 'You said: hi');
    assert.equal(h.fp.count({ route: 'gemini.generate_content', model: 'gemini-flaky' }), 3);
    const { attempts } = operationOf('gemini-flaky');
    assert.deepEqual(
      attempts.map((a) => [attr(a, 'breakwater.error.category') ?? 'ok', attr(a, 'error.type') ?? 'ok']),
      [
        ['overloaded', 'UNAVAILABLE'],
        ['overloaded', 'UNAVAILABLE'],
        ['ok', 'ok'],
      ],
    );
  });

  it('a per-minute 429 (QuotaFailure per minute, "You exceeded your current quota") is rate_limited and retried', async () => {
    h.fp.script({ route: 'gemini', model: 'gemini-rpm', steps: [{ fault: 'error', status: 429, count: 1 }] });
    await generateText({ model: gemini('gemini-rpm'), prompt: 'hi', maxRetries: 0 });
    assert.equal(h.fp.count({ model: 'gemini-rpm' }), 2);
    const { attempts } = operationOf('gemini-rpm');
    assert.equal(attr(attempts[0]!, 'breakwater.error.category'), 'rate_limited');
    assert.equal(attr(attempts[0]!, 'breakwater.error.source'), 'dependency');
    assert.equal(attr(attempts[0]!, 'error.type'), 'RESOURCE_EXHAUSTED');
  });

  it('the RetryInfo delay is honoured as a Retry-After is: one longer than maxRetryAfterMs ends the retries', async () => {
    h.fp.script({
      route: 'gemini',
      model: 'gemini-long-wait',
      steps: [{ fault: 'error', code: 'rate_limit_exceeded', retryAfter: 30 }],
    });
    const error = await failure('gemini-long-wait');
    assert.ok(APICallError.isInstance(error));
    assert.equal(h.fp.count({ model: 'gemini-long-wait' }), 1, 'not retried before the 30 s it asked for');
    const { op } = operationOf('gemini-long-wait');
    assert.equal(attr(op, 'breakwater.error.category'), 'rate_limited');
  });

  it('the daily quota (QuotaFailure per day) is quota_exhausted: the caller’s, sent once', async () => {
    h.fp.script({
      route: 'gemini',
      model: 'gemini-daily',
      steps: [{ fault: 'error', code: 'insufficient_quota' }],
    });
    await failure('gemini-daily');
    assert.equal(h.fp.count({ model: 'gemini-daily' }), 1);
    const { op } = operationOf('gemini-daily');
    assert.equal(attr(op, 'breakwater.error.category'), 'quota_exhausted');
    assert.equal(attr(op, 'breakwater.error.source'), 'caller');
    assert.equal(attr(op, 'error.type'), 'RESOURCE_EXHAUSTED');
  });

  it('client errors are sent once, each by its Google status (an ErrorInfo reason where there is one)', async () => {
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      ['gemini-400', { status: 400 }, 'validation', 'INVALID_ARGUMENT'],
      ['gemini-403', { status: 403 }, 'permission', 'PERMISSION_DENIED'],
      ['gemini-404', { code: 'model_not_found' }, 'not_found', 'NOT_FOUND'],
      ['gemini-long', { code: 'context_length_exceeded' }, 'context_length', 'INVALID_ARGUMENT'],
      ['gemini-key', { code: 'invalid_api_key', status: 400 }, 'authentication', 'API_KEY_INVALID'],
    ];
    for (const [model, error, category, errorType] of cases) {
      h.fp.script({ route: 'gemini', model, steps: [{ fault: 'error', ...error }] });
      await failure(model);
      assert.equal(h.fp.count({ model }), 1, `${model}: sent once`);
      const { op } = operationOf(model);
      assert.deepEqual(
        [attr(op, 'breakwater.error.category'), attr(op, 'breakwater.error.source'), attr(op, 'error.type')],
        [category, 'caller', errorType],
        model,
      );
    }
  });

  it('500 INTERNAL is a server_error, 504 DEADLINE_EXCEEDED a timeout; both retried', async () => {
    for (const [model, status, category, errorType] of [
      ['gemini-500', 500, 'server_error', 'INTERNAL'],
      ['gemini-504', 504, 'timeout', 'DEADLINE_EXCEEDED'],
    ] as const) {
      h.fp.script({ route: 'gemini', model, steps: [{ fault: 'error', status, count: 1 }] });
      await generateText({ model: gemini(model), prompt: 'hi', maxRetries: 0 });
      assert.equal(h.fp.count({ model }), 2, model);
      const first = operationOf(model).attempts[0]!;
      assert.deepEqual(
        [attr(first, 'breakwater.error.category'), attr(first, 'error.type')],
        [category, errorType],
      );
    }
  });
});

describe('streamText with @ai-sdk/google', () => {
  it('the operation ends with the stream: usage from the last chunk, STOP, time to first chunk', async () => {
    const result = streamText({ model: gemini('gemini-stream'), prompt: 'hello there', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    assert.equal(text, 'You said: hello there');
    const { op, attempts } = operationOf('gemini-stream');
    assert.equal(attr(op, 'gen_ai.request.stream'), true);
    assert.equal(attr(op, 'gen_ai.usage.input_tokens'), 2);
    assert.equal(attr(op, 'gen_ai.usage.output_tokens'), 4);
    assert.deepEqual(attr(op, 'gen_ai.response.finish_reasons'), ['STOP']);
    assert.equal(typeof attr(op, 'gen_ai.response.time_to_first_chunk'), 'number');
    assert.equal(attempts.length, 1);
    assert.equal(op.status.code, 0);
  });

  it('an error frame mid-stream fails the operation by its Google status, and is not retried', async () => {
    h.fp.script({
      route: 'gemini',
      model: 'gemini-cut',
      steps: [{ fault: 'stream_error', afterChunks: 2, status: 503, count: 1 }],
    });
    const errors: unknown[] = [];
    const result = streamText({
      model: gemini('gemini-cut'),
      prompt: 'hello there',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    for await (const _ of result.textStream);
    assert.equal(errors.length, 1);
    assert.equal(h.fp.count({ model: 'gemini-cut' }), 1);
    const { op } = operationOf('gemini-cut');
    assert.equal(attr(op, 'breakwater.error.category'), 'overloaded');
    assert.equal(attr(op, 'error.type'), 'UNAVAILABLE');
  });

  it('an error as the very first frame is retried: nothing had reached the app', async () => {
    h.fp.script({
      route: 'gemini',
      model: 'gemini-first',
      steps: [{ fault: 'stream_error', afterChunks: 0, status: 503, count: 1 }],
    });
    let text = '';
    for await (const delta of streamText({ model: gemini('gemini-first'), prompt: 'hi', maxRetries: 0 })
      .textStream)
      text += delta;
    assert.equal(text, 'You said: hi');
    assert.equal(h.fp.count({ model: 'gemini-first' }), 2);
    const { op, attempts } = operationOf('gemini-first');
    assert.equal(attempts.length, 2);
    assert.equal(attr(attempts[0]!, 'breakwater.error.category'), 'overloaded');
    assert.equal(attr(attempts[0]!, 'error.type'), 'UNAVAILABLE');
    assert.equal(op.status.code, 0);
    assert.equal(typeof attr(op, 'gen_ai.response.time_to_first_chunk'), 'number');
  });

  it('a connection dropped mid-stream is network, and not retried', async () => {
    h.fp.script({
      route: 'gemini',
      model: 'gemini-drop',
      steps: [{ fault: 'stream_error', afterChunks: 2, end: 'close', count: 1 }],
    });
    const result = streamText({
      model: gemini('gemini-drop'),
      prompt: 'hello there',
      maxRetries: 0,
      onError: () => {},
    });
    await (async () => {
      for await (const _ of result.textStream);
    })().catch(() => {});
    assert.equal(h.fp.count({ model: 'gemini-drop' }), 1);
    assert.equal(attr(operationOf('gemini-drop').op, 'breakwater.error.category'), 'network');
  });

  it('a 429 before the stream began is retried like a call', async () => {
    h.fp.script({
      route: 'gemini',
      model: 'gemini-busy',
      steps: [{ fault: 'error', status: 429, count: 1 }],
    });
    let text = '';
    for await (const delta of streamText({ model: gemini('gemini-busy'), prompt: 'hi', maxRetries: 0 })
      .textStream)
      text += delta;
    assert.equal(text, 'You said: hi');
    assert.equal(h.fp.count({ model: 'gemini-busy' }), 2);
  });
});

describe('embed and embedMany with @ai-sdk/google', () => {
  it('embedContent and batchEmbedContents are embeddings operations of gcp.gemini', async () => {
    const { embedding } = await embed({
      model: embedder('gemini-embedding-001'),
      value: 'hi',
      maxRetries: 0,
    });
    assert.equal(embedding.length, 3072);
    const { op } = operationOf('gemini-embedding-001');
    assert.equal(op.name, 'embeddings gemini-embedding-001');
    assert.equal(attr(op, 'gen_ai.provider.name'), 'gcp.gemini');
    assert.equal(attr(op, 'breakwater.dependency'), 'gcp.gemini/gemini-embedding-001');
    h.exporter.reset();
    const { embeddings } = await embedMany({
      model: embedder('text-embedding-004'),
      values: ['a', 'b', 'c'],
      dimensions: 8,
      maxRetries: 0,
    });
    assert.deepEqual(
      embeddings.map((e) => e.length),
      [8, 8, 8],
    );
    assert.equal(attr(operationOf('text-embedding-004').op, 'gen_ai.embeddings.dimension.count'), 8);
    assert.equal(h.fp.count({ route: 'gemini.embed_content', model: 'text-embedding-004' }), 1);
  });

  it('503 on embedContent is retried by Breakwater’s attempts', async () => {
    h.fp.script({ route: 'gemini.embed_content', steps: [{ fault: 'error', status: 503, count: 2 }] });
    await embed({ model: embedder('embed-flaky'), value: 'hi', maxRetries: 0 });
    assert.equal(h.fp.count({ route: 'gemini.embed_content', model: 'embed-flaky' }), 3);
    assert.equal(attr(operationOf('embed-flaky').attempts[0]!, 'error.type'), 'UNAVAILABLE');
  });
});
