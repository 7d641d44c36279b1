import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import { SpanStatusCode } from '@opentelemetry/api';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

// Anthropic reports an overloaded provider as a stream's first event (`event: error`, type
// `overloaded_error`) after a 200. Nothing has reached the app then, so the attempt fails and is
// retried like a 529 status; so is a connection dropped before any event. Once `message_start` came first, the stream is the app's and is
// never retried. The fault provider's `/_stats` counts the requests that really arrived.

const h = harnessPerFile();

let seq = 0;
const model = (tag: string) => `claude-first-event-${tag}-${seq++}`;

const create = (m: string) => {
  const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
  // The client's own retries are on: Breakwater's attempts must be the only ones.
  const client = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl, maxRetries: 4 });
  return client.messages.create({
    model: m,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
};

/** Requests for `m` that reached the fault provider, asked over HTTP (`GET /_stats`). */
async function arrived(m: string): Promise<number> {
  const response = await fetch(`${h.fp.url}/_stats?route=anthropic.messages&model=${m}`);
  return ((await response.json()) as { count: number }).count;
}

describe('@anthropic-ai/sdk: an error event before anything reached the app', () => {
  it('fails the attempt, classified, and the retry’s stream reaches the app', async () => {
    const m = model('once');
    h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, count: 1 }] });
    const events: string[] = [];
    for await (const event of await create(m)) events.push(event.type);
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.equal(await arrived(m), 2);

    const [op] = byRole(h.spans(), 'operation');
    assert.equal(op?.status.code, SpanStatusCode.UNSET);
    assert.equal(attrs(op!)['breakwater.retry.attempts'], 2);
    assert.equal(typeof attrs(op!)['gen_ai.response.time_to_first_chunk'], 'number');
    const attempts = byRole(h.spans(), 'attempt');
    assert.equal(attempts.length, 2);
    assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'overloaded');
    assert.equal(attrs(attempts[0]!)['error.type'], 'overloaded_error');
    assert.equal(attempts[1]!.status.code, SpanStatusCode.UNSET);
  });

  it('every attempt failing: exactly the configured attempts, then the client’s own error', async () => {
    const m = model('always');
    h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0 }] });
    const Anthropic = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
    await assert.rejects(create(m), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError, String(error));
      assert.equal((error.error as { error?: { type?: string } }).error?.type, 'overloaded_error');
      return true;
    });
    assert.equal(await arrived(m), 3);
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(op?.status.code, SpanStatusCode.ERROR);
    assert.equal(attrs(op!)['breakwater.error.category'], 'overloaded');
    assert.equal(attrs(op!)['breakwater.retry.attempts'], 3);
  });

  it('a connection dropped before the first event fails the attempt as network, and is retried', async () => {
    const m = model('dropped');
    h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, end: 'close', count: 1 }] });
    const events: string[] = [];
    for await (const event of await create(m)) events.push(event.type);
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.equal(await arrived(m), 2);
    const attempts = byRole(h.spans(), 'attempt');
    assert.equal(attempts.length, 2);
    assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'network');
    assert.equal(byRole(h.spans(), 'operation')[0]?.status.code, SpanStatusCode.UNSET);
  });

  it('every attempt dropped before the first event: the call rejects with the client’s APIConnectionError', async () => {
    const m = model('dropped-always');
    h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, end: 'close' }] });
    const Anthropic = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
    await assert.rejects(create(m), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIConnectionError, String(error));
      assert.ok(error.cause instanceof Error);
      return true;
    });
    assert.equal(await arrived(m), 3);
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(attrs(op!)['breakwater.error.category'], 'network');
  });

  it('after message_start it is the app’s stream: not retried, the app’s read fails', async () => {
    const m = model('after-start');
    h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 1 }] });
    const events: string[] = [];
    await assert.rejects(async () => {
      for await (const event of await create(m)) events.push(event.type);
    }, /overloaded/i);
    assert.deepEqual(events, ['message_start']);
    assert.equal(await arrived(m), 1);
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(op?.status.code, SpanStatusCode.ERROR);
    assert.equal(attrs(op!)['breakwater.error.category'], 'overloaded');
    assert.equal(byRole(h.spans(), 'attempt').length, 1);
  });

  it('a raw body (.asResponse()) is the retry’s, whole', async () => {
    const m = model('raw');
    h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, count: 1 }] });
    const text = await (await create(m).asResponse()).text();
    assert.match(text, /^event: message_start/);
    assert.match(text, /event: message_stop/);
    assert.doesNotMatch(text, /event: error/);
    assert.equal(await arrived(m), 2);
  });
});
