import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import { SpanStatusCode } from '@opentelemetry/api';
import { collect } from '../testing/gc.ts';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

// A caller may take a streamed call's response props (`_responseProps()`) and parse them with a
// parser of its own, dropping the call's `APIPromise`: `@anthropic-ai/sdk` 1.x message threads do,
// for `thread.stream()` and a streamed `beta.messages.toolRunner()`. The body is then read like
// one taken with `.asResponse()`: the stream stays whole, and ends the operation as it ends.

const h = harnessPerFile();

let seq = 0;
const model = (tag: string) => `claude-props-${tag}-${seq++}`;

type APIPromiseClass = new (client: unknown, props: Promise<unknown>) => PromiseLike<unknown>;

describe('@anthropic-ai/sdk 1: a stream whose props the caller parses itself', () => {
  const sdk = () =>
    require('@anthropic-ai/sdk') as { default: typeof AnthropicType; APIPromise: APIPromiseClass };

  it('is read whole, also when the call’s APIPromise is collected mid-stream; the operation ends with it', async () => {
    const m = model('gc');
    h.fp.script({ route: 'anthropic.messages', model: m, steps: [{ fault: 'ok', chunkDelayMs: 5 }] });
    const client = new (sdk().default)({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
    // As a thread does: the props of the call, and the call itself dropped.
    const props = await (async () =>
      (
        client.messages.create({
          model: m,
          max_tokens: 64,
          stream: true,
          messages: [{ role: 'user', content: 'one two three four five six seven eight' }],
        }) as unknown as { _responseProps(): Promise<unknown> }
      )._responseProps())();
    const stream = (await new (sdk().APIPromise)(client, Promise.resolve(props))) as AsyncIterable<{
      type: string;
    }>;
    const events: string[] = [];
    for await (const event of stream) {
      events.push(event.type);
      await collect();
    }
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    const op = h.operation(m);
    assert.ok(op, 'the operation ended with the stream');
    assert.equal(op.status.code, SpanStatusCode.UNSET);
    assert.equal(attrs(op)['breakwater.stream.abandoned'], undefined);
    assert.equal(typeof attrs(op)['gen_ai.response.time_to_first_chunk'], 'number');
    assert.equal(byRole(h.spans(), 'attempt').length, 1);
  });
});
