import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import { BudgetExhaustedError, refusalOf } from '@breakwater/resilience';
import { SpanStatusCode } from '@opentelemetry/api';
import type OpenAIType from 'openai';
import {
  attrs,
  byRole,
  harnessPerFile,
  refusedWith,
  require,
  untilBudgetRefuses,
} from '../testing/harness.ts';
import { countAndSum } from '../testing/metric-points.ts';

// Both majors of the real client, loaded through the require hook after instrumentation is on.
// openai 6.x is installed under the npm alias `openai-v6`; the instrumentation hooks it through
// its `moduleAliases` option, and its version (6.x) selects the `>=6 <7` module definition.
const h = harnessPerFile();

/** Waits (5 ms at a time, at most 2 s) until `condition` holds. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await wait(5);
  }
  assert.fail(`timed out waiting for ${what}`);
}

let seq = 0;
/** A model name no other test uses, so each test has its own breaker. */
const model = (tag: string) => `gpt-test-${tag}-${seq++}`;

for (const [label, OpenAI] of [
  ['openai 7', () => require('openai').default as typeof OpenAIType],
  ['openai 6', () => require('openai-v6').default as typeof OpenAIType],
] as const) {
  describe(`${label} chat.completions`, () => {
    // The client's own retries are left on (maxRetries 5) to prove the instrumentation turns them off.
    const client = () => new (OpenAI())({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, maxRetries: 5 });

    it('succeeds with one operation span and one attempt span', async () => {
      const m = model('ok');
      const { data, response } = await client()
        .chat.completions.create({ model: m, messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      assert.equal(data.object, 'chat.completion');
      assert.equal(response.status, 200);
      const [op] = byRole(h.spans(), 'operation');
      const attempts = byRole(h.spans(), 'attempt');
      assert.ok(op);
      assert.equal(attempts.length, 1);
      assert.equal(op.name, `chat ${m}`);
      const a = attrs(op);
      assert.equal(a['gen_ai.operation.name'], 'chat');
      assert.equal(a['gen_ai.provider.name'], 'openai');
      assert.equal(a['gen_ai.request.model'], m);
      assert.equal(a['breakwater.dependency'], `openai/${m}`);
      assert.equal(a['breakwater.retry.attempts'], 1);
      assert.equal(a['gen_ai.response.id'], data.id);
      assert.equal(a['gen_ai.usage.input_tokens'], data.usage?.prompt_tokens);
      assert.equal(a['gen_ai.usage.output_tokens'], data.usage?.completion_tokens);
      const cached = data.usage?.prompt_tokens_details?.cached_tokens;
      assert.equal(typeof cached, 'number');
      assert.equal(a['gen_ai.usage.cache_read.input_tokens'], cached);
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
      assert.equal(a['server.address'], '127.0.0.1');
      assert.equal(attempts[0]!.parentSpanContext?.spanId, op.spanContext().spanId);
      assert.equal(attrs(attempts[0]!)['http.request.resend_count'], undefined);
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 1);
      assert.deepEqual(await h.calls(`openai/${m}`), ['success:=1']);
    });

    it('samplers see the GenAI attributes at the operation start; attempts do not repeat them', async () => {
      const m = model('sampling');
      await client().chat.completions.create({ model: m, messages: [{ role: 'user', content: 'hi' }] });
      const [opStart, attemptStart] = h.sampled();
      assert.deepEqual(opStart, {
        name: `chat ${m}`,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': m,
          'server.address': '127.0.0.1',
          'server.port': h.fp.port,
        },
      });
      assert.equal(attemptStart?.name, `chat ${m}`);
      // GenAI-aware backends count one call per operation span, not one per attempt.
      const attempt = attrs(byRole(h.spans(), 'attempt')[0]!);
      assert.equal(attempt['breakwater.dependency'], `openai/${m}`);
      assert.equal(attempt['gen_ai.operation.name'], undefined);
      assert.equal(attempt['gen_ai.request.model'], undefined);
    });

    it('records the request parameters the GenAI conventions ask for, with their types', async () => {
      const m = model('params');
      await client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'hi' }],
        max_completion_tokens: 50,
        temperature: 0.5,
        top_p: 0.9,
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
        stop: 'END',
        seed: 7,
        n: 2,
        response_format: { type: 'json_object' },
        service_tier: 'default',
      });
      const a = attrs(byRole(h.spans(), 'operation')[0]!);
      assert.equal(a['openai.api.type'], 'chat_completions');
      assert.equal(a['gen_ai.request.max_tokens'], 50);
      assert.equal(a['gen_ai.request.temperature'], 0.5);
      assert.equal(a['gen_ai.request.top_p'], 0.9);
      assert.equal(a['gen_ai.request.frequency_penalty'], 0.1);
      assert.equal(a['gen_ai.request.presence_penalty'], 0.2);
      // string[] even when the request gives one string.
      assert.deepEqual(a['gen_ai.request.stop_sequences'], ['END']);
      // Conditionally required: seed when given, choice count when != 1, output type when a
      // format is requested, the request's service tier unless `auto`, the response's when given.
      assert.equal(a['gen_ai.request.seed'], 7);
      assert.equal(a['gen_ai.request.choice.count'], 2);
      assert.equal(a['gen_ai.output.type'], 'json');
      assert.equal(a['openai.request.service_tier'], 'default');
      assert.equal(a['openai.response.service_tier'], 'default');
      // Content is opt-in.
      assert.equal(a['gen_ai.input.messages'], undefined);
      assert.equal(a['gen_ai.output.messages'], undefined);
    });

    it('leaves out conditional parameters whose condition does not hold', async () => {
      const m = model('params-default');
      await client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'hi' }],
        n: 1,
        service_tier: 'auto',
      });
      const a = attrs(byRole(h.spans(), 'operation')[0]!);
      assert.equal(a['gen_ai.request.choice.count'], undefined);
      assert.equal(a['openai.request.service_tier'], undefined);
      assert.equal(a['gen_ai.output.type'], undefined);
      assert.equal(a['gen_ai.request.seed'], undefined);
      assert.equal(a['gen_ai.request.stream'], undefined);
    });

    it('retries 503 twice then succeeds: exactly 3 requests, resend_count on resends', async () => {
      const m = model('retry');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503, count: 2 }] });
      const res = await client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'x' }],
      });
      assert.equal(res.object, 'chat.completion');
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 3);
      const attempts = byRole(h.spans(), 'attempt');
      assert.deepEqual(
        attempts.map((s) => attrs(s)['http.request.resend_count']),
        [undefined, 1, 2],
      );
      assert.equal(attempts[0]!.status.code, SpanStatusCode.ERROR);
      assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'overloaded');
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(attrs(op!)['breakwater.retry.attempts'], 3);
      assert.notEqual(op!.status.code, SpanStatusCode.ERROR);
      assert.equal(op!.events.filter((e) => e.name === 'exception').length, 0);
    });

    it('resends carry the client’s retry-count header, the caller’s headers kept in any shape', async () => {
      for (const [shape, headers] of [
        ['record', { 'x-app': 'a' }],
        ['Headers', new Headers({ 'x-app': 'a' })],
        ['pairs', [['x-app', 'a']]],
        ['none', undefined],
      ] as const) {
        const sent = await sentHeaders(
          `retry-header-${shape}`,
          2,
          headers as Record<string, string> | undefined,
        );
        assert.deepEqual(
          sent.map((hs) => hs.get('x-stainless-retry-count')),
          ['0', '1', '2'],
          shape,
        );
        if (shape !== 'none')
          assert.deepEqual(
            sent.map((hs) => hs.get('x-app')),
            ['a', 'a', 'a'],
            shape,
          );
      }
      // The caller's own value wins, as on a bare client's retries: on the request or the client.
      const own = await sentHeaders('retry-header-own', 1, { 'X-Stainless-Retry-Count': '7' });
      assert.deepEqual(
        own.map((hs) => hs.get('x-stainless-retry-count')),
        ['7', '7'],
      );
      const clientOwn = await sentHeaders('retry-header-client', 1, undefined, {
        'X-Stainless-Retry-Count': 'custom',
      });
      assert.deepEqual(
        clientOwn.map((hs) => hs.get('x-stainless-retry-count')),
        ['custom', 'custom'],
      );
    });

    /** The headers of each request a call sent, its first `failures` requests answered 503. */
    async function sentHeaders(
      tag: string,
      failures: number,
      headers: Record<string, string> | undefined,
      defaultHeaders?: Record<string, string>,
    ) {
      const m = model(tag);
      h.fp.script({
        route: 'openai.chat',
        model: m,
        steps: [{ fault: 'error', status: 503, count: failures }],
      });
      const sent: Headers[] = [];
      const c = new (OpenAI())({
        apiKey: 'k',
        baseURL: h.fp.openaiBaseUrl,
        ...(defaultHeaders === undefined ? {} : { defaultHeaders }),
        fetch: (url: string | URL | Request, init?: RequestInit) => {
          sent.push(new Headers(init?.headers));
          return fetch(url, init);
        },
      });
      await c.chat.completions.create({ model: m, messages: [{ role: 'user', content: 'x' }] }, { headers });
      return sent;
    }

    it('after a retry, .withResponse() and .asResponse() give the response that succeeded', async () => {
      const m = model('retry-raw');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503, count: 1 }] });
      const ask = () =>
        client().chat.completions.create({ model: m, messages: [{ role: 'user', content: 'x' }] });
      const { data, response } = await ask().withResponse();
      assert.equal(response.status, 200);
      assert.equal(data.object, 'chat.completion');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503, count: 1 }] });
      const raw = await ask().asResponse();
      assert.equal(raw.status, 200);
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 4);
    });

    it('gives up after the configured attempts: provider saw exactly 3, never attempts × client retries', async () => {
      const m = model('exhaust');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503 }] });
      await assert.rejects(
        client().chat.completions.create({ model: m, messages: [{ role: 'user', content: 'x' }] }),
        {
          status: 503,
        },
      );
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 3);
      const [op] = byRole(h.spans(), 'operation');
      const a = attrs(op!);
      assert.equal(op!.status.code, SpanStatusCode.ERROR);
      assert.equal(a['breakwater.error.category'], 'overloaded');
      assert.equal(a['breakwater.error.retryable'], true);
      assert.equal(a['breakwater.error.source'], 'dependency');
      assert.equal(a['breakwater.retry.attempts'], 3);
      assert.ok(typeof a['error.type'] === 'string');
      // The exception is recorded once, on the operation span only.
      const exceptions = h.spans().flatMap((s) => s.events.filter((e) => e.name === 'exception'));
      assert.equal(exceptions.length, 1);
    });

    it('a retry the budget refuses: the app gets the provider’s own error of the last attempt; the span says budget_exhausted, with that error’s error.type', async () => {
      const m = model('budget');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503 }] });
      const ask = () =>
        client().chat.completions.create({ model: m, messages: [{ role: 'user', content: 'x' }] });
      // Within a few calls a retry is refused.
      const { refused, calls } = await untilBudgetRefuses(h, m, ask);
      assert.ok(refused !== undefined, 'no retry was refused by the budget');
      assert.ok(refused instanceof OpenAI().APIError, `the client's own error, not ${String(refused)}`);
      assert.equal((refused as { status?: number }).status, 503);
      // The refusal rides along, for the app and for the classifier.
      assert.ok(refusalOf(refused) instanceof BudgetExhaustedError);
      assert.equal(h.runtime.guard.classify(refused).category, 'budget_exhausted');
      const op = h.operation(m)!;
      const a = attrs(op);
      // Why no more attempts were made: the refusal's.
      assert.equal(a['breakwater.error.category'], 'budget_exhausted');
      assert.equal(a['breakwater.error.source'], 'policy');
      assert.equal(a['breakwater.error.retryable'], false);
      // What the app got: the last attempt's error, as its attempt span classified it (the fault
      // provider's 503 has an OpenAI `server_error` body).
      const attempts = byRole(h.spans(), 'attempt');
      assert.ok(attempts.length > 0, 'a retry is refused after an attempt failed');
      assert.equal(a['error.type'], 'server_error');
      assert.equal(a['error.type'], attrs(attempts.at(-1)!)['error.type']);
      assert.equal(op.status.code, SpanStatusCode.ERROR);
      // The exception is recorded once, on the operation span only.
      const exceptions = h.spans().flatMap((s) => s.events.filter((e) => e.name === 'exception'));
      assert.equal(exceptions.length, 1);
      // The duration metric's error.type is the span's: every call failed with the provider's 503.
      assert.deepEqual(await h.durationErrorTypes(m), [`server_error=${calls}`]);
      // `breakwater.calls` carries the category (no error.type): the refusal, as before.
      assert.ok((await h.calls(`openai/${m}`)).some((c) => c.endsWith(':budget_exhausted=1')));
    });

    it('a request’s own maxRetries caps its attempts (0: no retry), never raises them', async () => {
      for (const [maxRetries, expected] of [
        [0, 1],
        [1, 2],
        [9, 3],
      ] as const) {
        const m = model(`request-retries-${maxRetries}`);
        h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503 }] });
        await assert.rejects(
          client().chat.completions.create(
            { model: m, messages: [{ role: 'user', content: 'x' }] },
            { maxRetries },
          ),
          { status: 503 },
        );
        assert.equal(h.fp.count({ route: 'openai.chat', model: m }), expected, `maxRetries ${maxRetries}`);
      }
    });

    for (const [status, code, category] of [
      [400, 'context_length_exceeded', 'context_length'],
      [401, 'invalid_api_key', 'authentication'],
    ] as const) {
      it(`does not retry ${status} ${code}: exactly one request`, async () => {
        const m = model(`no-retry-${status}`);
        h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', code }] });
        await assert.rejects(
          client().chat.completions.create({ model: m, messages: [{ role: 'user', content: 'x' }] }),
        );
        assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 1);
        const [op] = byRole(h.spans(), 'operation');
        assert.equal(attrs(op!)['breakwater.error.category'], category);
        assert.equal(attrs(op!)['breakwater.error.source'], 'caller');
        assert.equal(attrs(op!)['breakwater.error.retryable'], false);
      });
    }

    it('honours retry-after-ms on 429 before retrying', async () => {
      const m = model('429');
      h.fp.script({
        route: 'openai.chat',
        model: m,
        steps: [{ fault: 'error', code: 'rate_limit_exceeded', retryAfterMs: 60, count: 1 }],
      });
      const started = performance.now();
      await client().chat.completions.create({ model: m, messages: [{ role: 'user', content: 'x' }] });
      assert.ok(performance.now() - started >= 55, 'waited for retry-after-ms');
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2);
      const attempts = byRole(h.spans(), 'attempt');
      assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'rate_limited');
    });

    it('classifies a connection reset as network and retries it', async () => {
      const m = model('reset');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'reset', count: 1 }] });
      await client().chat.completions.create({ model: m, messages: [{ role: 'user', content: 'x' }] });
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2);
      assert.equal(attrs(byRole(h.spans(), 'attempt')[0]!)['breakwater.error.category'], 'network');
    });

    it('streams: span ends with the stream, time to first chunk, time per chunk and usage recorded', async () => {
      const m = model('stream');
      const stream = await client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'hello there' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      assert.equal(byRole(h.spans(), 'operation').length, 0, 'operation still open while streaming');
      let text = '';
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta?.content ?? '';
      }
      assert.ok(text.length > 0);
      const [op] = byRole(h.spans(), 'operation');
      const a = attrs(op!);
      assert.equal(a['gen_ai.request.stream'], true);
      assert.equal(typeof a['gen_ai.response.time_to_first_chunk'], 'number');
      assert.equal(typeof a['gen_ai.usage.output_tokens'], 'number');
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
      assert.equal(byRole(h.spans(), 'attempt').length, 1);
      const [perChunk] = (await h.points('gen_ai.client.operation.time_per_output_chunk')).filter(
        (p) => p.attributes['gen_ai.request.model'] === m,
      );
      assert.equal(countAndSum(perChunk)?.count, chunks - 1, 'one point per chunk after the first');
      assert.equal(perChunk?.attributes['gen_ai.response.model'], a['gen_ai.response.model']);
    });

    it('streams: breaking out of the loop ends the span as abandoned', async () => {
      const m = model('abandon');
      const stream = await client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'a longer prompt to get several chunks' }],
        stream: true,
      });
      for await (const _ of stream) break;
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(attrs(op!)['breakwater.stream.abandoned'], true);
      assert.notEqual(op!.status.code, SpanStatusCode.ERROR);
      assert.deepEqual(await h.calls(`openai/${m}`), ['success:=1']);
    });

    it('a plain call answered before it is awaited gives its bulkhead slot back', async () => {
      const m = model('one-slot-unawaited');
      const dependency = `openai/${m}`;
      const ask = () =>
        client().chat.completions.create({ model: m, messages: [{ role: 'user', content: 'hi' }] });
      const early = ask(); // awaited only later
      await until(() => h.fp.count({ route: 'openai.chat', model: m }) === 1, 'the request to arrive');
      await until(async () => (await h.inFlight(dependency)) === 0, 'the answered call to free its slot');
      const second = await ask(); // admitted by the bulkhead of one
      const first = await early;
      assert.equal(first.choices[0]?.message.content, 'You said: hi');
      assert.equal(second.choices[0]?.message.content, 'You said: hi');
      // The late parse still completes the operation and counts it.
      assert.equal(attrs(h.operation(m)!)['gen_ai.usage.output_tokens'], first.usage?.completion_tokens);
      assert.deepEqual(await h.calls(dependency), ['success:=2']);
    });

    it('streams: a stream holds its bulkhead slot until it ends', async () => {
      const m = model('one-slot');
      const open = () =>
        client().chat.completions.create({
          model: m,
          messages: [{ role: 'user', content: 'a b c' }],
          stream: true,
        });
      const first = await open();
      // The client's own connection error (nothing was sent), carrying Breakwater's refusal.
      await assert.rejects(open(), refusedWith('BulkheadFullError', OpenAI().APIError));
      const refused = byRole(h.spans(), 'operation').find((s) => s.status.code === SpanStatusCode.ERROR);
      assert.equal(attrs(refused!)['breakwater.error.category'], 'bulkhead_full');
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 1, 'the refused call sent nothing');
      for await (const _ of first);
      for await (const _ of await open()) break; // the slot is free again; breaking out frees it too
      for await (const _ of await open());
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 3);
      assert.deepEqual(await h.calls(`openai/${m}`), ['rejected:bulkhead_full=1', 'success:=3']);
    });

    /** A chat stream of `m` that fails with a 500 error event after `afterChunks` chunks, read to its failure. */
    async function readFailingStream(m: string, afterChunks: number): Promise<void> {
      h.fp.script({
        route: 'openai.chat',
        model: m,
        steps: [{ fault: 'stream_error', afterChunks, status: 500 }],
      });
      const stream = await client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'x y z' }],
        stream: true,
      });
      await assert.rejects(async () => {
        for await (const _ of stream);
      }, OpenAI().APIError);
    }

    it('streams: a mid-stream error is classified and never retried', async () => {
      const m = model('midstream');
      await readFailingStream(m, 1);
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 1);
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(op!.status.code, SpanStatusCode.ERROR);
      const category = attrs(op!)['breakwater.error.category'];
      assert.ok(typeof category === 'string');
      assert.equal(byRole(h.spans(), 'attempt')[0]!.status.code, SpanStatusCode.ERROR);
      // Counted once, as the failure it was (it resolved with good headers first).
      assert.deepEqual(await h.calls(`openai/${m}`), [`failure:${category}=1`]);
    });

    it('streams: an error as the very first event fails the stream with no time to first chunk', async () => {
      const m = model('first-event-error');
      await readFailingStream(m, 0);
      const op = h.operation(m)!;
      assert.equal(op.status.code, SpanStatusCode.ERROR);
      assert.equal(attrs(op)['breakwater.error.category'], 'server_error');
      // No chunk of the answer ever came.
      assert.equal(attrs(op)['gen_ai.response.time_to_first_chunk'], undefined);
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 1);
    });

    it('streams: a Responses stream ending in response.failed fails the operation, the events untouched', async () => {
      const m = model('failed');
      h.fp.script({
        route: 'openai.responses',
        model: m,
        steps: [{ fault: 'stream_error', afterChunks: 3, end: 'response_failed' }],
      });
      const stream = await client().responses.create({ model: m, input: 'hi there', stream: true });
      const types: string[] = [];
      for await (const e of stream) types.push(e.type); // the client yields the failure as data
      assert.equal(types.at(-1), 'response.failed');
      assert.equal(types.length, 4);
      assert.equal(h.fp.count({ route: 'openai.responses', model: m }), 1);
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(op!.status.code, SpanStatusCode.ERROR);
      const a = attrs(op!);
      assert.equal(a['error.type'], 'server_error');
      assert.equal(a['breakwater.error.category'], 'server_error');
      assert.equal(a['breakwater.error.source'], 'dependency');
      assert.deepEqual(a['gen_ai.response.finish_reasons'], ['error']);
      const exceptions = op!.events.filter((e) => e.name === 'exception');
      assert.equal(exceptions.length, 1);
      assert.equal(exceptions[0]!.attributes?.['exception.type'], 'server_error'); // the SDK records an error's code as its type
      assert.match(String(exceptions[0]!.attributes?.['exception.message']), /server had an error/);
      assert.equal(byRole(h.spans(), 'attempt')[0]!.status.code, SpanStatusCode.ERROR);
    });

    it('stream helper chat.completions.stream() keeps working', async () => {
      const m = model('helper');
      const runner = client().chat.completions.stream({
        model: m,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const final = await runner.finalChatCompletion();
      assert.ok(final.choices[0]?.message.content);
      assert.equal(byRole(h.spans(), 'operation').length, 1);
    });

    it('.asResponse() returns the raw response', async () => {
      const m = model('raw');
      const response = await client()
        .chat.completions.create({ model: m, messages: [{ role: 'user', content: 'hi' }] })
        .asResponse();
      assert.equal(response.status, 200);
      const body = (await response.json()) as { object: string };
      assert.equal(body.object, 'chat.completion');
    });
  });
}

describe('openai responses and embeddings', () => {
  it('instruments responses.create and embeddings.create', async () => {
    const OpenAI = require('openai').default as typeof OpenAIType;
    const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
    const r = await client.responses.create({ model: 'gpt-resp', input: 'hello' });
    assert.ok(r.id);
    const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    assert.ok(e.data.length > 0);
    const ops = byRole(h.spans(), 'operation');
    assert.deepEqual(
      ops.map((s) => attrs(s)['gen_ai.operation.name']),
      ['chat', 'embeddings'],
    );
    assert.equal(typeof attrs(ops[1]!)['gen_ai.usage.input_tokens'], 'number');
  });

  it('responses.create is a chat operation with openai.api.type=responses and a real finish reason', async () => {
    const OpenAI = require('openai').default as typeof OpenAIType;
    const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
    await client.responses.create({
      model: 'gpt-resp-attrs',
      input: 'hello',
      max_output_tokens: 30,
      temperature: 0.2,
      top_p: 0.8,
      text: { format: { type: 'json_object' } },
      conversation: 'conv_123',
    });
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(op!.name, 'chat gpt-resp-attrs');
    const a = attrs(op!);
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['openai.api.type'], 'responses');
    assert.equal(a['gen_ai.request.max_tokens'], 30);
    assert.equal(a['gen_ai.request.temperature'], 0.2);
    assert.equal(a['gen_ai.request.top_p'], 0.8);
    assert.equal(a['gen_ai.output.type'], 'json');
    assert.equal(a['gen_ai.conversation.id'], 'conv_123');
    // A Response's `status` (`completed`) is not a finish reason; the model stopped on its own.
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);

    h.reset();
    await client.responses.create({
      model: 'gpt-resp-cut',
      input: 'one two three four five',
      max_output_tokens: 2,
    });
    assert.deepEqual(attrs(byRole(h.spans(), 'operation')[0]!)['gen_ai.response.finish_reasons'], ['length']);
  });

  it('embeddings.create records the requested encoding format as a string[]', async () => {
    const OpenAI = require('openai').default as typeof OpenAIType;
    const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
    await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello',
      encoding_format: 'float',
    });
    const a = attrs(byRole(h.spans(), 'operation')[0]!);
    assert.deepEqual(a['gen_ai.request.encoding_formats'], ['float']);
    h.reset();
    // Not specified by the caller: not recorded (the client picks base64 on its own).
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    assert.equal(attrs(byRole(h.spans(), 'operation')[0]!)['gen_ai.request.encoding_formats'], undefined);
  });
});
