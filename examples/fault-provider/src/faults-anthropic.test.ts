import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { type FaultProvider, startFaultProvider } from './server.ts';
import { anthropicClient } from './testing/clients.ts';

const ask = { model: 'claude-test', max_tokens: 50, messages: [{ role: 'user' as const, content: 'hello' }] };

describe('scripted faults seen through the real @anthropic-ai/sdk client', { timeout: 20_000 }, () => {
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

  it('529 raises an APIError with status 529 and type overloaded_error', async () => {
    fp.script({ route: 'anthropic.messages', steps: [{ fault: 'error', status: 529 }] });
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.APIError);
    assert.ok(err instanceof Anthropic.OverloadedError);
    assert.equal(err.status, 529);
    assert.equal(err.type, 'overloaded_error');
    assert.match(err.requestID ?? '', /^req_/);
    assert.deepEqual(err.error, {
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      request_id: err.requestID,
    });
  });

  it('429 raises RateLimitError with retry-after visible', async () => {
    fp.script({ steps: [{ fault: 'error', status: 429, retryAfter: 12 }] });
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.RateLimitError);
    assert.equal(err.type, 'rate_limit_error');
    assert.equal(err.headers?.get('retry-after'), '12');
    assert.equal(err.headers?.get('anthropic-ratelimit-requests-remaining'), '0');
  });

  it('a prompt that is too long is a 400 invalid_request_error', async () => {
    fp.script({ steps: [{ fault: 'error', code: 'context_length_exceeded' }] });
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.BadRequestError);
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.message, /prompt is too long/);
  });

  it('401 raises AuthenticationError', async () => {
    fp.script({ steps: [{ fault: 'error', status: 401 }] });
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.AuthenticationError);
    assert.equal(err.type, 'authentication_error');
  });

  it('quota exhaustion: spend-limit 429 by default, credit-balance 400 on request', async () => {
    fp.script({
      steps: [
        { fault: 'error', code: 'insufficient_quota', count: 1 },
        { fault: 'error', code: 'insufficient_quota', status: 400 },
      ],
    });
    const first = await client.messages.create(ask).catch((e: unknown) => e);
    assert.ok(first instanceof Anthropic.RateLimitError);
    assert.equal(first.errorCode, 'enforced_spend_limit_reached');
    const second = await client.messages.create(ask).catch((e: unknown) => e);
    assert.ok(second instanceof Anthropic.BadRequestError);
    assert.match(second.message, /credit balance is too low/);
  });

  it('500 raises InternalServerError with type api_error', async () => {
    fp.script({ steps: [{ fault: 'error', status: 500 }] });
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.InternalServerError);
    assert.equal(err.type, 'api_error');
  });

  it('a connection reset raises APIConnectionError', async () => {
    fp.script({ steps: [{ fault: 'reset' }] });
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.APIConnectionError, String(err));
  });

  it('a hang times out on the client side', async () => {
    fp.script({ steps: [{ fault: 'hang' }] });
    const err = await client.messages.create(ask, { timeout: 150 }).catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.APIConnectionTimeoutError, String(err));
  });

  it('a mid-stream overloaded_error event surfaces while iterating', async () => {
    fp.script({ steps: [{ fault: 'stream_error', afterChunks: 3 }] });
    const stream = await client.messages.create({ ...ask, stream: true });
    const types: string[] = [];
    const err = await (async () => {
      for await (const event of stream) types.push(event.type);
    })().catch((e: unknown) => e);
    assert.ok(
      err instanceof Anthropic.APIError && !(err instanceof Anthropic.APIConnectionError),
      String(err),
    );
    assert.equal(err.type, 'overloaded_error');
    // Three frames went out: message_start, content_block_start and a ping (which the client skips).
    assert.deepEqual(types, ['message_start', 'content_block_start']);
  });

  it('a mid-stream close fails the messages.stream() helper', async () => {
    fp.script({ steps: [{ fault: 'stream_error', afterChunks: 4, end: 'close' }] });
    await assert.rejects(client.messages.stream(ask).finalMessage());
    assert.equal(fp.count({ route: 'anthropic.messages', outcome: 'stream_error' }), 1);
  });

  it('the default client retries 529 twice: exactly 3 requests arrive', async () => {
    fp.script({ steps: [{ fault: 'error', status: 529, count: 3, retryAfterMs: 1 }] });
    const retrying = new Anthropic({ apiKey: 'k', baseURL: fp.anthropicBaseUrl });
    await assert.rejects(retrying.messages.create(ask), Anthropic.OverloadedError);
    assert.equal(fp.count({ route: 'anthropic.messages', model: 'claude-test', outcome: 'error_529' }), 3);
    assert.equal(fp.count(), 3);
  });
});
