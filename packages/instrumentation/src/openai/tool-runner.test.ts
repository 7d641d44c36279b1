import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import type OpenAIType from 'openai';
import type { RunnableToolFunctionWithParse } from 'openai/lib/RunnableFunction';
import { agent } from '../agent.ts';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';
import { tool } from '../tool.ts';

// `chat.completions.runTools()` (openai's tool runner) calls the patched `create` once per model
// turn and runs the app's tool functions in between. Each turn is its own operation with its own
// retries; tools wrapped with `tool()` are siblings of the turns under the agent; aborting the
// runner cancels the turn under way. The fault provider answers the first turn with a call of
// the offered tool, and the tool's result with text, so a run is two turns.

const h = harnessPerFile();

let seq = 0;
const model = (tag: string) => `gpt-runner-${tag}-${seq++}`;

const getWeather = tool('get_weather', async (args: { city: string }) => `sunny in ${args.city}`);

const tools: RunnableToolFunctionWithParse<{ city: string }>[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      function: getWeather,
      parse: (args: string) => JSON.parse(args) as { city: string },
    },
  },
];

/** The operation spans of model turns, in the order they ended. */
const turns = (m: string) =>
  byRole(h.spans(), 'operation').filter((s) => attrs(s)['gen_ai.request.model'] === m);

for (const [label, OpenAI] of [
  ['openai 7', () => require('openai').default as typeof OpenAIType],
  ['openai 6', () => require('openai-v6').default as typeof OpenAIType],
] as const) {
  describe(`${label} chat.completions.runTools`, () => {
    // The client's own retries are on: Breakwater's attempts must be the only ones.
    const client = () => new (OpenAI())({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, maxRetries: 5 });
    const params = (m: string) => ({
      model: m,
      messages: [{ role: 'user' as const, content: 'weather in Lisbon' }],
      tools,
    });
    const run = (m: string) => client().chat.completions.runTools(params(m));
    const runStreamed = (m: string) => client().chat.completions.runTools({ ...params(m), stream: true });

    for (const stream of [false, true]) {
      it(`${stream ? 'streamed' : 'plain'}: a turn per operation, the tool beside them, a 503 in turn 2 retried once`, async () => {
        const m = model(stream ? 'stream' : 'plain');
        h.fp.script({
          route: 'openai.chat',
          model: m,
          steps: [
            { fault: 'ok', count: 1 },
            { fault: 'error', status: 503, count: 1 },
          ],
        });
        const content = await agent('weather-agent', () =>
          (stream ? runStreamed(m) : run(m)).finalContent(),
        )();
        assert.equal(content, 'Tool result: sunny in weather in Lisbon');
        // Turn 1, then turn 2 twice (its 503 and its retry): no turn sent by two retry loops.
        assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 3);
        const [first, second] = turns(m);
        assert.equal(turns(m).length, 2);
        assert.equal(attrs(first!)['breakwater.retry.attempts'], 1);
        assert.equal(attrs(second!)['breakwater.retry.attempts'], 2);
        assert.notEqual(second!.status.code, SpanStatusCode.ERROR);
        const attempts = byRole(h.spans(), 'attempt').filter((s) => s.name === `chat ${m}`);
        assert.equal(attempts.length, 3);
        const [agentSpan] = h.spans().filter((s) => s.name === 'invoke_agent weather-agent');
        const toolSpan = byRole(h.spans(), 'operation').find((s) => s.name === 'execute_tool get_weather');
        assert.ok(agentSpan && toolSpan);
        const agentId = agentSpan.spanContext().spanId;
        for (const span of [first!, second!, toolSpan])
          assert.equal(span.parentSpanContext?.spanId, agentId, `${span.name} is the agent's child`);
        assert.equal(byRole(h.spans(), 'operation').filter((s) => s.name === toolSpan.name).length, 1);
        assert.deepEqual(await h.calls(`openai/${m}`), ['success:=2']);
      });
    }

    it('runner.abort() while turn 2 waits for its answer: the turn is cancelled, not a failure of the model', async () => {
      const m = model('abort');
      h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'ok', count: 1 }, { fault: 'hang' }] });
      const runner = run(m);
      runner.on('functionToolCallResult', () => setTimeout(() => runner.abort(), 50));
      await assert.rejects(runner.finalContent(), OpenAI().APIUserAbortError);
      await wait(20);
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2);
      const [, second] = turns(m);
      assert.ok(second, 'every span ended');
      const a = attrs(second);
      assert.equal(a['breakwater.error.category'], 'cancelled');
      assert.equal(a['breakwater.error.source'], 'caller');
      assert.equal(a['breakwater.error.retryable'], false);
      assert.equal(await h.inFlight(`openai/${m}`), 0);
      assert.deepEqual(await h.calls(`openai/${m}`), ['failure:cancelled=1', 'success:=1']);
    });

    it('runner.abort() during turn 2’s back-off: cancelled there, nothing more is sent', async () => {
      const m = model('abort-backoff');
      h.fp.script({
        route: 'openai.chat',
        model: m,
        steps: [
          { fault: 'ok', count: 1 },
          { fault: 'error', code: 'rate_limit_exceeded', retryAfterMs: 150, count: 1 },
        ],
      });
      const runner = run(m);
      runner.on('functionToolCallResult', () => setTimeout(() => runner.abort(), 50));
      await assert.rejects(runner.finalContent(), OpenAI().APIUserAbortError);
      await wait(200);
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2, 'the retry was never sent');
      const [, second] = turns(m);
      assert.equal(attrs(second!)['breakwater.error.category'], 'cancelled');
      assert.equal(attrs(second!)['breakwater.retry.attempts'], 1);
    });

    it('runner.abort() mid-stream: the streamed turn ends abandoned, not failed', async () => {
      const m = model('abort-stream');
      const runner = runStreamed(m);
      // Turn 2 streams the text answer.
      runner.on('content', () => runner.abort());
      await assert.rejects(runner.finalContent(), OpenAI().APIUserAbortError);
      await wait(20);
      assert.equal(turns(m).length, 2, 'every span ended');
      const last = turns(m).at(-1)!;
      assert.equal(attrs(last)['breakwater.stream.abandoned'], true);
      assert.notEqual(last.status.code, SpanStatusCode.ERROR);
      assert.equal(await h.inFlight(`openai/${m}`), 0);
    });
  });
}
