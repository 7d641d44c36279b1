import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import type OpenAIType from 'openai';
import { FAST, type Harness, require, startHarness } from '../testing/harness.ts';

// `gen_ai.client.operation.duration` is a duration: measured on the runtime clock's monotonic
// time, a step of the wall clock during a call (NTP, a VM resumed) is not in it.

const clock = new ManualClock();
let h: Harness;
before(async () => {
  h = await startHarness(FAST, clock);
});
after(() => h.close());

/** The `gen_ai.client.operation.duration` histogram of `model`: sum and count. */
const durationOf = (model: string) => h.duration(model);

describe('operation duration across a wall-clock step', () => {
  for (const [label, step] of [
    ['forward', 3_600_000],
    ['backward', -3_600_000],
  ] as const) {
    it(`a ${label} step of 1 h during a call is not in its duration`, async () => {
      const OpenAI = require('openai').default as typeof OpenAIType;
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
      const model = `gpt-step-${label}`;
      const call = client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
      clock.stepWall(step);
      await call;
      const d = await durationOf(model);
      // The manual clock's monotonic time stood still: the call took no time on it.
      assert.deepEqual(d && { sum: d.sum, count: d.count }, { sum: 0, count: 1 });
    });
  }
});
