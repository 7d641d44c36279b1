import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type AnthropicType from '@anthropic-ai/sdk';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type OpenAIType from 'openai';
import { collectUntil } from '../testing/gc.ts';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

// How the caller reads a call decides when its operation ends: parsed (usage and response
// attributes), raw with `.asResponse()` (a stream ends with the body the caller reads), or not at
// all (garbage collection ends it). Run against the real clients and the fault provider.

const h = harnessPerFile();

/** The client's APIPromise, as far as these tests use it. */
interface Call extends PromiseLike<unknown> {
  asResponse(): Promise<Response>;
  responsePromise: Promise<unknown>;
}

interface Provider {
  readonly label: string;
  readonly route: string;
  create(model: string, stream: boolean): Call;
}

let seq = 0;
const providers: Provider[] = [
  ...(
    [
      ['openai 7', 'openai'],
      ['openai 6', 'openai-v6'],
    ] as const
  ).map(([label, name]) => ({
    label,
    route: 'openai.chat',
    create(model: string, stream: boolean): Call {
      const OpenAI = require(name).default as typeof OpenAIType;
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
      return client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hello there' }],
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
      }) as unknown as Call;
    },
  })),
  {
    label: 'anthropic',
    route: 'anthropic.messages',
    create(model: string, stream: boolean): Call {
      const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
      const client = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
      return client.messages.create({
        model,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hello there' }],
        stream,
      }) as unknown as Call;
    },
  },
];

function attemptsOf(op: ReadableSpan): ReadableSpan[] {
  return byRole(h.spans(), 'attempt').filter((s) => s.parentSpanContext?.spanId === op.spanContext().spanId);
}

for (const p of providers) {
  const model = (tag: string) => `${p.route === 'openai.chat' ? 'gpt' : 'claude'}-reads-${tag}-${seq++}`;

  describe(`${p.label}: a stream read with .asResponse()`, () => {
    it('ends the operation and attempt spans when the caller has read the body', async () => {
      const m = model('raw-stream');
      const response = await p.create(m, true).asResponse();
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /event-stream/);
      assert.equal(h.operation(m), undefined, 'open while the body is unread');
      const text = await response.text();
      assert.match(text, /data:/);
      const op = h.operation(m);
      assert.ok(op, 'operation span ended with the body');
      assert.notEqual(op.status.code, SpanStatusCode.ERROR);
      assert.equal(attrs(op)['breakwater.stream.abandoned'], undefined);
      assert.equal(typeof attrs(op)['gen_ai.response.time_to_first_chunk'], 'number');
      const attempts = attemptsOf(op);
      assert.equal(attempts.length, 1);
      assert.ok(attempts[0]!.ended);
    });

    it('ends it as abandoned when the caller cancels the body', async () => {
      const m = model('raw-cancel');
      const response = await p.create(m, true).asResponse();
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      const op = h.operation(m);
      assert.ok(op);
      assert.equal(attrs(op)['breakwater.stream.abandoned'], true);
      assert.notEqual(op.status.code, SpanStatusCode.ERROR);
    });

    it('ends it as abandoned when the unread body is garbage-collected', async () => {
      const m = model('raw-gc');
      await (async () => {
        await p.create(m, true).asResponse();
      })();
      const op = await collectUntil(() => h.operation(m));
      assert.ok(op, 'operation span ended after garbage collection');
      assert.equal(attrs(op)['breakwater.stream.abandoned'], true);
      assert.equal(attemptsOf(op).length, 1);
    });

    it('still parses when the caller looked at the raw response first', async () => {
      const m = model('raw-then-parse');
      const call = p.create(m, true);
      const response = await call.asResponse();
      assert.equal(response.status, 200);
      const stream = (await call) as AsyncIterable<unknown>;
      let chunks = 0;
      for await (const _ of stream) chunks++;
      assert.ok(chunks > 0);
      const op = h.operation(m);
      assert.ok(op);
      assert.equal(typeof attrs(op)['gen_ai.usage.output_tokens'], 'number');
    });
  });

  describe(`${p.label}: a call awaited after its response arrived`, () => {
    it('keeps usage, response attributes and token metrics', async () => {
      const m = model('late-await');
      const call = p.create(m, false);
      // The response arrives (and the pipeline resolves) before anything asks for the body.
      await call.responsePromise;
      await tick();
      const data = (await call) as { usage: Record<string, number>; model: string };
      const op = h.operation(m);
      assert.ok(op);
      const a = attrs(op);
      const input = data.usage.prompt_tokens ?? data.usage.input_tokens;
      const output = data.usage.completion_tokens ?? data.usage.output_tokens;
      assert.equal(typeof input, 'number');
      assert.equal(a['gen_ai.usage.input_tokens'], input);
      assert.equal(a['gen_ai.usage.output_tokens'], output);
      assert.equal(a['gen_ai.response.model'], data.model);
      assert.equal(await h.tokenSum(m, 'input'), input);
      assert.equal(await h.tokenSum(m, 'output'), output);
    });

    it('a stream awaited late still ends with its stream', async () => {
      const m = model('late-stream');
      const call = p.create(m, true);
      await call.responsePromise;
      await tick();
      const stream = (await call) as AsyncIterable<unknown>;
      assert.equal(h.operation(m), undefined, 'open while streaming');
      for await (const _ of stream);
      const op = h.operation(m);
      assert.ok(op);
      assert.equal(attrs(op)['breakwater.stream.abandoned'], undefined);
      assert.equal(typeof attrs(op)['gen_ai.usage.output_tokens'], 'number');
    });

    it('a call never awaited ends when it is garbage-collected', async () => {
      const m = model('never-awaited');
      await (async () => {
        await p.create(m, false).responsePromise;
      })();
      const op = await collectUntil(() => h.operation(m));
      assert.ok(op, 'operation span ended after garbage collection');
      assert.notEqual(op.status.code, SpanStatusCode.ERROR);
    });

    it('.asResponse() alone on a plain body ends the operation with the response', async () => {
      const m = model('raw-plain');
      const call = p.create(m, false);
      await call.responsePromise;
      await tick();
      const response = await call.asResponse();
      assert.equal(response.status, 200);
      const op = h.operation(m);
      assert.ok(op, 'ended at the raw response');
      assert.equal(attrs(op)['breakwater.retry.attempts'], 1);
      const body = (await response.json()) as { id: string };
      assert.equal(typeof body.id, 'string');
    });
  });
}
