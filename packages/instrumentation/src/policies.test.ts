import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type AnthropicType from '@anthropic-ai/sdk';
import { ManualClock } from '@breakwater/protocol';
import { BudgetExhaustedError, CircuitOpenError, refusalOf } from '@breakwater/resilience';
import { DiagLogLevel, diag, SpanStatusCode } from '@opentelemetry/api';
import type OpenAIType from 'openai';
import { agent } from './agent.ts';
import { DEFAULT_POLICIES, PolicyResolver } from './policies.ts';
import { createRuntime } from './runtime.ts';
import { attrs, byRole, FAST, harnessPerFile, refusedWith, require } from './testing/harness.ts';
import { tool, toolSignal } from './tool.ts';

const h = harnessPerFile([
  ...FAST,
  {
    match: 'openai/gpt-brk-*',
    policy: {
      retry: { maxAttempts: 1 },
      breaker: { minimumCalls: 1, consecutiveFailures: 2, openMs: 60_000 },
    },
  },
  {
    // Three attempts, but two failures open the breaker: the second retry is refused.
    match: 'openai/gpt-midretry-*',
    policy: {
      retry: { maxAttempts: 3 },
      breaker: { minimumCalls: 1, consecutiveFailures: 2, openMs: 60_000 },
    },
  },
  {
    // Two counted failures open the breaker; no retries, so each call is one request.
    match: '*-late-*',
    policy: {
      retry: { maxAttempts: 1 },
      breaker: { minimumCalls: 1, consecutiveFailures: 2, openMs: 60_000 },
    },
  },
  {
    match: 'openai/resp-fb-*',
    policy: {
      fallback: {
        name: 'canned-response',
        run: () => ({
          id: 'resp_fallback',
          object: 'response',
          created_at: 0,
          model: 'fallback',
          status: 'completed',
          output: [
            {
              type: 'message',
              id: 'msg_fallback',
              role: 'assistant',
              status: 'completed',
              content: [{ type: 'output_text', text: 'sorry, later', annotations: [] }],
            },
          ],
        }),
      },
    },
  },
  {
    match: 'openai/gpt-fb-*',
    policy: {
      retry: { maxAttempts: 2 },
      fallback: {
        name: 'canned-apology',
        run: ({ dependency }) => ({
          id: 'fallback',
          object: 'chat.completion',
          created: 0,
          model: dependency,
          choices: [
            { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'sorry, later' } },
          ],
        }),
      },
    },
  },
]);

const client = () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  return new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
};
const ask = (model: string) =>
  client().chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] });

describe('policies', () => {
  it('resolves defaults by kind and applies matching rules in order', () => {
    const r = new PolicyResolver([
      { match: 'openai/*', policy: { timeoutMs: 5 } },
      { match: 'tool/x', policy: { retry: false } },
    ]);
    assert.equal(r.resolve('openai/gpt-4o').timeoutMs, 5);
    assert.deepEqual(r.resolve('anthropic/c').retry, DEFAULT_POLICIES.anthropic.retry);
    assert.equal(r.resolve('tool/x').retry, false);
    assert.equal(r.resolve('openai/gpt-4o'), r.resolve('openai/gpt-4o'), 'cached');
  });

  it('gives Azure OpenAI the OpenAI defaults, and Claude on a cloud platform the Anthropic ones', () => {
    const r = new PolicyResolver([]);
    assert.equal(r.resolve('azure.ai.openai/gpt-4o'), DEFAULT_POLICIES.openai);
    assert.equal(r.resolve('aws.bedrock/anthropic.claude-sonnet-4-5-v1:0'), DEFAULT_POLICIES.anthropic);
    assert.equal(r.resolve('gcp.vertex_ai/claude-sonnet-4-5@20250929'), DEFAULT_POLICIES.anthropic);
    // Other models on those platforms, and other providers, are LLMs like any other.
    assert.equal(r.resolve('aws.bedrock/meta.llama3-70b'), DEFAULT_POLICIES.llm);
    assert.equal(r.resolve('groq/claude-lookalike'), DEFAULT_POLICIES.llm);
  });

  it('a part switched on over a default of false takes the documented values for what it leaves out', () => {
    const r = new PolicyResolver([{ match: 'tool/*', policy: { retry: { maxAttempts: 2 } } }]);
    assert.deepEqual(r.resolve('tool/search'), {
      ...DEFAULT_POLICIES.tool,
      retry: { ...(DEFAULT_POLICIES.openai.retry as object), maxAttempts: 2 },
    });
  });

  it('a broad rule leaves tool retries off (with one warning); a rule naming tools switches them on', () => {
    const warnings: string[] = [];
    const silent = { verbose() {}, debug() {}, info() {}, error() {} };
    diag.setLogger({ ...silent, warn: (m: string) => warnings.push(m) }, DiagLogLevel.WARN);
    try {
      const broad = new PolicyResolver([
        { match: '*', policy: { timeoutMs: 9_000, retry: { maxAttempts: 5 } } },
      ]);
      const llm = broad.resolve('openai/gpt-4o').retry;
      assert.ok(llm !== false && llm.maxAttempts === 5);
      const search = broad.resolve('tool/search');
      assert.equal(search.retry, false, 'a retried tool would repeat its side effects');
      assert.equal(search.timeoutMs, 9_000, 'the rest of the rule applies');
      broad.resolve('tool/send_email');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /rule "\*" sets retry.*match: 'tool\/\*'/);

      const named = new PolicyResolver([
        { match: 'tool/*', policy: { retry: { maxAttempts: 2 } } },
        { match: '*', policy: { retry: { baseDelayMs: 5 } } },
      ]);
      const retry = named.resolve('tool/search').retry;
      assert.ok(retry !== false);
      assert.deepEqual(
        [retry.maxAttempts, retry.baseDelayMs],
        [2, 5],
        'a broad rule tunes retries a tool has',
      );
      assert.equal(warnings.length, 1);
    } finally {
      diag.disable();
    }
  });

  it("the warning goes to the runtime's own warn when one is given (start() passes its logger)", () => {
    const told: string[] = [];
    const runtime = createRuntime({
      policies: [{ match: '*', policy: { retry: { maxAttempts: 5 } } }],
      warn: (m) => told.push(m),
    });
    assert.equal(runtime.policies.resolve('tool/search').retry, false);
    assert.equal(told.length, 1);
    assert.match(told[0]!, /^policy rule "\*" sets retry, which tools leave off/);
  });

  it('refuses invalid rules when they are configured, saying where and why', () => {
    assert.throws(
      () =>
        createRuntime({
          policies: [
            {
              match: 'openai/*',
              policy: { timeoutMs: -1, retry: { maxAttempts: 0, jiter: 'full', toString: 1 } as never },
            },
            {
              match: 'tool/*',
              policy: { breaker: { failureRatio: 2 }, bulkhead: false, fallback: { name: 'x' } as never },
            },
          ],
        }),
      {
        name: 'TypeError',
        message: [
          'invalid Breakwater policy:',
          '  policies[0].policy.timeoutMs: must be a number of milliseconds from 1 to 2147483647, or false (got -1)',
          '  policies[0].policy.retry.maxAttempts: must be an integer from 1 to 100 (got 0)',
          '  policies[0].policy.retry.jiter: unknown key; known: maxAttempts, baseDelayMs, maxDelayMs, jitter, maxRetryAfterMs (got "full")',
          '  policies[0].policy.retry.toString: unknown key; known: maxAttempts, baseDelayMs, maxDelayMs, jitter, maxRetryAfterMs (got 1)',
          '  policies[1].policy.breaker.failureRatio: must be a ratio above 0, at most 1 (got 2)',
          '  policies[1].policy.fallback: must be { name, run } or false (got {"name":"x"})',
        ].join('\n'),
      },
    );
    assert.throws(() => tool('bad_policy', async () => 1, { policy: { bulkhead: { maxConcurrent: 0 } } }), {
      name: 'TypeError',
      message:
        'invalid Breakwater policy:\n  tool("bad_policy").policy.bulkhead.maxConcurrent: must be an integer ≥ 1 (got 0)',
    });
  });

  // Regression: `false` was let through before the key was looked at, so a misspelt switch-off
  // (`breakr: false`) was accepted and the breaker stayed on.
  it('refuses an unknown key set to false, as any other unknown key', () => {
    assert.throws(() => new PolicyResolver([{ match: '*', policy: { breakr: false } as never }]), {
      name: 'TypeError',
      message:
        'invalid Breakwater policy:\n  policies[0].policy.breakr: unknown key; known: timeoutMs, retry, breaker, bulkhead, fallback (got false)',
    });
    assert.throws(() => tool('bad_switch', async () => 1, { policy: { retries: false } as never }), {
      name: 'TypeError',
      message: /tool\("bad_switch"\)\.policy\.retries: unknown key; known: timeoutMs, retry, breaker/,
    });
    // Known parts switched off, and keys left undefined, stay fine.
    new PolicyResolver([{ match: '*', policy: { breaker: false, retry: false, timeoutMs: undefined } }]);
  });

  it('refuses a glob with spaces around it, which would match no dependency', () => {
    assert.throws(() => new PolicyResolver([{ match: ' tool/*', policy: { timeoutMs: 5_000 } }]), {
      name: 'TypeError',
      message:
        'invalid Breakwater policy:\n  policies[0].match: spaces around the glob would match no dependency (got " tool/*")',
    });
  });

  it('refuses policies that are not a list, saying so', () => {
    assert.throws(() => createRuntime({ policies: { 'openai/*': { timeoutMs: 5_000 } } as never }), {
      name: 'TypeError',
      message:
        'invalid Breakwater policy:\n  policies: must be a list of { match: \'<glob>\', policy: { … } } rules (got {"openai/*":{"timeoutMs":5000}})',
    });
  });

  // Regression: JSON showed Infinity and NaN as `(got null)`, and a bigint as a number.
  it('shows the value it refuses as written: Infinity, NaN and bigints included', () => {
    assert.throws(
      () =>
        createRuntime({
          policies: [
            {
              match: 'openai/*',
              policy: { timeoutMs: Number.POSITIVE_INFINITY, retry: { maxAttempts: Number.NaN } },
            },
            { match: 'tool/*', policy: { bulkhead: { maxConcurrent: 4n as never } } },
          ],
        }),
      {
        name: 'TypeError',
        message: [
          'invalid Breakwater policy:',
          '  policies[0].policy.timeoutMs: must be a number of milliseconds from 1 to 2147483647, or false (got Infinity)',
          '  policies[0].policy.retry.maxAttempts: must be an integer from 1 to 100 (got NaN)',
          '  policies[1].policy.bulkhead.maxConcurrent: must be an integer ≥ 1 (got 4n)',
        ].join('\n'),
      },
    );
  });

  it('refuses a set of overrides whose back-off cap is below its own base delay', () => {
    assert.throws(
      () =>
        new PolicyResolver([
          { match: 'openai/*', policy: { retry: { baseDelayMs: 2_000, maxDelayMs: 1_000 } } },
          { match: 'anthropic/*', policy: { retry: { maxAttempts: 101 } } },
        ]),
      {
        name: 'TypeError',
        message: [
          'invalid Breakwater policy:',
          '  policies[0].policy.retry.maxDelayMs: must be at least baseDelayMs (2000): it caps every back-off delay (got 1000)',
          '  policies[1].policy.retry.maxAttempts: must be an integer from 1 to 100 (got 101)',
        ].join('\n'),
      },
    );
    assert.throws(
      () => tool('bad_delays', async () => 1, { policy: { retry: { baseDelayMs: 100, maxDelayMs: 10 } } }),
      {
        name: 'TypeError',
        message: /tool\("bad_delays"\)\.policy\.retry\.maxDelayMs: must be at least baseDelayMs \(100\)/,
      },
    );
  });

  it('stacked rules may set the two delays apart: calls run, the cap never below the base delay', async () => {
    // Each valid alone, and in either order; stacked, the cap ends up below the base delay.
    const rules = [
      { match: 'tool/*', policy: { retry: { maxAttempts: 3, maxDelayMs: 1 } } },
      { match: 'tool/raised', policy: { retry: { baseDelayMs: 40, jitter: 'none' as const } } },
    ];
    const clock = new ManualClock(0);
    const runtime = createRuntime({ policies: rules, clock });
    const tries: number[] = [];
    const raised = tool(
      'raised',
      async () => {
        tries.push(clock.now());
        throw Object.assign(new Error('flaky'), { status: 503 });
      },
      { runtime },
    );
    const call = assert.rejects(raised(), /flaky/);
    for (let i = 0; i < 10; i++) await clock.advance(20);
    await call;
    assert.deepEqual(tries, [0, 40, 80], 'the cap is the base delay: 40 ms each, not 1 ms');
    // A base delay above the default 8 s cap, alone, is what it says too.
    assert.doesNotThrow(
      () => new PolicyResolver([{ match: '*', policy: { retry: { baseDelayMs: 10_000 } } }]),
    );
  });

  it('opens the breaker after repeated failures and refuses without calling the provider', async () => {
    const m = 'gpt-brk-1';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 500 }] });
    await assert.rejects(ask(m));
    await assert.rejects(ask(m));
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2);
    h.exporter.reset();
    await assert.rejects(ask(m), refusedWith('CircuitOpenError'));
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2, 'refused calls never reach the provider');
    const [op] = byRole(h.spans(), 'operation');
    const a = attrs(op!);
    assert.equal(op!.status.code, SpanStatusCode.ERROR);
    assert.equal(a['breakwater.error.category'], 'circuit_open');
    assert.equal(a['breakwater.error.source'], 'policy');
    assert.equal(a['breakwater.breaker.state'], 'open');
    assert.equal(a['breakwater.breaker.source'], 'local');
    assert.equal(a['breakwater.retry.attempts'], 0);
    assert.equal(byRole(h.spans(), 'attempt').length, 0);
  });

  it('a breaker its own attempts opened refuses the retry: the app gets the last attempt’s error, marked as refused; error.type is that error’s', async () => {
    const m = 'gpt-midretry-1';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503 }] });
    const error = await ask(m).then(
      () => assert.fail('the provider answers 503 only'),
      (e: unknown) => e,
    );
    assert.equal(
      h.fp.count({ route: 'openai.chat', model: m }),
      2,
      'two attempts, then the breaker was open',
    );
    // What the provider said, as the client raised it (not "nothing was sent").
    assert.ok(error instanceof require('openai').default.APIError);
    assert.equal((error as { status?: number }).status, 503);
    assert.ok(refusalOf(error) instanceof CircuitOpenError);
    const op = h.operation(m)!;
    assert.equal(attrs(op)['breakwater.error.category'], 'circuit_open');
    assert.equal(attrs(op)['breakwater.error.source'], 'policy');
    assert.equal(attrs(op)['breakwater.retry.attempts'], 2);
    const attempts = byRole(h.spans(), 'attempt');
    assert.equal(attempts.length, 2);
    // The error.type of what the app got: the last attempt's (an OpenAI `server_error` 503).
    assert.equal(attrs(op)['error.type'], 'server_error');
    assert.equal(attrs(op)['error.type'], attrs(attempts[1]!)['error.type']);

    // The next call is refused before anything is sent: the app gets the client's connection
    // error for the refusal, and there is no provider error to name: error.type is the refusal's.
    h.exporter.reset();
    await assert.rejects(ask(m), refusedWith('CircuitOpenError'));
    const refusedOp = h.operation(m)!;
    assert.equal(attrs(refusedOp)['error.type'], 'circuit_open');
    assert.equal(attrs(refusedOp)['breakwater.error.category'], 'circuit_open');
    assert.equal(byRole(h.spans(), 'attempt').length, 0);
    // The duration metric says the same of each call.
    assert.deepEqual(await h.durationErrorTypes(m), ['circuit_open=1', 'server_error=1']);
  });

  it('a fleet override opens the breaker (source fleet) and expires back to local', async () => {
    const m = 'gpt-fleet-1';
    h.runtime.guard.applyOverride(`openai/${m}`, {
      state: 'open',
      expiresAt: Date.now() + 60_000,
      source: 'sig-1',
    });
    await assert.rejects(ask(m));
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(attrs(op!)['breakwater.breaker.source'], 'fleet');
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 0);
    h.runtime.guard.clearOverride(`openai/${m}`);
    await ask(m);
  });

  it('uses the fallback when the dependency keeps failing; the client still parses the result', async () => {
    const m = 'gpt-fb-1';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 500 }] });
    const { data, response } = await ask(m).withResponse();
    assert.equal(data.choices[0]?.message.content, 'sorry, later');
    assert.equal(response.status, 200);
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2);
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(attrs(op!)['breakwater.fallback'], 'canned-apology');
    assert.equal(attrs(op!)['breakwater.error.category'], 'server_error');
    assert.notEqual(op!.status.code, SpanStatusCode.ERROR);
    // Answered by the fallback, the operation did not fail: no error.type (the attempts carry it).
    assert.equal(attrs(op!)['error.type'], undefined);
    assert.ok(byRole(h.spans(), 'attempt').some((s) => attrs(s)['error.type'] !== undefined));
  });
});

describe('breaker attributes on the operation span', () => {
  it('are there from the very first call of a dependency (which creates its breaker)', async () => {
    await ask('gpt-first-call-1');
    const probe = tool('first_call_probe', async () => 'ok', { runtime: h.runtime });
    await probe();
    const ops = byRole(h.spans(), 'operation');
    assert.equal(ops.length, 2);
    for (const op of ops) {
      assert.equal(attrs(op)['breakwater.breaker.state'], 'closed', op.name);
      assert.equal(attrs(op)['breakwater.breaker.source'], 'local', op.name);
    }
  });
});

describe('breaker attributes on a failed operation', () => {
  it('stay those of admission when the call’s own failure trips the breaker', async () => {
    const m = 'gpt-brk-2';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 500 }] });
    await assert.rejects(ask(m));
    await assert.rejects(ask(m)); // the second consecutive failure opens the breaker
    assert.equal(h.runtime.guard.breakerFacts(`openai/${m}`)?.state, 'open');
    const ops = byRole(h.spans(), 'operation');
    assert.deepEqual(
      ops.map((op) => [attrs(op)['breakwater.error.category'], attrs(op)['breakwater.breaker.state']]),
      [
        ['server_error', 'closed'],
        ['server_error', 'closed'],
      ],
    );
  });
});

describe('a caller’s abort is a cancellation, whatever its reason', () => {
  const expectCancelled = () => {
    const [op] = byRole(h.spans(), 'operation');
    const a = attrs(op!);
    assert.equal(a['breakwater.error.category'], 'cancelled');
    assert.equal(a['breakwater.error.source'], 'caller');
  };

  it('a signal aborted before the call: nothing is sent; the client’s own APIUserAbortError, as bare', async () => {
    const signal = AbortSignal.abort(new Error('client went away'));
    for (const pkg of ['openai', 'openai-v6'] as const) {
      const OpenAI = require(pkg).default as typeof OpenAIType;
      const m = `gpt-abort-before-${pkg}`;
      const call = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl }).chat.completions.create(
        { model: m, messages: [{ role: 'user', content: 'x' }] },
        { signal },
      );
      await assert.rejects(call, OpenAI.APIUserAbortError);
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 0);
      expectCancelled();
      h.reset();
    }
    const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
    const message = {
      model: 'claude-abort-before',
      max_tokens: 8,
      messages: [{ role: 'user' as const, content: 'x' }],
    };
    await assert.rejects(anthropic.messages.create(message, { signal }), Anthropic.APIUserAbortError);
    assert.equal(h.fp.count({ route: 'anthropic.messages' }), 0);
    expectCancelled();
  });

  it('a signal aborted during the retry back-off: no retry is sent', async () => {
    const m = 'gpt-abort-backoff-1';
    h.fp.script({
      route: 'openai.chat',
      model: m,
      steps: [{ fault: 'error', status: 503, retryAfterMs: 150 }],
    });
    const controller = new AbortController();
    const call = client().chat.completions.create(
      { model: m, messages: [{ role: 'user', content: 'x' }] },
      { signal: controller.signal },
    );
    const settled = call.then(
      () => assert.fail('the aborted call succeeded'),
      (error: unknown) => error,
    );
    // The first attempt's span ends with its 503; the pipeline then waits the provider's 150 ms.
    while (byRole(h.spans(), 'attempt').length === 0) await new Promise((r) => setImmediate(r));
    controller.abort(new Error('user left'));
    const OpenAI = require('openai').default as typeof OpenAIType;
    assert.ok((await settled) instanceof OpenAI.APIUserAbortError, 'what a bare client rejects with');
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 1);
    expectCancelled();
  });
});

describe('a call answered before it was awaited, then aborted', () => {
  it('rejects as a bare client does (the body fetch handed over follows the abort); the span says cancelled', async () => {
    const cases = [
      {
        name: 'openai-v6',
        call: (signal: AbortSignal) =>
          new (require('openai-v6').default as typeof OpenAIType)({
            apiKey: 'k',
            baseURL: h.fp.openaiBaseUrl,
          }).chat.completions.create(
            { model: 'gpt-late-abort', messages: [{ role: 'user', content: 'x' }] },
            { signal },
          ),
      },
      {
        name: 'anthropic',
        call: (signal: AbortSignal) =>
          new (require('@anthropic-ai/sdk').default as typeof AnthropicType)({
            apiKey: 'k',
            baseURL: h.fp.anthropicBaseUrl,
          }).messages.create(
            { model: 'claude-late-abort', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] },
            { signal },
          ),
      },
    ];
    for (const { name, call } of cases) {
      const controller = new AbortController();
      const promise = call(controller.signal); // started, not awaited: its body is taken in
      // Answered and waiting on the app (to parse it, or to be collected).
      while (h.runtime.openOperations.size === 0) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      await assert.rejects(promise, (error: Error) => error.name === 'AbortError', name);
      const [op] = byRole(h.spans(), 'operation');
      assert.equal(attrs(op!)['breakwater.error.category'], 'cancelled', name);
      h.reset();
    }
  });
});

describe('a fallback that answers a refusal (no attempt made)', () => {
  it('is parsed like the method’s own answers: responses.create still adds output_text', async () => {
    const m = 'resp-fb-1';
    h.runtime.guard.applyOverride(`openai/${m}`, {
      state: 'open',
      expiresAt: Date.now() + 60_000,
      source: 'sig',
    });
    const response = await client().responses.create({ model: m, input: 'hi' });
    assert.equal(response.output_text, 'sorry, later');
    assert.equal(h.fp.count({ route: 'openai.responses', model: m }), 0, 'nothing was sent');
    assert.equal(byRole(h.spans(), 'operation').length, 1);
    assert.equal(byRole(h.spans(), 'attempt').length, 0);
    assert.equal(attrs(byRole(h.spans(), 'operation')[0]!)['breakwater.fallback'], 'canned-response');
  });
});

describe('late failures (after the headers) count on the breaker', () => {
  const drain = async (stream: AsyncIterable<unknown>) => {
    for await (const _ of stream);
  };

  it('openai: repeated mid-stream errors open the breaker; the next call is refused', async () => {
    const m = 'gpt-late-stream';
    h.fp.script({
      route: 'openai.chat',
      model: m,
      steps: [{ fault: 'stream_error', afterChunks: 1, status: 500 }],
    });
    for (let i = 0; i < 2; i++) {
      const stream = await client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'x y z' }],
        stream: true,
      });
      await assert.rejects(drain(stream));
    }
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(attrs(op!)['breakwater.error.category'], 'server_error');
    assert.equal(h.runtime.guard.breakerFacts(`openai/${m}`)?.state, 'open');
    await assert.rejects(
      client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      }),
      refusedWith('CircuitOpenError'),
    );
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2, 'never retried, refused once open');
  });

  it('openai: Responses streams that end in response.failed open the breaker', async () => {
    const m = 'gpt-late-failed';
    h.fp.script({
      route: 'openai.responses',
      model: m,
      steps: [{ fault: 'stream_error', afterChunks: 2, end: 'response_failed' }],
    });
    for (let i = 0; i < 2; i++) {
      await drain(await client().responses.create({ model: m, input: 'x y z', stream: true }));
    }
    assert.equal(h.runtime.guard.breakerFacts(`openai/${m}`)?.state, 'open');
    await assert.rejects(
      client().responses.create({ model: m, input: 'x', stream: true }),
      refusedWith('CircuitOpenError'),
    );
    assert.equal(h.fp.count({ route: 'openai.responses', model: m }), 2);
  });

  it('openai: a non-streaming body cut after the headers fails its attempt and counts too', async () => {
    const m = 'gpt-late-body';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'stream_error', end: 'close' }] });
    await assert.rejects(ask(m));
    assert.equal(h.runtime.guard.breakerFacts(`openai/${m}`)?.state, 'closed');
    await assert.rejects(ask(m));
    assert.equal(h.runtime.guard.breakerFacts(`openai/${m}`)?.state, 'open');
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2);
    // The attempt that sent the request failed too: the fleet counts attempt spans, so an
    // attempt ended OK at the headers would let a proxy that cuts bodies never trip it.
    const attempts = byRole(h.spans(), 'attempt').filter((s) => s.name === `chat ${m}`);
    assert.equal(attempts.length, 2);
    for (const a of attempts) {
      assert.equal(a.status.code, SpanStatusCode.ERROR);
      assert.equal(attrs(a)['breakwater.error.category'], 'network');
    }
  });

  it('anthropic: a mid-stream overloaded_error is classified overloaded and opens the breaker', async () => {
    const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
    const m = 'claude-late-1';
    h.fp.script({
      route: 'anthropic.messages',
      model: m,
      steps: [{ fault: 'stream_error', afterChunks: 2, status: 529 }],
    });
    const request = {
      model: m,
      max_tokens: 64,
      stream: true as const,
      messages: [{ role: 'user' as const, content: 'hi' }],
    };
    for (let i = 0; i < 2; i++) await assert.rejects(drain(await anthropic.messages.create(request)));
    const ops = byRole(h.spans(), 'operation');
    for (const op of ops) {
      assert.equal(attrs(op)['breakwater.error.category'], 'overloaded');
      assert.equal(attrs(op)['error.type'], 'overloaded_error');
      assert.equal(attrs(op)['breakwater.error.source'], 'dependency');
    }
    assert.equal(h.runtime.guard.breakerFacts(`anthropic/${m}`)?.state, 'open');
    await assert.rejects(anthropic.messages.create(request), refusedWith('CircuitOpenError'));
    assert.equal(h.fp.count({ route: 'anthropic.messages', model: m }), 2);
  });

  it('an abandoned stream is not a failure', async () => {
    const m = 'gpt-late-abandon';
    for (let i = 0; i < 3; i++) {
      const stream = await client().chat.completions.create({
        model: m,
        messages: [{ role: 'user', content: 'x y z' }],
        stream: true,
      });
      for await (const _ of stream) break;
    }
    assert.equal(h.runtime.guard.breakerFacts(`openai/${m}`)?.state, 'closed');
  });
});

describe('tool() and agent()', () => {
  it('builds a trace agent → LLM operation → attempts, and tool spans with call ids', async () => {
    const search = tool('search_web', async (args: { q: string; id: string }) => `results for ${args.q}`, {
      callId: (args) => args.id,
    });
    const broken = tool('broken_tool', async () => {
      throw new Error('tool blew up');
    });
    const run = agent('helper', async (question: string) => {
      await ask('gpt-agent-1');
      const r = await search({ q: question, id: 'call_1' });
      await assert.rejects(broken());
      return r;
    });
    assert.equal(await run('weather'), 'results for weather');
    const spans = h.spans();
    const root = spans.find((s) => s.name === 'invoke_agent helper')!;
    assert.ok(root);
    // A successful agent leaves the status unset (OK is the application's to set).
    assert.equal(root.status.code, SpanStatusCode.UNSET);
    const llm = byRole(spans, 'operation').find((s) => attrs(s)['gen_ai.operation.name'] === 'chat')!;
    assert.equal(llm.parentSpanContext?.spanId, root.spanContext().spanId);
    const toolSpan = spans.find(
      (s) => s.name === 'execute_tool search_web' && attrs(s)['breakwater.role'] === 'operation',
    )!;
    assert.equal(toolSpan.parentSpanContext?.spanId, root.spanContext().spanId);
    assert.equal(attrs(toolSpan)['gen_ai.tool.name'], 'search_web');
    assert.equal(attrs(toolSpan)['gen_ai.tool.call.id'], 'call_1');
    assert.equal(attrs(toolSpan)['breakwater.dependency'], 'tool/search_web');
    const brokenSpan = spans.find(
      (s) => s.name === 'execute_tool broken_tool' && attrs(s)['breakwater.role'] === 'operation',
    )!;
    assert.equal(attrs(brokenSpan)['breakwater.error.category'], 'tool_error');
    assert.equal(brokenSpan.status.code, SpanStatusCode.ERROR);
  });

  it('called as methods, a tool and an agent get their object as this; name and length are the function’s', async () => {
    class Inventory {
      readonly table = new Map([['a', 3]]);
      readonly lookup = tool('inventory_lookup', function lookupItem(this: Inventory, id: string) {
        return this.table.get(id);
      });
      readonly restock = agent('restocker', async function restock(this: Inventory, id: string, n: number) {
        this.table.set(id, (this.table.get(id) ?? 0) + n);
        return this.lookup(id);
      });
    }
    const inventory = new Inventory();
    assert.equal(await inventory.lookup('a'), 3);
    assert.equal(await inventory.restock('a', 2), 5);
    assert.deepEqual(
      [inventory.lookup.name, inventory.lookup.length, inventory.restock.name, inventory.restock.length],
      ['lookupItem', 1, 'restock', 2],
    );
    assert.equal(inventory.lookup.toolName, 'inventory_lookup');
  });

  it('classifierRules say how the app’s own errors count: bad input is the caller’s, a flaky failure retryable', async () => {
    class ToolInputError extends Error {}
    class UpstreamBusy extends Error {}
    const runtime = createRuntime({
      classifierRules: [
        { instanceOf: ToolInputError, classify: { category: 'validation' } },
        { instanceOf: UpstreamBusy, classify: { category: 'tool_error', retryable: true } },
      ],
    });
    // Bad arguments from the model, half the calls: the caller's fault, so the breaker stays
    // closed and every good call runs.
    const strict = tool(
      'strict_input',
      async (x: number) => {
        if (x < 0) throw new ToolInputError('x must be >= 0');
        return x;
      },
      { runtime },
    );
    for (let i = 0; i < 30; i++) {
      if (i % 2 === 0) await assert.rejects(strict(-1), ToolInputError);
      else assert.equal(await strict(i), i);
    }
    assert.equal(runtime.guard.breakerFacts('tool/strict_input')?.state, 'closed');
    const refused = h
      .spans()
      .find(
        (s) =>
          s.name === 'execute_tool strict_input' &&
          attrs(s)['breakwater.role'] === 'operation' &&
          s.status.code === SpanStatusCode.ERROR,
      )!;
    assert.equal(attrs(refused)['breakwater.error.category'], 'validation');
    assert.equal(attrs(refused)['breakwater.error.source'], 'caller');

    // Retries asked for a tool apply to its own errors once a rule calls them retryable.
    let calls = 0;
    const flaky = tool(
      'flaky_upstream',
      async () => {
        if (++calls < 3) throw new UpstreamBusy('busy');
        return 'ok';
      },
      { runtime, policy: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } } },
    );
    assert.equal(await flaky(), 'ok');
    assert.equal(calls, 3);
  });

  it('classifierRules of the wrong shape are refused when configured, named as given, before any call', () => {
    assert.throws(
      () =>
        createRuntime({
          classifierRules: [
            { message: 'bad input' as unknown as RegExp, classify: { category: 'validation' } },
            { instanceOf: 'Error' as never, classify: { category: 'validaton' as 'validation' } },
          ],
        }),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message.startsWith(
          'invalid classifier rules:\n' +
            '  classifierRules[0].message: must be a RegExp (got "bad input")\n' +
            '  classifierRules[1].instanceOf: must be a class (got "Error")\n' +
            '  classifierRules[1].classify.category: must be one of rate_limited,',
        ) &&
        e.message.endsWith('(got "validaton")'),
    );
  });

  it('an agent ended by a tool’s failure reports it as the tool’s operation classified it', async () => {
    const broken = tool('broken_step', async () => {
      throw new Error('tool blew up');
    });
    const run = agent('fragile', async () => broken());
    await assert.rejects(run(), /tool blew up/);
    const root = h.spans().find((s) => s.name === 'invoke_agent fragile')!;
    assert.equal(root.status.code, SpanStatusCode.ERROR);
    assert.equal(attrs(root)['breakwater.error.category'], 'tool_error');
    assert.equal(attrs(root)['breakwater.error.source'], 'dependency');
  });

  it('an LLM call refused inside a tool and an agent: each reports the refusal, and the tool does not retry it', async () => {
    const m = 'gpt-brk-nested';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 500 }] });
    await assert.rejects(ask(m));
    await assert.rejects(ask(m)); // the breaker opens
    h.exporter.reset();
    const summarize = tool('summarize_doc', async () => ask(m), {
      policy: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } },
    });
    const run = agent('summarizer', async () => summarize());
    // The app still gets the client's error, through the tool and the agent.
    await assert.rejects(run(), refusedWith('CircuitOpenError'));
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2);
    const llm = byRole(h.spans(), 'operation').filter(
      (s) => attrs(s)['breakwater.dependency'] === `openai/${m}`,
    );
    assert.equal(llm.length, 1, 'refused once: a refusal is not a network error to retry');
    const toolOp = byRole(h.spans(), 'operation').find((s) => s.name === 'execute_tool summarize_doc')!;
    assert.equal(attrs(toolOp)['breakwater.error.category'], 'circuit_open');
    assert.equal(attrs(toolOp)['breakwater.retry.attempts'], 1);
    // Nothing was sent: the error carries no provider error, so each span names the refusal.
    assert.equal(attrs(toolOp)['error.type'], 'circuit_open');
    const root = h.spans().find((s) => s.name === 'invoke_agent summarizer')!;
    assert.equal(attrs(root)['breakwater.error.category'], 'circuit_open');
    assert.equal(attrs(root)['breakwater.error.source'], 'policy');
    assert.equal(attrs(root)['error.type'], 'circuit_open');
  });

  it('an LLM call whose retry the budget refused, inside a tool: the tool does not retry it either', async () => {
    const m = 'gpt-nested-budget';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503 }] });
    // Failed attempts drain the default budget (10 tokens, retries while above half).
    for (let i = 0; i < 4; i++) await assert.rejects(ask(m));
    h.exporter.reset();
    const before = h.fp.count({ route: 'openai.chat', model: m });
    const summarize = tool('summarize_budget', async () => ask(m), {
      policy: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } },
    });
    const error = await agent('budgeted', async () => summarize())().then(
      () => assert.fail('the provider answers 503 only'),
      (e: unknown) => e,
    );
    assert.equal((error as { status?: number }).status, 503, 'the provider’s own error');
    assert.ok(refusalOf(error) instanceof BudgetExhaustedError);
    assert.equal(
      h.fp.count({ route: 'openai.chat', model: m }) - before,
      1,
      'one request, no retry anywhere',
    );
    const llmOp = h.operation(m)!;
    assert.equal(attrs(llmOp)['breakwater.error.category'], 'budget_exhausted');
    assert.equal(attrs(llmOp)['error.type'], 'server_error');
    const toolOp = byRole(h.spans(), 'operation').find((s) => s.name === 'execute_tool summarize_budget')!;
    assert.equal(attrs(toolOp)['breakwater.error.category'], 'budget_exhausted');
    assert.equal(attrs(toolOp)['breakwater.retry.attempts'], 1);
    // The tool, and the agent, end with the client's 503 as well: their error.type is its.
    assert.equal(attrs(toolOp)['error.type'], 'server_error');
    const toolAttempt = byRole(h.spans(), 'attempt').find((s) => s.name === 'execute_tool summarize_budget')!;
    assert.equal(attrs(toolAttempt)['breakwater.error.category'], 'budget_exhausted');
    assert.equal(attrs(toolAttempt)['error.type'], 'server_error');
    const root = h.spans().find((s) => s.name === 'invoke_agent budgeted')!;
    assert.equal(attrs(root)['breakwater.error.category'], 'budget_exhausted');
    assert.equal(attrs(root)['breakwater.error.source'], 'policy');
    assert.equal(attrs(root)['error.type'], 'server_error');
    const toolPoint = (await h.points('gen_ai.execute_tool.duration')).find(
      (p) => p.attributes['gen_ai.tool.name'] === 'summarize_budget',
    );
    assert.equal(toolPoint?.attributes['error.type'], 'server_error');
    const agentPoint = (await h.points('gen_ai.invoke_agent.duration')).find(
      (p) => p.attributes['gen_ai.agent.name'] === 'budgeted',
    );
    assert.equal(agentPoint?.attributes['error.type'], 'server_error');
  });

  it('an agent ended by a tool’s thrown string keeps the tool’s classification too', async () => {
    const picky = tool('picky_step', async () => {
      throw 'bad input';
    });
    const run = agent('primitive', async () => picky());
    await assert.rejects(run(), (e: unknown) => e === 'bad input');
    const root = h.spans().find((s) => s.name === 'invoke_agent primitive')!;
    assert.equal(attrs(root)['breakwater.error.category'], 'tool_error');
  });

  it('tool description and the agent attributes the conventions ask for', async () => {
    const lookup = tool('lookup_stock', async (sku: string) => `${sku}: 3`, {
      description: 'Looks up stock levels',
      type: 'datastore',
    });
    const run = agent('stock-agent', async (_session: string, sku: string) => lookup(sku), {
      provider: 'openai',
      id: 'agent_1',
      version: '2.0.0',
      conversationId: (session) => session,
    });
    await run('conv_42', 'sku-1');
    const root = h.spans().find((s) => s.name === 'invoke_agent stock-agent')!;
    const a = attrs(root);
    assert.equal(a['gen_ai.operation.name'], 'invoke_agent');
    // Required on invoke_agent spans.
    assert.equal(a['gen_ai.provider.name'], 'openai');
    assert.equal(a['gen_ai.agent.name'], 'stock-agent');
    assert.equal(a['gen_ai.agent.id'], 'agent_1');
    assert.equal(a['gen_ai.agent.version'], '2.0.0');
    assert.equal(a['gen_ai.conversation.id'], 'conv_42');
    const toolSpan = byRole(h.spans(), 'operation').find((s) => s.name === 'execute_tool lookup_stock')!;
    assert.equal(attrs(toolSpan)['gen_ai.tool.description'], 'Looks up stock levels');
    assert.equal(attrs(toolSpan)['gen_ai.tool.type'], 'datastore');
    assert.equal(attrs(toolSpan)['gen_ai.tool.call.arguments'], undefined, 'content is opt-in');
  });

  it('toolSignal() aborts the attempt its timeout gave up on; a retry gets a fresh signal', async () => {
    const clock = new ManualClock();
    const runtime = createRuntime({
      clock,
      policies: [
        {
          match: 'tool/slow_lookup',
          policy: { timeoutMs: 1_000, retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } },
        },
      ],
    });
    const seen: AbortSignal[] = [];
    let lateRead: AbortSignal | undefined;
    const lookup = tool(
      'slow_lookup',
      async (id: string) => {
        const signal = toolSignal()!;
        seen.push(signal);
        if (seen.length === 1) {
          await once(signal, 'abort'); // the first attempt hangs until it is told to stop
          lateRead = toolSignal();
          throw signal.reason;
        }
        return `item ${id}`;
      },
      { runtime },
    );
    assert.equal(toolSignal(), undefined);
    const result = lookup('42');
    await clock.advance(1_000);
    assert.equal(await result, 'item 42');
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.aborted, true);
    assert.equal((seen[0]!.reason as Error).name, 'TimeoutError');
    assert.equal(seen[1]!.aborted, false);
    assert.equal(lateRead?.aborted, true);
    const attempts = h
      .spans()
      .filter((s) => s.name === 'execute_tool slow_lookup' && attrs(s)['breakwater.role'] === 'attempt');
    assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'timeout');
  });

  // Regression: the pipeline clears the call's deadlines before its fallback runs, so an attempt
  // abandoned at its deadline that first read toolSignal() after that got a signal that never
  // aborted, and went on with what it does next (a request, a write) as if still awaited.
  it('toolSignal() read by a timed-out attempt after the fallback took over is aborted', async () => {
    const clock = new ManualClock();
    const runtime = createRuntime({
      clock,
      policies: [{ match: 'tool/slow_report', policy: { timeoutMs: 1_000 } }],
    });
    let release: () => void = () => {};
    const slowStep = new Promise<void>((r) => {
      release = r;
    });
    const seen: AbortSignal[] = [];
    const report = tool(
      'slow_report',
      async () => {
        seen.push(toolSignal()!);
        await slowStep; // work that does not take a signal
        seen.push(toolSignal()!); // then, say, fetch(url, { signal: toolSignal() })
        return 'fresh';
      },
      { runtime, policy: { fallback: { name: 'cached-report', run: () => 'cached' } } },
    );
    const result = report();
    await clock.advance(1_000);
    assert.equal(await result, 'cached');
    release();
    await new Promise((r) => setImmediate(r));
    assert.equal(seen.length, 2);
    assert.deepEqual(
      seen.map((s) => s.aborted),
      [true, true],
    );
  });

  it('records GenAI duration and token usage histograms with semconv buckets', async () => {
    await ask('gpt-metrics-1');
    const rm = await h.metrics();
    const all = rm.scopeMetrics.flatMap((s) => s.metrics);
    const duration = all.find((m) => m.descriptor.name === 'gen_ai.client.operation.duration');
    const tokens = all.find((m) => m.descriptor.name === 'gen_ai.client.token.usage');
    assert.ok(duration && tokens);
    const point = duration.dataPoints[0] as { value: { buckets: { boundaries: number[] } } };
    assert.deepEqual(point.value.buckets.boundaries.slice(0, 3), [0.01, 0.02, 0.04]);
    const types = new Set(tokens.dataPoints.map((p) => p.attributes['gen_ai.token.type']));
    assert.deepEqual([...types].sort(), ['input', 'output']);
  });
});
