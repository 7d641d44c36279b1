import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import { ManualClock } from '@breakwater/protocol';
import { assertClientTimeout } from '../testing/client-timeout.ts';
import { attrs, byRole, FAST, harnessPerFile, require } from '../testing/harness.ts';
import { settleAdvancing } from '../testing/settle.ts';

// An Anthropic stream's attempt waits for the first event (an `error` event there is retried,
// see first-event-error.test.ts). A provider that sends the headers and then nothing must not hold
// that wait for ever: the client's own timer, which carries the attempt timeout, stops at the
// headers, so the wait has the attempt's deadline (2 s under FAST, on the policies' clock), after
// which the attempt fails as a timeout, its request is aborted, and it is retried.

const clock = new ManualClock();
const h = harnessPerFile(FAST, clock);

let seq = 0;
const model = (tag: string) => `claude-first-event-stall-${tag}-${seq++}`;

const create = (m: string) => {
  const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
  const client = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
  return client.messages.create({
    model: m,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
};

const arrived = (m: string): number => h.fp.count({ route: 'anthropic.messages', model: m });

const settle = <T>(p: PromiseLike<T>) => settleAdvancing(clock, p);

describe('@anthropic-ai/sdk: headers, then silence, before the first event', () => {
  it('the attempt times out at its deadline and is retried; the retry’s stream reaches the app', async () => {
    const m = model('once');
    h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, end: 'hang', count: 1 }] });
    const result = await settle(create(m));
    assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
    const events: string[] = [];
    for await (const event of (result as PromiseFulfilledResult<Awaited<ReturnType<typeof create>>>).value) {
      events.push(event.type);
    }
    assert.equal(events.at(-1), 'message_stop');
    assert.equal(arrived(m), 2);
    const attempts = byRole(h.spans(), 'attempt');
    assert.equal(attempts.length, 2);
    assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'timeout');
  });

  it('stalling every time: exactly the configured attempts, then the attempt timeout', async () => {
    const m = model('always');
    h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, end: 'hang' }] });
    const result = await settle(create(m));
    assert.equal(result.status, 'rejected');
    const error = (result as PromiseRejectedResult).reason as Error;
    assertClientTimeout(error, '@anthropic-ai/sdk', 2000);
    assert.equal(arrived(m), 3);
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(attrs(op!)['breakwater.error.category'], 'timeout');
  });
});
