import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import type { LanguageModelV4FunctionTool } from '@ai-sdk/provider';
import { embed } from './routes/openai-embeddings.ts';
import { type FaultProvider, startFaultProvider } from './server.ts';
import { readParts } from './testing/stream-parts.ts';

/** A streamed chunk, as far as the test reads it. */
interface Chunk {
  candidates: Array<{ content: { parts: Array<{ text: string }> }; finishReason?: string }>;
  usageMetadata: { candidatesTokenCount?: number };
}

type Google = ReturnType<typeof createGoogleGenerativeAI>;
const ask = (text: string) => [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }];

describe('Gemini routes with @ai-sdk/google and on the wire', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  let google: Google;
  const post = (path: string, body: unknown) =>
    fetch(`${fp.geminiBaseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify(body),
    });
  before(async () => {
    fp = await startFaultProvider();
    google = createGoogleGenerativeAI({ baseURL: fp.geminiBaseUrl, apiKey: 'k' });
  });
  after(() => fp.close());

  it('generateContent: the canned text, usageMetadata, STOP, modelVersion and responseId', async () => {
    const res = await post('/models/gemini-2.5-flash:generateContent', {
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'hello there' }] }],
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(body.candidates, [
      {
        content: { parts: [{ text: 'You said: hello there' }], role: 'model' },
        finishReason: 'STOP',
        index: 0,
      },
    ]);
    assert.deepEqual(body.usageMetadata, {
      promptTokenCount: 4,
      candidatesTokenCount: 4,
      totalTokenCount: 8,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 4 }],
    });
    assert.equal(body.modelVersion, 'gemini-2.5-flash');
    assert.equal(typeof body.responseId, 'string');
    assert.equal(fp.count({ route: 'gemini.generate_content', model: 'gemini-2.5-flash', outcome: 'ok' }), 1);
  });

  it('@ai-sdk/google reads it: text, usage with thinking and cached tokens, the raw finish reason', async () => {
    const result = await google('gemini-think').doGenerate({
      prompt: [{ role: 'system', content: 'be terse' }, ...ask('hello there')],
      providerOptions: {
        google: { thinkingConfig: { thinkingBudget: 7 }, cachedContent: 'cachedContents/c1' },
      },
    });
    assert.deepEqual(result.content, [
      { type: 'text', text: 'You said: hello there', providerMetadata: undefined },
    ]);
    assert.deepEqual(result.finishReason, { unified: 'stop', raw: 'STOP' });
    // Thoughts are the thinking budget; the cache holds everything before the last turn.
    assert.deepEqual(
      [result.usage.inputTokens.total, result.usage.inputTokens.cacheRead, result.usage.outputTokens.total],
      [4, 2, 4 + 7],
    );
    assert.equal(result.usage.outputTokens.reasoning, 7);
  });

  it('maxOutputTokens cuts the reply with MAX_TOKENS', async () => {
    const result = await google('gemini-short').doGenerate({
      prompt: ask('one two three four'),
      maxOutputTokens: 2,
    });
    assert.deepEqual(result.content, [{ type: 'text', text: 'You said:', providerMetadata: undefined }]);
    assert.deepEqual(result.finishReason, { unified: 'length', raw: 'MAX_TOKENS' });
  });

  it('calls a declared function, then answers the functionResponse in text', async () => {
    const tools = [
      {
        type: 'function' as const,
        name: 'get_weather',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ] satisfies LanguageModelV4FunctionTool[];
    const call = await google('gemini-tools').doGenerate({ prompt: ask('weather in Oslo'), tools });
    const toolCall = call.content.find((c) => c.type === 'tool-call');
    assert.ok(toolCall?.type === 'tool-call');
    assert.equal(toolCall.toolName, 'get_weather');
    assert.deepEqual(JSON.parse(toolCall.input), { city: 'weather in Oslo' });
    const answer = await google('gemini-tools').doGenerate({
      tools,
      prompt: [
        ...ask('weather in Oslo'),
        { role: 'assistant', content: [{ ...toolCall, input: JSON.parse(toolCall.input) }] },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: toolCall.toolCallId,
              toolName: 'get_weather',
              output: { type: 'text', value: 'sunny' },
            },
          ],
        },
      ],
    });
    assert.deepEqual(answer.content, [
      { type: 'text', text: 'Tool result: sunny', providerMetadata: undefined },
    ]);
  });

  it('streamGenerateContent?alt=sse: CRLF data frames, the last with finishReason and the whole usage', async () => {
    const res = await post('/models/gemini-s:streamGenerateContent?alt=sse', {
      contents: [{ role: 'user', parts: [{ text: 'hello there' }] }],
    });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await res.text();
    const frames = text.split('\r\n\r\n').filter((f) => f !== '');
    assert.equal(frames.length, 4);
    const chunks = frames.map((f) => JSON.parse(f.replace(/^data: /, '')) as Chunk);
    assert.equal(
      chunks.map((c) => c.candidates[0]!.content.parts[0]!.text).join(''),
      'You said: hello there',
    );
    assert.deepEqual(
      chunks.map((c) => c.candidates[0]!.finishReason),
      [undefined, undefined, undefined, 'STOP'],
    );
    assert.equal(chunks[0]!.usageMetadata.candidatesTokenCount, undefined);
    assert.equal(chunks[3]!.usageMetadata.candidatesTokenCount, 4);
    assert.equal(fp.count({ route: 'gemini.generate_content', model: 'gemini-s' }), 1);
  });

  it('@ai-sdk/google streams it: the deltas, then a finish part with usage', async () => {
    const { stream } = await google('gemini-stream').doStream({ prompt: ask('hello there') });
    const parts = await readParts(stream);
    const text = parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
    assert.equal(text, 'You said: hello there');
    const finish = parts.at(-1);
    assert.ok(finish?.type === 'finish');
    assert.deepEqual(finish.finishReason, { unified: 'stop', raw: 'STOP' });
    assert.equal(finish.usage.outputTokens.total, 4);
  });

  it('embedContent and batchEmbedContents: the same vectors as the OpenAI route, 768 or 3072 values', async () => {
    const one = await google.embedding('text-embedding-004').doEmbed({ values: ['hi'] });
    assert.deepEqual(one.embeddings, [Array.from(embed('hi', 768))]);
    const batch = await google.embedding('gemini-embedding-001').doEmbed({ values: ['a', 'b', 'c'] });
    assert.equal(batch.embeddings.length, 3);
    assert.equal(batch.embeddings[0]!.length, 3072);
    const sized = await google.embedding('gemini-embedding-001').doEmbed({ values: ['a'], dimensions: 8 });
    assert.equal(sized.embeddings[0]!.length, 8);
    assert.equal(fp.count({ route: 'gemini.embed_content', model: 'gemini-embedding-001' }), 2);
  });

  it('a request the API refuses is a 400 INVALID_ARGUMENT, counted under the model its path names', async () => {
    const res = await post('/models/gemini-bad:generateContent', { contents: [] });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    assert.equal(body.error.code, 400);
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.match(String(body.error.message), /contents is not specified/);
    assert.equal(
      fp.count({ route: 'gemini.generate_content', model: 'gemini-bad', outcome: 'invalid_request' }),
      1,
    );
  });

  it('a tuned model is the model tunedModels/{id}; other methods and GETs are not routes', async () => {
    const res = await fetch(`${fp.geminiBaseUrl}/tunedModels/mine:generateContent`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(res.status, 200);
    assert.equal(fp.count({ model: 'tunedModels/mine' }), 1);
    assert.equal((await fetch(`${fp.geminiBaseUrl}/models/g:countTokens`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${fp.geminiBaseUrl}/models/g:generateContent`)).status, 405);
  });
});
