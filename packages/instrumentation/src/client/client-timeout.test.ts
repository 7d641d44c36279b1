import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import type { HrTime } from '@opentelemetry/api';
import type OpenAIType from 'openai';
import type { ClientModule } from '../testing/client-timeout.ts';
import { attrs, byRole, FAST, harnessPerFile, require } from '../testing/harness.ts';

// The policy's per-attempt timeout (2 s under FAST, 150 ms for *-hang-* models) rides on the
// client's request timer. A timeout the app gave the client or the request is the app's choice and
// stands, lower or higher.

const h = harnessPerFile(FAST);

const ms = ([s, ns]: HrTime): number => s * 1e3 + ns / 1e6;
let seq = 0;

describe('a timeout set on the client', () => {
  it('openai: a lower client timeout ends a hanging attempt, not the policy’s 2 s', async () => {
    const OpenAI = require('openai').default as typeof OpenAIType;
    const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, timeout: 100 });
    const model = `gpt-client-timeout-${seq++}`;
    h.fp.script({ route: 'openai.chat', model, steps: [{ fault: 'hang', count: 1 }] });
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    const [first, second] = byRole(h.spans(), 'attempt');
    assert.equal(attrs(first!)['breakwater.error.category'], 'timeout');
    assert.ok(ms(first!.duration) < 1_000, `first attempt lasted ${ms(first!.duration)} ms`);
    assert.equal(attrs(second!)['http.request.resend_count'], 1);
  });

  it('anthropic: a lower client timeout ends a hanging attempt, not the policy’s 2 s', async () => {
    const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
    const client = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl, timeout: 100 });
    const model = `claude-client-timeout-${seq++}`;
    h.fp.script({ route: 'anthropic.messages', model, steps: [{ fault: 'hang', count: 1 }] });
    await client.messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    const [first] = byRole(h.spans(), 'attempt');
    assert.equal(attrs(first!)['breakwater.error.category'], 'timeout');
    assert.ok(ms(first!.duration) < 1_000, `first attempt lasted ${ms(first!.duration)} ms`);
  });

  it('a higher client timeout outlasts the policy’s: a slow answer is not cut off and retried', async () => {
    const OpenAI = require('openai').default as typeof OpenAIType;
    // Policy 150 ms for *-hang-* models; the client allows 5 s; the answer takes 400 ms.
    const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, timeout: 5_000 });
    const model = `gpt-slow-hang-${seq++}`;
    h.fp.script({ route: 'openai.chat', model, steps: [{ fault: 'ok', latency: 400 }] });
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(h.fp.count({ route: 'openai.chat', model }), 1);
    assert.equal(byRole(h.spans(), 'attempt').length, 1);
  });
});

describe('the policy’s timeout, where the app set none', () => {
  for (const module of ['openai', 'openai-v6'] as const satisfies readonly ClientModule[]) {
    it(`${module}: every attempt hangs: each is cut at the policy’s 150 ms, then the client’s own timeout error`, async () => {
      const { default: OpenAI, APIConnectionTimeoutError } = require(module) as {
        default: typeof OpenAIType;
        APIConnectionTimeoutError: new () => Error;
      };
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
      const model = `gpt-policy-hang-${seq++}`;
      h.fp.script({ route: 'openai.chat', model, steps: [{ fault: 'hang' }] });
      const started = performance.now();
      const error = await client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => assert.fail('a call whose every attempt hangs cannot succeed'),
          (e: unknown) => e,
        );
      assert.ok(
        error instanceof APIConnectionTimeoutError,
        `the client's own timeout error, got ${String(error)}`,
      );
      const attempts = byRole(h.spans(), 'attempt');
      assert.equal(h.fp.count({ route: 'openai.chat', model }), 3);
      assert.deepEqual(
        attempts.map((s) => attrs(s)['breakwater.error.category']),
        ['timeout', 'timeout', 'timeout'],
      );
      for (const s of attempts) assert.ok(ms(s.duration) < 1_000, `an attempt lasted ${ms(s.duration)} ms`);
      assert.ok(performance.now() - started < 3_000);
    });
  }

  it('a higher timeout on the request outlasts the policy’s: a slow answer is not cut off', async () => {
    const OpenAI = require('openai').default as typeof OpenAIType;
    const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
    const model = `gpt-slow-hang-${seq++}`;
    h.fp.script({ route: 'openai.chat', model, steps: [{ fault: 'ok', latency: 400 }] });
    await client.chat.completions.create(
      { model, messages: [{ role: 'user', content: 'hi' }] },
      { timeout: 5_000 },
    );
    assert.equal(h.fp.count({ route: 'openai.chat', model }), 1);
    assert.equal(byRole(h.spans(), 'attempt').length, 1);
  });
});
