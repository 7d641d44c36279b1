import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import { ManualClock } from '@breakwater/protocol';
import type OpenAIType from 'openai';
import { assertClientTimeout } from '../testing/client-timeout.ts';
import { attrs, byRole, FAST, harnessPerFile, require } from '../testing/harness.ts';
import { settleAdvancing } from '../testing/settle.ts';

// A plain (non-streaming) body is read inside its attempt, within the attempt's deadline (2 s
// under FAST, on the policies' clock): a provider that sends good headers and then stalls or cuts
// the body has handed the app nothing yet, so that attempt fails, classified, and is retried.
// A bare client stops its timer at the headers and hangs on such a body for ever.

const clock = new ManualClock();
const h = harnessPerFile(FAST, clock);

let seq = 0;
const model = (tag: string) => `gpt-plain-body-${tag}-${seq++}`;

interface Call extends PromiseLike<OpenAIType.ChatCompletion> {
  responsePromise: Promise<unknown>;
  asResponse(): Promise<Response>;
  withResponse(): Promise<{ data: OpenAIType.ChatCompletion; response: Response }>;
}

const chat = (name: 'openai' | 'openai-v6', m: string): Call => {
  const OpenAI = require(name).default as typeof OpenAIType;
  const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
  return client.chat.completions.create({
    model: m,
    messages: [{ role: 'user', content: 'hello there' }],
  }) as unknown as Call;
};

const arrived = (m: string, route: 'openai.chat' | 'anthropic.messages' = 'openai.chat'): number =>
  h.fp.count({ route, model: m });

const settle = <T>(p: PromiseLike<T>) => settleAdvancing(clock, p);

function value<T>(result: PromiseSettledResult<T>): T {
  assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
  return (result as PromiseFulfilledResult<T>).value;
}

/** The attempt spans' error categories, in start order (`ok` for one that succeeded). */
const attemptOutcomes = (): unknown[] =>
  byRole(h.spans(), 'attempt')
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])
    .map((s) => attrs(s)['breakwater.error.category'] ?? 'ok');

for (const name of ['openai', 'openai-v6'] as const) {
  describe(`${name}: a plain body that stalls or is cut after the headers`, () => {
    it('stalled once: the attempt times out at its deadline and is retried; the retry answers', async () => {
      const m = model('stall');
      h.fp.script({
        route: 'openai.chat',
        model: m,
        steps: [{ fault: 'stream_error', end: 'hang', count: 1 }],
      });
      const data = value(await settle(chat(name, m)));
      assert.equal(data.object, 'chat.completion');
      assert.equal(arrived(m), 2);
      assert.deepEqual(attemptOutcomes(), ['timeout', 'ok']);
      const op = h.operation(m);
      assert.equal(op?.status.code, 0, 'the operation succeeded');
      assert.equal(attrs(op!)['breakwater.retry.attempts'], 2);
      assert.equal(attrs(op!)['gen_ai.usage.output_tokens'], data.usage?.completion_tokens);
    });

    it('stalled every time: exactly the configured attempts, then the attempt timeout', async () => {
      const m = model('stall-always');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'stream_error', end: 'hang' }] });
      const result = await settle(chat(name, m));
      assert.equal(result.status, 'rejected');
      const error = (result as PromiseRejectedResult).reason as Error;
      assertClientTimeout(error, name, 2000);
      assert.equal(arrived(m), 3);
      assert.equal(attrs(h.operation(m)!)['breakwater.error.category'], 'timeout');
    });

    it('cut once: the attempt fails as a network error and is retried; the retry answers', async () => {
      const m = model('cut');
      h.fp.script({
        route: 'openai.chat',
        model: m,
        steps: [{ fault: 'stream_error', end: 'close', count: 1 }],
      });
      const { data, response } = value(await settle(chat(name, m).withResponse()));
      assert.equal(data.object, 'chat.completion');
      assert.equal(response.status, 200);
      assert.equal(arrived(m), 2);
      assert.deepEqual(attemptOutcomes(), ['network', 'ok']);
    });

    for (const read of ['parsed', 'raw'] as const) {
      it(`awaited late (${read}): the body is still read within the deadline, and is whole when asked for`, async () => {
        const m = model(`late-${read}`);
        h.fp.script({
          route: 'openai.chat',
          model: m,
          steps: [{ fault: 'stream_error', end: 'hang', count: 1 }],
        });
        const call = chat(name, m);
        // Nobody asks for the body while the attempts run.
        value(await settle(call.responsePromise));
        assert.equal(arrived(m), 2);
        const data = (
          read === 'parsed' ? await call : await (await call.asResponse()).json()
        ) as OpenAIType.ChatCompletion;
        assert.equal(data.object, 'chat.completion');
        assert.deepEqual(attemptOutcomes(), ['timeout', 'ok']);
        // The late raw reader gets the response as the provider sent it, url included.
        if (read === 'raw')
          assert.equal((await call.asResponse()).url, `${h.fp.openaiBaseUrl}/chat/completions`);
      });
    }

    it('through a `_thenUnwrap` helper (`.parse()`): parsed in the attempt, like an awaited call', async () => {
      const m = model('helper');
      h.fp.script({
        route: 'openai.chat',
        model: m,
        steps: [{ fault: 'stream_error', end: 'close', count: 1 }],
      });
      const OpenAI = require(name).default as typeof OpenAIType;
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
      const { data, response } = value(
        await settle(
          client.chat.completions
            .parse({ model: m, messages: [{ role: 'user', content: 'hello there' }] })
            .withResponse(),
        ),
      );
      assert.equal(data.object, 'chat.completion');
      assert.equal(arrived(m), 2);
      assert.deepEqual(attemptOutcomes(), ['network', 'ok']);
      // The provider's own response (not one rebuilt from buffered bytes, which would be `default`).
      assert.equal(response.type, 'basic');
    });
  });
}

describe('openai 7: request options given as a promise', () => {
  it('their `timeout` bounds the body too, not the policy’s', async () => {
    const m = model('promised-options');
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'stream_error', end: 'hang' }] });
    const OpenAI = require('openai').default as typeof OpenAIType;
    const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
    const options = Promise.resolve({ timeout: 10_000 }) as unknown as OpenAIType.RequestOptions;
    const result = await settle(
      client.chat.completions.create({ model: m, messages: [{ role: 'user', content: 'hi' }] }, options),
    );
    assert.equal(result.status, 'rejected');
    assertClientTimeout((result as PromiseRejectedResult).reason, 'openai', 10_000);
    assert.equal(arrived(m), 3);
  });
});

describe('@anthropic-ai/sdk: a plain body that stalls after the headers', () => {
  it('the attempt times out at its deadline and is retried; the retry answers', async () => {
    const m = `claude-plain-body-${seq++}`;
    h.fp.script({
      route: 'anthropic.messages',
      model: m,
      steps: [{ fault: 'stream_error', end: 'hang', count: 1 }],
    });
    const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
    const client = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
    const message = value(
      await settle(
        client.messages.create({ model: m, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
      ),
    );
    assert.equal(message.type, 'message');
    assert.equal(arrived(m, 'anthropic.messages'), 2);
    assert.deepEqual(attemptOutcomes(), ['timeout', 'ok']);
  });
});
