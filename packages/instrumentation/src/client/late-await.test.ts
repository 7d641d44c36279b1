import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick, setTimeout as wait } from 'node:timers/promises';
import { ManualClock } from '@breakwater/protocol';
import type { HrTime } from '@opentelemetry/api';
import type OpenAIType from 'openai';
import { attrs, byRole, FAST, harnessPerFile, require } from '../testing/harness.ts';

// A call whose APIPromise is awaited late: the response arrives, the caller does other work, and
// only then asks for the body. The operation lasted until the response, not until the caller
// got round to it; usage and response attributes still come from the parsed body.

const clock = new ManualClock();
const h = harnessPerFile(FAST, clock);

/** The client's APIPromise, with the response half the tests wait on. */
interface Call extends PromiseLike<unknown> {
  responsePromise: Promise<unknown>;
}

const ms = ([s, ns]: HrTime): number => s * 1e3 + ns / 1e6;

/** The `gen_ai.client.operation.duration` histogram of `model`: sum and count. */
const durationOf = (model: string) => h.duration(model);

let seq = 0;
for (const [label, name] of [
  ['openai 7', 'openai'],
  ['openai 6', 'openai-v6'],
] as const) {
  describe(`${label}: a call awaited after its response arrived`, () => {
    it('ends at the response: the caller’s delay is in neither the span nor the duration', async () => {
      const OpenAI = require(name).default as typeof OpenAIType;
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
      const m = `gpt-late-end-${seq++}`;
      const call = client.chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'hello there' }],
      }) as unknown as Call;
      await call.responsePromise;
      await tick();
      // The caller is busy elsewhere: 5 s on the policies' clock, 400 ms of real time for the span
      // (well above the bound below, so a GC pause or a busy machine cannot blur the two).
      await clock.advance(5_000);
      await wait(400);
      const data = (await call) as OpenAIType.ChatCompletion;

      const op = h.operation(m);
      assert.ok(op, 'the operation ended once parsed');
      const [attempt] = byRole(h.spans(), 'attempt').filter(
        (s) => s.parentSpanContext?.spanId === op.spanContext().spanId,
      );
      assert.ok(attempt);
      const lag = ms(op.endTime) - ms(attempt.endTime);
      assert.ok(lag < 200, `operation span ended ${lag} ms after its response`);
      // The request took no time on the manual clock; the 5 s the caller spent are not counted.
      assert.deepEqual(await durationOf(m), { sum: 0, count: 1 });
      const a = attrs(op);
      assert.equal(a['gen_ai.usage.input_tokens'], data.usage?.prompt_tokens);
      assert.equal(a['gen_ai.usage.output_tokens'], data.usage?.completion_tokens);
      assert.equal(a['gen_ai.response.model'], data.model);
      assert.equal(a['gen_ai.response.id'], data.id);
    });
  });
}
