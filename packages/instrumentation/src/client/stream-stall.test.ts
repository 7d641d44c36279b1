import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import type AnthropicType from '@anthropic-ai/sdk';
import { ManualClock } from '@breakwater/protocol';
import type OpenAIType from 'openai';
import { assertClientTimeout, type ClientModule } from '../testing/client-timeout.ts';
import { attrs, FAST, harnessPerFile, require } from '../testing/harness.ts';
import { settleAdvancing } from '../testing/settle.ts';

// A stream that stalls half-way must not hold the app for ever: each wait of the app for the next
// chunk lasts at most the attempt timeout (2 s under FAST, on the policies' clock), after which
// the read fails with the client's own timeout error, the request is aborted, and the operation fails as a
// `timeout` (not retried: the app already had part of the stream). A slow consumer is not a
// stalled provider: time the app spends between reads is not bounded.

const clock = new ManualClock();
const h = harnessPerFile(FAST, clock);

interface ClientStream extends AsyncIterable<unknown> {
  controller: AbortController;
}

let seq = 0;
const clients: {
  module: ClientModule;
  route: 'openai.chat' | 'anthropic.messages';
  create(m: string): Promise<ClientStream>;
}[] = [
  ...(['openai', 'openai-v6'] as const).map((name) => ({
    module: name,
    route: 'openai.chat' as const,
    create: async (m: string) => {
      const OpenAI = require(name).default as typeof OpenAIType;
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
      return (await client.chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'one two three four five six' }],
        stream: true,
      })) as unknown as ClientStream;
    },
  })),
  {
    module: '@anthropic-ai/sdk' as const,
    route: 'anthropic.messages' as const,
    create: async (m: string) => {
      const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
      const client = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
      return (await client.messages.create({
        model: m,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'one two three four five six' }],
        stream: true,
      })) as unknown as ClientStream;
    },
  },
];

/** Reads `stream` to its end, advancing the policies' clock while the app waits; the chunks read and how it ended. */
async function readAll(stream: ClientStream): Promise<{ chunks: number; error: unknown }> {
  let chunks = 0;
  const reading = (async () => {
    for await (const _ of stream) chunks++;
  })();
  const result = await settleAdvancing(clock, reading);
  return { chunks, error: result.status === 'rejected' ? result.reason : undefined };
}

for (const c of clients) {
  describe(`${c.module}: a stream that stalls after its first chunks`, () => {
    it('the app’s wait ends at the timeout with the client’s timeout error; the operation fails as a timeout, once', async () => {
      const m = `stall-${c.route}-${seq++}`;
      h.fp.script({
        route: c.route,
        model: m,
        steps: [{ fault: 'stream_error', afterChunks: 2, end: 'hang' }],
      });
      const stream = await c.create(m);
      const { chunks, error } = await readAll(stream);
      assert.equal(chunks, 2);
      assertClientTimeout(error, c.module, 2000);
      assert.equal(stream.controller.signal.aborted, true, 'the request is aborted');
      const op = h.operation(m);
      assert.ok(op);
      assert.equal(attrs(op)['breakwater.error.category'], 'timeout');
      assert.equal(h.fp.count({ route: c.route, model: m }), 1, 'not retried');
    });

    it('a consumer slower than the timeout between reads is not cut off', async () => {
      const m = `slow-reader-${c.route}-${seq++}`;
      const stream = await c.create(m);
      let chunks = 0;
      for await (const _ of stream) {
        chunks++;
        // The app works on each chunk for longer than a chunk may take to arrive.
        await clock.advance(5_000);
        await wait(2);
      }
      assert.ok(chunks > 2);
      const op = h.operation(m);
      assert.ok(op);
      assert.equal(op.status.code, 0, 'the operation succeeded');
    });
  });
}
