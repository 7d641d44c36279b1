import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import type AnthropicType from '@anthropic-ai/sdk';
import { ManualClock } from '@breakwater/protocol';
import { type HrTime, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type OpenAIType from 'openai';
import { collectUntil } from '../testing/gc.ts';
import { attrs, byRole, FAST, harnessPerFile, require } from '../testing/harness.ts';

// A stream the app walks away from ends when the app last got something of it (the last chunk
// handed over, else the response), not when the walking away is noticed: a `break` much later, or
// garbage collection seconds later. Real clients against the fault provider; the app's delay is
// 5 s on the policies' clock (the duration metric) and 300 ms of real time (the spans).

const clock = new ManualClock();
const h = harnessPerFile(FAST, clock);

interface ClientStream extends AsyncIterable<unknown> {
  controller: AbortController;
}

interface Client {
  readonly label: string;
  dependency(model: string): string;
  create(model: string): PromiseLike<ClientStream>;
  createRaw(model: string): Promise<Response>;
}

const openai = (label: string, name: string): Client => {
  const client = () => {
    const OpenAI = require(name).default as typeof OpenAIType;
    return new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
  };
  const body = (model: string) => ({
    model,
    messages: [{ role: 'user' as const, content: 'one two three four five six' }],
    stream: true as const,
  });
  return {
    label,
    dependency: (model) => `openai/${model}`,
    create: (model) => client().chat.completions.create(body(model)) as unknown as PromiseLike<ClientStream>,
    createRaw: (model) => client().chat.completions.create(body(model)).asResponse(),
  };
};

const anthropic: Client = (() => {
  const client = () => {
    const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
    return new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
  };
  const body = (model: string) => ({
    model,
    max_tokens: 64,
    messages: [{ role: 'user' as const, content: 'one two three four five six' }],
    stream: true as const,
  });
  return {
    label: 'anthropic',
    dependency: (model) => `anthropic/${model}`,
    create: (model) => client().messages.create(body(model)) as unknown as PromiseLike<ClientStream>,
    createRaw: (model) => client().messages.create(body(model)).asResponse(),
  };
})();

const ms = ([s, ns]: HrTime): number => s * 1e3 + ns / 1e6;
const lengthOf = (span: ReadableSpan): number => ms(span.endTime) - ms(span.startTime);

/** The `gen_ai.client.operation.duration` sum of `model` (seconds on the manual clock). */
const durationOf = async (model: string) => (await h.duration(model))?.sum;

/**
 * Checks the abandoned operation of `model` and its attempt: both ended no later than
 * `handedOverAt` (`performance.now()` just after the app last got something; the operation
 * started at `calledAt`), and the duration metric says `seconds`.
 */
async function assertEndedAt(model: string, calledAt: number, handedOverAt: number, seconds: number) {
  const op = h.operation(model);
  assert.ok(op, 'operation ended');
  assert.equal(attrs(op)['breakwater.stream.abandoned'], true);
  assert.equal(op.status.code, 0, 'status unset');
  const bound = handedOverAt - calledAt + 2; // the clocks' rounding
  assert.ok(lengthOf(op) <= bound, `operation span lasted ${lengthOf(op)} ms, due within ${bound} ms`);
  const [attempt] = byRole(h.spans(), 'attempt').filter(
    (s) => s.parentSpanContext?.spanId === op.spanContext().spanId,
  );
  assert.ok(attempt, 'attempt span ended');
  // Each span converts `performance.now()` times with an offset of its own, in whole milliseconds.
  assert.ok(ms(attempt.endTime) <= ms(op.endTime) + 2, 'attempt ended with its operation');
  assert.equal(await durationOf(model), seconds);
}

let seq = 0;
for (const c of [openai('openai 7', 'openai'), openai('openai 6', 'openai-v6'), anthropic]) {
  const model = (tag: string) => `abandoned-${tag}-${seq++}`;

  describe(`${c.label}: an abandoned stream ends when the app last got something`, () => {
    it('broken out of after one chunk: at that chunk, not at the break', async () => {
      const m = model('break');
      const calledAt = performance.now();
      const stream = await c.create(m);
      await clock.advance(1_000);
      let handedOverAt = Number.NaN;
      for await (const _ of stream) {
        handedOverAt = performance.now();
        await clock.advance(5_000);
        await wait(300);
        break;
      }
      // The response came at 0 s, the chunk was handed over at 1 s, the break at 6 s.
      await assertEndedAt(m, calledAt, handedOverAt, 1);
    });

    it('never iterated and collected: at its response, not at the collection', async () => {
      const m = model('unread');
      const calledAt = performance.now();
      // Only the controller is kept: the stream itself is dropped unread.
      const controller = await (async () => (await c.create(m)).controller)();
      const answeredAt = performance.now();
      await clock.advance(5_000);
      await wait(300);
      assert.equal(h.operation(m), undefined, 'still open before collection');
      assert.ok(await collectUntil(() => h.operation(m)), 'ended by garbage collection');
      assert.equal(controller.signal.aborted, true);
      await assertEndedAt(m, calledAt, answeredAt, 0);
    });

    it('aborted by the app while waiting on a stalled provider: at the abort, the wait included', async () => {
      const m = model('stalled');
      h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 2, end: 'hang' }] });
      const calledAt = performance.now();
      const stream = await c.create(m);
      await clock.advance(1_000);
      const reading = (async () => {
        for await (const _ of stream) {
          // Reads on: the next chunk never comes.
        }
      })().catch(() => {});
      await wait(300);
      // Less than the 2 s a chunk may take (FAST): a stall past that is the provider's timeout.
      await clock.advance(1_500);
      stream.controller.abort();
      await reading;
      const abortedAt = performance.now();
      const op = h.operation(m);
      assert.ok(op, 'operation ended');
      assert.equal(attrs(op)['breakwater.stream.abandoned'], true);
      // The app's 300 ms wait on the provider is in the span, and the 2.5 s on the policies' clock
      // in the duration metric.
      assert.ok(lengthOf(op) >= 300, `operation span lasted ${lengthOf(op)} ms, the app waited 300 ms`);
      assert.ok(lengthOf(op) <= abortedAt - calledAt + 2);
      assert.equal(await durationOf(m), 2.5);
    });

    it('aborted between reads and never read again: at the last chunk, without waiting for collection', async () => {
      const m = model('aborted-idle');
      const calledAt = performance.now();
      const stream = await c.create(m);
      await clock.advance(1_000);
      const chunks = stream[Symbol.asyncIterator]();
      await chunks.next();
      const handedOverAt = performance.now();
      await clock.advance(5_000);
      await wait(300);
      // No read is pending (a proxy backpressured by its own client, which then disconnects).
      stream.controller.abort();
      await assertEndedAt(m, calledAt, handedOverAt, 1);
      assert.ok(chunks, 'the stream is still reachable: no collection ended it');
    });

    // Anthropic's error event or dropped connection before its first event is the attempt's to
    // retry (first-event.ts), never the app's.
    const failures = c.label === 'anthropic' ? ([] as const) : (['error_event', 'close'] as const);
    for (const end of failures) {
      it(`failed (${end}) before the app's first read: the read fails it, no abandonment`, async () => {
        const m = model(`failed-unread-${end}`);
        h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, end }] });
        const stream = await c.create(m);
        // The read ahead fails meanwhile, and the client aborts its own request for it.
        await wait(300);
        assert.equal(stream.controller.signal.aborted, true, 'the client aborted on the failure');
        await assert.rejects(async () => {
          for await (const _ of stream);
        });
        const op = h.operation(m);
        assert.ok(op, 'operation ended');
        assert.equal(attrs(op)['breakwater.stream.abandoned'], undefined);
        assert.equal(op.status.code, SpanStatusCode.ERROR);
        const [outcome] = await h.calls(c.dependency(m));
        assert.match(outcome ?? '', /^failure:/);
      });
    }

    it('a raw body (.asResponse()) cancelled after one read: at that read', async () => {
      const m = model('raw');
      const calledAt = performance.now();
      const response = await c.createRaw(m);
      await clock.advance(1_000);
      const reader = response.body!.getReader();
      await reader.read();
      const handedOverAt = performance.now();
      await clock.advance(5_000);
      await wait(300);
      await reader.cancel();
      await assertEndedAt(m, calledAt, handedOverAt, 1);
    });
  });
}
