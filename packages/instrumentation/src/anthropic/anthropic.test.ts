import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import { BudgetExhaustedError, CircuitOpenError, refusalOf } from '@breakwater/resilience';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  attrs,
  byRole,
  FAST,
  harnessPerFile,
  refusedWith,
  require,
  untilBudgetRefuses,
} from '../testing/harness.ts';

const h = harnessPerFile([
  ...FAST,
  {
    // Three attempts, but two failures open the breaker: the second retry is refused.
    match: 'anthropic/claude-test-midretry-*',
    policy: {
      retry: { maxAttempts: 3 },
      breaker: { minimumCalls: 1, consecutiveFailures: 2, openMs: 60_000 },
    },
  },
]);

let seq = 0;
const model = (tag: string) => `claude-test-${tag}-${seq++}`;

// Both lines of the real client, loaded through the require hook after instrumentation is on:
// 1.x, and the 0.x line that @langchain/anthropic depends on, installed under the npm alias
// `anthropic-v0` (hooked through the instrumentation's `moduleAliases`).
for (const [label, load] of [
  ['@anthropic-ai/sdk 1', () => require('@anthropic-ai/sdk').default as typeof AnthropicType],
  ['@anthropic-ai/sdk 0.x', () => require('anthropic-v0').default as typeof AnthropicType],
] as const) {
  describe(`${label} messages`, () => {
    // A tracer provider is registered globally (harness), so the SDK would emit its own spans.
    const client = () => {
      const Anthropic = load();
      return new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl, maxRetries: 4 });
    };

    it('creates a message: one operation, one attempt, no duplicate SDK span, traceparent propagated', async () => {
      const m = model('ok');
      const msg = await client().messages.create({
        model: m,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(msg.type, 'message');
      const spans = h.spans();
      assert.equal(spans.length, 2, `spans: ${spans.map((s) => s.name).join(', ')}`);
      const [op] = byRole(spans, 'operation');
      const a = attrs(op!);
      assert.equal(a['gen_ai.provider.name'], 'anthropic');
      assert.equal(a['breakwater.dependency'], `anthropic/${m}`);
      assert.equal(a['gen_ai.usage.input_tokens'], msg.usage.input_tokens);
      assert.equal(a['gen_ai.usage.output_tokens'], msg.usage.output_tokens);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], [msg.stop_reason]);
    });

    it('records sampling parameters, stop sequences and output type with their GenAI types', async () => {
      const m = model('params');
      // SDK 1.x no longer types the sampling parameters, but the API (and older code) still sends them.
      const sampling = { temperature: 0.3, top_p: 0.9, top_k: 5 } as Record<string, number>;
      await client().messages.create({
        model: m,
        max_tokens: 64,
        ...sampling,
        stop_sequences: ['END', 'STOP'],
        output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
        messages: [{ role: 'user', content: 'hi' }],
      });
      const a = attrs(byRole(h.spans(), 'operation')[0]!);
      assert.equal(a['gen_ai.request.max_tokens'], 64);
      assert.equal(a['gen_ai.request.temperature'], 0.3);
      assert.equal(a['gen_ai.request.top_p'], 0.9);
      assert.equal(a['gen_ai.request.top_k'], 5);
      assert.deepEqual(a['gen_ai.request.stop_sequences'], ['END', 'STOP']);
      // Conditionally required when the request asks for an output format.
      assert.equal(a['gen_ai.output.type'], 'json');
      assert.equal(a['gen_ai.input.messages'], undefined, 'content is opt-in');
      assert.equal(a['gen_ai.system_instructions'], undefined, 'content is opt-in');
    });

    it('a non-streaming call too long for 10 minutes is refused by the SDK, as without Breakwater', async () => {
      const m = model('long');
      const long = { model: m, max_tokens: 200_000, messages: [{ role: 'user' as const, content: 'hi' }] };
      assert.throws(() => client().messages.create(long), /Streaming is required/);
      assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 0, 'nothing sent');
      assert.deepEqual(h.spans(), []);
      // With a timeout of the app's own, the SDK sends it (and so do we).
      await client().messages.create(long, { timeout: 5_000 });
      assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 1);
    });

    it('retries 529 overloaded, then succeeds; the resend carries its retry count', async () => {
      const m = model('529');
      h.fp.script({
        route: 'anthropic.messages',
        model: m,
        steps: [{ fault: 'error', status: 529, count: 1 }],
      });
      const sent: Headers[] = [];
      const Anthropic = load();
      const c = new Anthropic({
        apiKey: 'k',
        baseURL: h.fp.anthropicBaseUrl,
        fetch: (url: string | URL | Request, init?: RequestInit) => {
          sent.push(new Headers(init?.headers));
          return fetch(url, init);
        },
      });
      await c.messages.create(
        { model: m, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-app': 'a' } },
      );
      assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 2);
      // The resend says it is one, as the client's own retry would; the caller's headers are kept.
      assert.deepEqual(
        sent.map((hs) => [hs.get('x-stainless-retry-count'), hs.get('x-app')]),
        [
          ['0', 'a'],
          ['1', 'a'],
        ],
      );
      const attempts = byRole(h.spans(), 'attempt');
      assert.equal(attempts.length, 2);
      assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'overloaded');
      assert.equal(attrs(attempts[1]!)['http.request.resend_count'], 1);
    });

    it('times out a hanging attempt (per-attempt timeout), classified timeout, retried', async () => {
      const m = model('hang');
      h.fp.script({ route: 'anthropic.messages', model: m, steps: [{ fault: 'hang', count: 1 }] });
      const Anthropic = load();
      const c = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
      const started = performance.now();
      await c.messages.create({ model: m, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(performance.now() - started < 5_000);
      const attempts = byRole(h.spans(), 'attempt');
      assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'timeout');
      assert.equal(attempts.length, 2);
    });

    it('messages.stream(): helper works, one operation span, no SDK span', async () => {
      const m = model('stream');
      const stream = client().messages.stream({
        model: m,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const final = await stream.finalMessage();
      assert.equal(final.type, 'message');
      const spans = h.spans();
      assert.equal(spans.length, 2, `spans: ${spans.map((s) => s.name).join(', ')}`);
      const [op] = byRole(spans, 'operation');
      assert.equal(attrs(op!)['gen_ai.request.stream'], true);
      assert.equal(typeof attrs(op!)['gen_ai.usage.output_tokens'], 'number');
      assert.equal(typeof attrs(op!)['gen_ai.response.time_to_first_chunk'], 'number');
    });

    it('mid-stream error event is classified on the operation span', async () => {
      const m = model('midstream');
      h.fp.script({
        route: 'anthropic.messages',
        model: m,
        steps: [{ fault: 'stream_error', afterChunks: 2, status: 529 }],
      });
      const stream = await client().messages.create({
        model: m,
        max_tokens: 64,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      await assert.rejects(async () => {
        for await (const _ of stream);
      });
      assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 1);
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(op!.status.code, SpanStatusCode.ERROR);
      // The error event has no HTTP status; its type (overloaded_error) classifies it.
      assert.equal(attrs(op!)['breakwater.error.category'], 'overloaded');
      assert.equal(attrs(op!)['error.type'], 'overloaded_error');
    });

    it('a retry the budget refuses: the app gets the last 529; the span says budget_exhausted, with error.type overloaded_error', async () => {
      const m = model('budget');
      h.fp.script({ route: 'anthropic.messages', model: m, steps: [{ fault: 'error', status: 529 }] });
      const ask = () =>
        client().messages.create({ model: m, max_tokens: 16, messages: [{ role: 'user', content: 'x' }] });
      const { refused, calls } = await untilBudgetRefuses(h, m, ask);
      assert.ok(refused !== undefined, 'no retry was refused by the budget');
      const Anthropic = load();
      assert.ok(refused instanceof Anthropic.APIError, `the client's own error, not ${String(refused)}`);
      assert.equal((refused as { status?: number }).status, 529);
      assert.ok(refusalOf(refused) instanceof BudgetExhaustedError);
      const op = h.operation(m)!;
      const a = attrs(op);
      assert.equal(a['breakwater.error.category'], 'budget_exhausted');
      assert.equal(a['breakwater.error.source'], 'policy');
      assert.equal(a['breakwater.error.retryable'], false);
      const attempts = byRole(h.spans(), 'attempt');
      assert.equal(a['error.type'], 'overloaded_error');
      assert.equal(a['error.type'], attrs(attempts.at(-1)!)['error.type']);
      const exceptions = h.spans().flatMap((s) => s.events.filter((e) => e.name === 'exception'));
      assert.equal(exceptions.length, 1, 'the exception is recorded once');
      assert.deepEqual(await h.durationErrorTypes(m), [`overloaded_error=${calls}`]);
    });

    it('a breaker its own attempts opened refuses the retry: error.type is the last attempt’s; refused before sending, the refusal’s', async () => {
      const m = model('midretry');
      h.fp.script({ route: 'anthropic.messages', model: m, steps: [{ fault: 'error', status: 529 }] });
      const ask = () =>
        client().messages.create({ model: m, max_tokens: 16, messages: [{ role: 'user', content: 'x' }] });
      const error = await ask().then(
        () => assert.fail('the provider answers 529 only'),
        (e: unknown) => e,
      );
      assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 2, 'two attempts, then open');
      assert.equal((error as { status?: number }).status, 529);
      assert.ok(refusalOf(error) instanceof CircuitOpenError);
      const op = h.operation(m)!;
      assert.equal(attrs(op)['breakwater.error.category'], 'circuit_open');
      assert.equal(attrs(op)['breakwater.error.source'], 'policy');
      assert.equal(attrs(op)['error.type'], 'overloaded_error');

      h.exporter.reset();
      const Anthropic = load();
      await assert.rejects(ask(), refusedWith('CircuitOpenError', Anthropic.APIError));
      const refusedOp = h.operation(m)!;
      assert.equal(attrs(refusedOp)['error.type'], 'circuit_open');
      assert.equal(attrs(refusedOp)['breakwater.error.category'], 'circuit_open');
      assert.equal(byRole(h.spans(), 'attempt').length, 0);
      assert.deepEqual(await h.durationErrorTypes(m), ['circuit_open=1', 'overloaded_error=1']);
    });
  });

  describe(`${label}: usage of an abandoned stream`, () => {
    const client = () => {
      const Anthropic = load();
      return new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
    };
    const stream = (m: string) =>
      client().messages.create({
        model: m,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'one two three four five six seven eight' }],
        stream: true,
      });

    /** The `gen_ai.client.token.usage` points of `model`, by token type. */
    async function tokenPoints(m: string): Promise<Record<string, number>> {
      const points: Record<string, number> = {};
      for (const p of await h.points('gen_ai.client.token.usage')) {
        if (p.attributes['gen_ai.request.model'] !== m) continue;
        points[String(p.attributes['gen_ai.token.type'])] = (p.value as { sum: number }).sum;
      }
      return points;
    }

    it('left after a few text deltas: input tokens, but no output tokens (message_start’s 1 is a placeholder)', async () => {
      const m = model('abandon-usage');
      let deltas = 0;
      let input: number | undefined;
      for await (const event of await stream(m)) {
        if (event.type === 'message_start') input = event.message.usage.input_tokens;
        if (event.type === 'content_block_delta' && ++deltas === 3) break;
      }
      const [op] = byRole(h.spans(), 'operation');
      const a = attrs(op!);
      assert.equal(a['breakwater.stream.abandoned'], true);
      assert.equal(typeof input, 'number');
      assert.equal(a['gen_ai.usage.input_tokens'], input);
      assert.equal(a['gen_ai.usage.output_tokens'], undefined);
      assert.deepEqual(await tokenPoints(m), { input });
    });

    it('left after message_delta: its output tokens count', async () => {
      const m = model('abandon-after-delta');
      let output: number | undefined;
      for await (const event of await stream(m)) {
        if (event.type === 'message_delta') {
          output = event.usage.output_tokens;
          break;
        }
      }
      const [op] = byRole(h.spans(), 'operation');
      const a = attrs(op!);
      assert.equal(a['breakwater.stream.abandoned'], true);
      assert.ok(output !== undefined && output > 1);
      assert.equal(a['gen_ai.usage.output_tokens'], output);
      assert.equal((await tokenPoints(m)).output, output);
    });
  });
}
