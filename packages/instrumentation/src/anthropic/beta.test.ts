import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import { SpanStatusCode } from '@opentelemetry/api';
import { collect } from '../testing/gc.ts';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

// `client.beta.messages` is the Messages API with beta features (`POST /v1/messages?beta=true`,
// the `betas` param sent as the `anthropic-beta` header): its calls, and the helpers built on them
// (`stream()`, `parse()`, `toolRunner()`), go through Breakwater as `messages.create` does.
// `countTokens` is no LLM call and stays the client's own.

const h = harnessPerFile();

let seq = 0;
const model = (tag: string) => `claude-beta-${tag}-${seq++}`;

const BETA = 'some-feature-2025-01-01';
const text = 'one two three four five six';

for (const [label, load] of [
  ['@anthropic-ai/sdk 1', () => require('@anthropic-ai/sdk').default as typeof AnthropicType],
  ['@anthropic-ai/sdk 0.x', () => require('anthropic-v0').default as typeof AnthropicType],
] as const) {
  describe(`${label} beta.messages`, () => {
    /** What each request carried: its URL and `anthropic-beta` header. */
    let sent: { url: string; beta: string | null }[] = [];
    // The client's own retries are on: Breakwater's attempts must be the only ones.
    const client = () =>
      new (load())({
        apiKey: 'k',
        baseURL: h.fp.anthropicBaseUrl,
        maxRetries: 4,
        fetch: (url: string | URL | Request, init?: RequestInit) => {
          sent.push({ url: String(url), beta: new Headers(init?.headers).get('anthropic-beta') });
          return fetch(url, init);
        },
      });
    const body = (m: string) => ({
      model: m,
      max_tokens: 64,
      betas: [BETA],
      messages: [{ role: 'user' as const, content: text }],
    });
    const count = (m: string) => h.fp.count({ route: 'anthropic.messages', model: m });

    it('create: one operation and attempt with GenAI attributes and usage; the betas header still sent', async () => {
      sent = [];
      const m = model('ok');
      const msg = await client().beta.messages.create(body(m));
      assert.equal(msg.type, 'message');
      // 0.x marks the path `?beta=true`; 1.x sends the plain path.
      assert.equal(sent.length, 1);
      assert.match(sent[0]!.url, /\/v1\/messages(\?beta=true)?$/);
      assert.equal(sent[0]!.beta, BETA);
      const spans = h.spans();
      assert.equal(spans.length, 2, `spans: ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(byRole(spans, 'attempt').length, 1);
      const a = attrs(h.operation(m)!);
      assert.equal(a['gen_ai.operation.name'], 'chat');
      assert.equal(a['gen_ai.provider.name'], 'anthropic');
      assert.equal(a['breakwater.dependency'], `anthropic/${m}`);
      assert.equal(a['gen_ai.request.max_tokens'], 64);
      assert.equal(a['gen_ai.response.model'], msg.model);
      assert.equal(a['gen_ai.usage.input_tokens'], msg.usage.input_tokens);
      assert.equal(a['gen_ai.usage.output_tokens'], msg.usage.output_tokens);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], [msg.stop_reason]);
      assert.equal(await h.tokenSum(m, 'input'), msg.usage.input_tokens);
    });

    it('503 twice, then OK: exactly 3 requests, each with the betas header', async () => {
      sent = [];
      const m = model('503');
      h.fp.script({
        route: 'anthropic.messages',
        model: m,
        steps: [{ fault: 'error', status: 503, count: 2 }],
      });
      const msg = await client().beta.messages.create(body(m));
      assert.equal(msg.content[0]?.type, 'text');
      assert.equal(count(m), 3);
      assert.deepEqual(
        sent.map((s) => s.beta),
        [BETA, BETA, BETA],
      );
      const attempts = byRole(h.spans(), 'attempt');
      assert.equal(attempts.length, 3);
      assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'overloaded');
      assert.equal(attrs(h.operation(m)!)['breakwater.retry.attempts'], 3);
    });

    it('400: one request, the client’s own error, classified on the operation', async () => {
      const m = model('400');
      h.fp.script({ route: 'anthropic.messages', model: m, steps: [{ fault: 'error', status: 400 }] });
      await assert.rejects(client().beta.messages.create(body(m)), load().BadRequestError);
      assert.equal(count(m), 1);
      const op = h.operation(m)!;
      assert.equal(op.status.code, SpanStatusCode.ERROR);
      assert.equal(attrs(op)['breakwater.error.retryable'], false);
      assert.equal(attrs(op)['error.type'], 'invalid_request_error');
    });

    it('create({ stream: true }): usage and time to first chunk; an overloaded first event is retried', async () => {
      sent = [];
      const m = model('stream');
      h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 0, count: 1 }] });
      const events: string[] = [];
      for await (const event of await client().beta.messages.create({ ...body(m), stream: true })) {
        events.push(event.type);
      }
      assert.equal(events[0], 'message_start');
      assert.equal(events.at(-1), 'message_stop');
      assert.equal(count(m), 2);
      assert.deepEqual(
        sent.map((s) => s.beta),
        [BETA, BETA],
      );
      const a = attrs(h.operation(m)!);
      assert.equal(a['gen_ai.request.stream'], true);
      assert.equal(a['breakwater.retry.attempts'], 2);
      assert.equal(typeof a['gen_ai.usage.input_tokens'], 'number');
      assert.equal(typeof a['gen_ai.usage.output_tokens'], 'number');
      assert.equal(typeof a['gen_ai.response.time_to_first_chunk'], 'number');
    });

    it('an error mid-stream is not retried: classified on the operation', async () => {
      const m = model('midstream');
      h.fp.script({ model: m, steps: [{ fault: 'stream_error', afterChunks: 2, status: 529 }] });
      const stream = await client().beta.messages.create({ ...body(m), stream: true });
      await assert.rejects(async () => {
        for await (const _ of stream);
      }, /overloaded/i);
      assert.equal(count(m), 1);
      const op = h.operation(m)!;
      assert.equal(op.status.code, SpanStatusCode.ERROR);
      assert.equal(attrs(op)['breakwater.error.category'], 'overloaded');
      assert.equal(byRole(h.spans(), 'attempt').length, 1);
    });

    it('a stream left partway is ended abandoned', async () => {
      const m = model('abandon');
      let events = 0;
      for await (const _ of await client().beta.messages.create({ ...body(m), stream: true })) {
        if (++events === 3) break;
      }
      const a = attrs(h.operation(m)!);
      assert.equal(a['breakwater.stream.abandoned'], true);
      assert.equal(typeof a['gen_ai.usage.input_tokens'], 'number');
    });

    it('stream(): text events, finalMessage(), .withResponse(); one operation, no SDK span', async () => {
      const m = model('helper');
      h.fp.script({
        route: 'anthropic.messages',
        model: m,
        steps: [{ fault: 'error', status: 529, count: 2 }],
      });
      const stream = client().beta.messages.stream(body(m));
      let streamed = '';
      stream.on('text', (delta) => {
        streamed += delta;
      });
      const { response } = await stream.withResponse();
      assert.equal(response.status, 200);
      const final = await stream.finalMessage();
      assert.equal(streamed, `You said: ${text}`);
      assert.equal(count(m), 3);
      const spans = h.spans();
      assert.equal(spans.length, 4, `spans: ${spans.map((s) => s.name).join(', ')}`);
      const a = attrs(h.operation(m)!);
      assert.equal(a['breakwater.retry.attempts'], 3);
      assert.equal(a['gen_ai.usage.output_tokens'], final.usage.output_tokens);
    });

    it('.withResponse() and .asResponse() of create', async () => {
      const m = model('raw');
      h.fp.script({
        route: 'anthropic.messages',
        model: m,
        steps: [{ fault: 'error', status: 503, count: 1 }],
      });
      const { data, response } = await client().beta.messages.create(body(m)).withResponse();
      assert.equal(response.status, 200);
      assert.equal(data.type, 'message');
      const raw = await client().beta.messages.create(body(m)).asResponse();
      assert.equal(((await raw.json()) as { type: string }).type, 'message');
      assert.equal(count(m), 3);
      assert.equal(byRole(h.spans(), 'operation').length, 2);
    });

    it('parse(): the parsed output, one operation', async () => {
      const m = model('parse');
      const schema = {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      };
      const message = await client().beta.messages.parse({
        ...body(m),
        output_config: { format: { type: 'json_schema', schema } },
      } as Parameters<ReturnType<typeof client>['beta']['messages']['parse']>[0]);
      assert.deepEqual(message.parsed_output, { city: `You said: ${text}` });
      assert.equal(byRole(h.spans(), 'operation').length, 1);
      assert.equal(attrs(h.operation(m)!)['gen_ai.output.type'], 'json');
    });

    /** A question and the one tool that answers it, fresh for each runner (which may add turns). */
    const weatherTurn = () => ({
      messages: [{ role: 'user' as const, content: 'what is the weather' }],
      tools: [
        {
          name: 'weather',
          description: 'The weather',
          input_schema: {
            type: 'object' as const,
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
          run: () => 'sunny',
        },
      ],
    });

    it('toolRunner(): each model turn is an operation', async () => {
      const m = model('runner');
      const runner = client().beta.messages.toolRunner({
        ...body(m),
        ...weatherTurn(),
      });
      const final = await runner.runUntilDone();
      assert.deepEqual(final.content, [{ type: 'text', text: 'Tool result: sunny' }]);
      assert.equal(count(m), 2);
      const ops = byRole(h.spans(), 'operation');
      assert.equal(ops.length, 2);
      for (const op of ops) assert.equal(typeof attrs(op)['gen_ai.usage.output_tokens'], 'number');
    });

    it('toolRunner({ stream: true }): each turn an operation, each stream whole (through garbage collections too)', async () => {
      const m = model('runner-stream');
      h.fp.script({ route: 'anthropic.messages', model: m, steps: [{ fault: 'ok', chunkDelayMs: 2 }] });
      // In 1.x the runner runs over a message thread, which parses each turn's response itself.
      const runner = client().beta.messages.toolRunner({
        ...body(m),
        stream: true,
        ...weatherTurn(),
      });
      const turns: string[][] = [];
      for await (const stream of runner) {
        const events: string[] = [];
        for await (const event of stream) {
          events.push(event.type);
          await collect();
        }
        turns.push(events);
      }
      assert.equal(turns.length, 2);
      for (const events of turns)
        assert.deepEqual([events[0], events.at(-1)], ['message_start', 'message_stop']);
      assert.equal(count(m), 2);
      const ops = byRole(h.spans(), 'operation');
      assert.equal(ops.length, 2);
      for (const op of ops) {
        assert.equal(op.status.code, SpanStatusCode.UNSET);
        assert.equal(attrs(op)['breakwater.stream.abandoned'], undefined);
      }
    });

    it('betas are request metadata, not content: no span attribute carries them, even with content capture on', async () => {
      const m = model('capture');
      const config = h.anthropic.getConfig();
      h.anthropic.setConfig({ ...config, captureMessageContent: true });
      try {
        await client().beta.messages.create(body(m));
      } finally {
        h.anthropic.setConfig(config);
      }
      const a = attrs(h.operation(m)!);
      assert.ok(a['gen_ai.input.messages'] !== undefined, 'content is captured');
      for (const span of h.spans()) {
        for (const [key, value] of Object.entries(attrs(span))) {
          assert.doesNotMatch(String(value), new RegExp(BETA), key);
        }
      }
    });

    it('countTokens is no LLM operation: untouched, the client’s own retries', async () => {
      const m = model('count');
      h.fp.script({
        route: 'anthropic.count_tokens',
        model: m,
        steps: [{ fault: 'error', status: 529, count: 1 }],
      });
      const counted = await client().beta.messages.countTokens({ model: m, messages: body(m).messages });
      assert.equal(counted.input_tokens, 6);
      assert.equal(h.fp.count({ route: 'anthropic.count_tokens', model: m }), 2);
      assert.deepEqual(byRole(h.spans(), 'operation'), []);
    });
  });
}
