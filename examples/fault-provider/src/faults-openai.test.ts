import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { type FaultProvider, startFaultProvider } from './server.ts';
import { openaiClient } from './testing/clients.ts';

const ask = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hello' }] };

describe('scripted faults seen through the real openai client', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  let client: OpenAI;
  before(async () => {
    fp = await startFaultProvider();
    client = openaiClient(fp);
  });
  beforeEach(() => {
    fp.clearFaults();
    fp.resetStats();
  });
  after(() => fp.close());

  it('429 raises RateLimitError with retry-after, retry-after-ms and rate-limit headers visible', async () => {
    fp.script({
      route: 'openai.chat',
      steps: [{ fault: 'error', status: 429, retryAfter: 7, retryAfterMs: 7000 }],
    });
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'rate_limit_exceeded');
    assert.equal(err.headers?.get('retry-after'), '7');
    assert.equal(err.headers?.get('retry-after-ms'), '7000');
    assert.equal(err.headers?.get('x-ratelimit-remaining-requests'), '0');
    assert.match(err.requestID ?? '', /^req_/);
    assert.equal(fp.count({ outcome: 'error_429' }), 1);
  });

  it('script headers replace the built-in ones whatever their case, instead of doubling them', async () => {
    fp.script({
      steps: [
        {
          fault: 'error',
          status: 429,
          retryAfter: 1,
          headers: { 'Retry-After': '30', 'X-Request-Id': 'req_mine', 'X-RateLimit-Remaining-Requests': '5' },
        },
      ],
    });
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.headers?.get('retry-after'), '30');
    assert.equal(err.headers?.get('x-ratelimit-remaining-requests'), '5');
    assert.equal(err.requestID, 'req_mine');
  });

  for (const status of [500, 502, 503]) {
    it(`${status} raises InternalServerError with a server_error body`, async () => {
      fp.script({ steps: [{ fault: 'error', status }] });
      const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.InternalServerError);
      assert.equal(err.status, status);
      assert.equal(err.type, 'server_error');
    });
  }

  it('400 context_length_exceeded raises BadRequestError with the OpenAI code', async () => {
    fp.script({ steps: [{ fault: 'error', code: 'context_length_exceeded' }] });
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.equal(err.code, 'context_length_exceeded');
    assert.equal(err.param, 'messages');
    assert.match(err.message, /maximum context length/);
  });

  it('401 raises AuthenticationError', async () => {
    fp.script({ steps: [{ fault: 'error', status: 401 }] });
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.AuthenticationError);
    assert.equal(err.code, 'invalid_api_key');
  });

  it('429 insufficient_quota raises RateLimitError with code and type insufficient_quota', async () => {
    fp.script({ steps: [{ fault: 'error', code: 'insufficient_quota' }] });
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.code, 'insufficient_quota');
    assert.equal(err.type, 'insufficient_quota');
  });

  it('a connection reset raises APIConnectionError caused by ECONNRESET', async () => {
    fp.script({ steps: [{ fault: 'reset' }] });
    const err = await client.chat.completions.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIConnectionError, String(err));
    // A reset is a TCP RST, which is what error classifiers look for, not an orderly close.
    assert.deepEqual(causeCodes(err), ['ECONNRESET']);
    assert.equal(fp.count({ outcome: 'reset' }), 1);
  });

  it('a hang lasts until the client gives up (timeout or abort)', async () => {
    fp.script({ steps: [{ fault: 'hang' }] });
    const timedOut = await client.chat.completions.create(ask, { timeout: 150 }).catch((e: unknown) => e);
    assert.ok(timedOut instanceof OpenAI.APIConnectionTimeoutError, String(timedOut));

    const controller = new AbortController();
    const pending = client.chat.completions
      .create(ask, { signal: controller.signal })
      .catch((e: unknown) => e);
    await until(() => fp.count() === 2);
    controller.abort();
    assert.ok((await pending) instanceof OpenAI.APIUserAbortError);
    assert.equal(fp.count({ outcome: 'hang' }), 2);
  });

  it('a mid-stream error event surfaces while iterating a chat stream', async () => {
    fp.script({ steps: [{ fault: 'stream_error', afterChunks: 3 }] });
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError && !(err instanceof OpenAI.APIConnectionError), String(err));
    assert.match(err.message, /server had an error/);
    assert.deepEqual(seen, ['', 'You', ' said:']);
    assert.equal(fp.count({ outcome: 'stream_error' }), 1);
  });

  it('a mid-stream close ends a chat stream with an error after the first chunks', async () => {
    fp.script({ steps: [{ fault: 'stream_error', afterChunks: 2, end: 'close' }] });
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    let chunks = 0;
    const err = await (async () => {
      for await (const _ of stream) chunks++;
    })().catch((e: unknown) => e);
    assert.ok(err instanceof Error, 'the stream must fail, not end cleanly');
    assert.equal(chunks, 2);
  });

  it('a mid-stream stall sends the first chunks and then nothing', async () => {
    fp.script({ steps: [{ fault: 'stream_error', afterChunks: 1, end: 'hang' }] });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { ...ask, stream: true },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    const second = iterator.next();
    const stalled = await Promise.race([second.then(() => false), delay(100).then(() => true)]);
    assert.ok(stalled);
    controller.abort();
    await second.catch(() => undefined);
  });

  it('a mid-stream error event surfaces in a Responses stream', async () => {
    fp.script({ route: 'openai.responses', steps: [{ fault: 'stream_error', afterChunks: 4, status: 503 }] });
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'hi there', stream: true });
    const types: string[] = [];
    const err = await (async () => {
      for await (const e of stream) types.push(e.type);
    })().catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.match(err.message, /overloaded or not ready/);
    assert.equal(types.length, 4);
  });

  it('end: response_failed ends a Responses stream with response.failed carrying the error', async () => {
    fp.script({
      route: 'openai.responses',
      steps: [{ fault: 'stream_error', afterChunks: 3, end: 'response_failed' }],
    });
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'hi there', stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const e of stream) events.push(e); // the client does not throw: the failure is data
    assert.deepEqual(
      events.map((e) => e.type),
      ['response.created', 'response.in_progress', 'response.output_item.added', 'response.failed'],
    );
    const [created, , , failed] = events;
    assert.equal(failed?.type, 'response.failed');
    assert.equal(failed.sequence_number, 3);
    assert.equal(failed.response.status, 'failed');
    assert.equal(failed.response.id, created?.type === 'response.created' ? created.response.id : '');
    assert.equal(failed.response.error?.code, 'server_error');
    assert.match(failed.response.error?.message ?? '', /server had an error/);
    assert.equal(fp.count({ outcome: 'stream_error' }), 1);
  });

  it('end: response_failed takes the code a script names, and is an error event on other routes', async () => {
    fp.script([
      {
        route: 'openai.responses',
        steps: [
          { fault: 'stream_error', afterChunks: 1, end: 'response_failed', code: 'rate_limit_exceeded' },
        ],
      },
      { route: 'openai.chat', steps: [{ fault: 'stream_error', afterChunks: 1, end: 'response_failed' }] },
    ]);
    const responses = await client.responses.create({ model: 'gpt-4.1', input: 'hi', stream: true });
    let last: OpenAI.Responses.ResponseStreamEvent | undefined;
    for await (const e of responses) last = e;
    assert.equal(
      last?.type === 'response.failed' ? last.response.error?.code : last?.type,
      'rate_limit_exceeded',
    );

    const chat = await client.chat.completions.create({ ...ask, stream: true });
    await assert.rejects(async () => {
      for await (const _ of chat);
    }, OpenAI.APIError);
  });

  it('a stream_error on a non-streaming request cuts the body short', async () => {
    fp.script({ steps: [{ fault: 'stream_error' }] });
    await assert.rejects(client.chat.completions.create(ask));
  });

  it('"3 × 503, then OK": the default client retries twice, so exactly 3 requests arrive', async () => {
    fp.script({ route: 'openai.chat', steps: [{ fault: 'error', status: 503, count: 3, retryAfterMs: 1 }] });
    const retrying = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl }); // maxRetries defaults to 2
    await assert.rejects(retrying.chat.completions.create(ask), OpenAI.InternalServerError);
    assert.equal(fp.count({ route: 'openai.chat', model: 'gpt-4o' }), 3);
    assert.deepEqual(fp.stats().routes['openai.chat']?.outcomes, { error_503: 3 });

    const ok = await retrying.chat.completions.create(ask);
    assert.equal(ok.choices[0]?.message.content, 'You said: hello');
    assert.deepEqual(fp.stats().outcomes, { error_503: 3, ok: 1 });
  });

  it('targets one model, one route, or a whole provider', async () => {
    fp.script([
      { route: 'openai.chat', model: 'gpt-4o', steps: [{ fault: 'error', status: 500 }] },
      { route: 'openai', steps: [{ fault: 'error', status: 502 }] },
    ]);
    await assert.rejects(
      client.chat.completions.create(ask),
      (e: unknown) => (e as InstanceType<typeof OpenAI.APIError>).status === 500,
    );
    await assert.rejects(
      client.chat.completions.create({ ...ask, model: 'gpt-4o-mini' }),
      (e: unknown) => (e as InstanceType<typeof OpenAI.APIError>).status === 502,
    );
    await assert.rejects(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
      (e: unknown) => (e as InstanceType<typeof OpenAI.APIError>).status === 502,
    );
    assert.equal(fp.count({ route: 'openai.chat', model: 'gpt-4o', outcome: 'error_500' }), 1);
    assert.equal(fp.count({ route: 'openai.embeddings', outcome: 'error_502' }), 1);
  });
});

/** The `code`s along an error's cause chain. */
function causeCodes(err: unknown): unknown[] {
  const codes: unknown[] = [];
  for (let e = err; e instanceof Error; e = e.cause)
    if ('code' in e && e.code !== undefined) codes.push(e.code);
  return codes;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls a condition for at most two seconds. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(5);
  }
}
