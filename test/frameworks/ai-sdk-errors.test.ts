/**
 * How Breakwater's classifier reads the errors of the Vercel AI SDK's providers (`@ai-sdk/openai`,
 * `@ai-sdk/anthropic`), which call `fetch` themselves: an `APICallError` with `statusCode`,
 * `responseHeaders` and the parsed error body in `data`, and plain error objects as stream parts.
 * Real providers against the fault provider; the classifier reads them structurally (`ai` is no
 * dependency of Breakwater's packages).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModelV4, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { classify } from '@breakwater/resilience';

let fp: FaultProvider;
let openai: ReturnType<typeof createOpenAI>;
let anthropic: ReturnType<typeof createAnthropic>;
const prompt: LanguageModelV4Prompt = [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }];

before(async () => {
  fp = await startFaultProvider();
  openai = createOpenAI({ baseURL: fp.openaiBaseUrl, apiKey: 'k' });
  anthropic = createAnthropic({ baseURL: `${fp.url}/v1`, apiKey: 'k' });
});
after(() => fp.close());

/** What `doGenerate` of `model` rejects with. */
const generateError = (model: LanguageModelV4): Promise<unknown> =>
  Promise.resolve(model.doGenerate({ prompt })).then(
    () => assert.fail('the provider fails this call'),
    (e: unknown) => e,
  );

/** What reading the stream of `model` fails with, once its response has come. */
async function streamError(model: LanguageModelV4): Promise<unknown> {
  const { stream } = await model.doStream({ prompt });
  const reader = stream.getReader();
  try {
    for (;;) if ((await reader.read()).done) return assert.fail('the stream ended well');
  } catch (error) {
    return error;
  }
}

it('an APICallError: its Retry-After (responseHeaders) and the error code in its body (data)', async () => {
  fp.script({
    route: 'openai.chat',
    model: 'gpt-limited',
    steps: [{ fault: 'error', status: 429, retryAfter: 2, count: 1 }],
  });
  const limited = classify(await generateError(openai.chat('gpt-limited')));
  assert.equal(limited.category, 'rate_limited');
  assert.equal(limited.retryAfterMs, 2000, 'the Retry-After of the response');
  assert.equal(limited.errorType, 'rate_limit_exceeded', "the provider's code, as for the openai client");

  fp.script({
    route: 'anthropic.messages',
    model: 'claude-busy',
    steps: [{ fault: 'error', status: 529, count: 1 }],
  });
  const busy = classify(await generateError(anthropic('claude-busy')));
  assert.equal(busy.category, 'overloaded');
  assert.equal(busy.errorType, 'overloaded_error');

  fp.script({
    route: 'openai.chat',
    model: 'gpt-no-retry',
    steps: [{ fault: 'error', status: 503, headers: { 'x-should-retry': 'false' }, count: 1 }],
  });
  assert.equal(classify(await generateError(openai.chat('gpt-no-retry'))).retryable, false, 'x-should-retry');
});

it('a connection dropped mid-stream is a network failure, not an HTTP 200', async () => {
  fp.script({
    route: 'openai.chat',
    model: 'gpt-cut',
    steps: [{ fault: 'stream_error', afterChunks: 2, end: 'close', count: 1 }],
  });
  const cut = await streamError(openai.chat('gpt-cut'));
  assert.equal((cut as { statusCode?: unknown }).statusCode, 200, 'the AI SDK names the 200 it started with');
  const c = classify(cut);
  assert.equal(c.category, 'network');
  assert.equal(c.source, 'dependency');
  assert.notEqual(c.errorType, '200');
});
