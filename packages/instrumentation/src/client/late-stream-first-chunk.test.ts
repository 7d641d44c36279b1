import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import type AnthropicType from '@anthropic-ai/sdk';
import type OpenAIType from 'openai';
import { attrs, harnessPerFile, require } from '../testing/harness.ts';

// A streaming call awaited only after its response arrived: its time to first chunk is when the
// first event came in from the network, not when the app got round to awaiting and reading it.
// Real clients against the fault provider (which answers at once); the app waits 150 ms.

const h = harnessPerFile();

/** The client's APIPromise of a stream, with the response half the test waits on. */
interface Call extends PromiseLike<AsyncIterable<unknown>> {
  responsePromise: Promise<unknown>;
}

const messages = [{ role: 'user' as const, content: 'hello there' }];
/** Per client: builds it (module loading is not part of the call) and returns the call to make. */
const clients: { label: string; create(model: string): () => Call }[] = [
  ...(
    [
      ['openai 7', 'openai'],
      ['openai 6', 'openai-v6'],
    ] as const
  ).map(([label, name]) => ({
    label,
    create(model: string): () => Call {
      const OpenAI = require(name).default as typeof OpenAIType;
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
      return () => client.chat.completions.create({ model, messages, stream: true }) as unknown as Call;
    },
  })),
  {
    label: 'anthropic',
    create(model: string): () => Call {
      const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
      const client = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
      return () =>
        client.messages.create({ model, max_tokens: 64, messages, stream: true }) as unknown as Call;
    },
  },
];

let seq = 0;
for (const c of clients) {
  describe(`${c.label}: a stream awaited after its response arrived`, () => {
    it('times its first chunk on arrival: the app’s wait is left out', async () => {
      const m = `late-stream-ttfc-${seq++}`;
      const create = c.create(m);
      const calledAt = performance.now();
      const call = create();
      await call.responsePromise;
      const respondedAt = performance.now() - calledAt;
      await wait(150);
      for await (const _ of await call);

      const op = h.operation(m);
      assert.ok(op, 'operation ended');
      const ttfc = (attrs(op)['gen_ai.response.time_to_first_chunk'] as number) * 1000;
      // The first chunk follows the response at once; the app awaited 150 ms after that.
      assert.ok(ttfc < respondedAt + 50, `time to first chunk ${ttfc} ms; response at ${respondedAt} ms`);
    });
  });
}
