/**
 * LangGraph.js agents under Breakwater, in a real app process (langgraph-app.mjs) against the
 * fault provider: a ReAct agent with two tools (`createReactAgent`, `langchain`'s `createAgent`,
 * and the same loop as a `StateGraph` whose model node takes a `retryPolicy`), its model a
 * `ChatOpenAI` with `maxRetries: 0`. Each scenario runs inside `agent(name)`, so its spans are one
 * trace under `invoke_agent {name}`.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { startNode, stopAll } from '../harness/process.ts';
import {
  type ExportedSpan,
  type SpanReceiver,
  spanAttr,
  startSpanReceiver,
} from '../harness/span-receiver.ts';

let receiver: SpanReceiver;
let fp: FaultProvider;
let results: Record<string, unknown>;

before(async () => {
  receiver = await startSpanReceiver();
  fp = await startFaultProvider();
  for (const model of ['gpt-lg-503', 'gpt-lg-503-retried', 'gpt-lg-breaker', 'gpt-lg-fallback'])
    fp.script({ route: 'openai.chat', model, steps: [{ fault: 'error', status: 503 }] });
  fp.script({ route: 'openai.chat', model: 'gpt-lg-hang', steps: [{ fault: 'hang' }] });
  fp.script({
    route: 'openai.chat',
    model: 'gpt-lg-stream-broken',
    steps: [{ fault: 'stream_error', afterChunks: 2 }],
  });
  // The first model call answers (a tool call); the second fails all of Breakwater's 3 attempts.
  fp.script({
    route: 'openai.chat',
    model: 'gpt-lg-checkpoint',
    steps: [
      { fault: 'ok', count: 1 },
      { fault: 'error', status: 503, count: 3 },
    ],
  });
  const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
  const app = await startNode(['--import', here('langgraph-instrument.mjs'), here('langgraph-app.mjs')], {
    env: {
      FAULT_URL: fp.url,
      OTEL_SERVICE_NAME: 'langgraph-app',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      BREAKWATER_CONTROL: 'false',
    },
    readyLine: /^results /m,
    timeoutMs: 60_000,
    name: 'langgraph-app',
  });
  assert.equal(await app.exited, 0, app.output());
  results = JSON.parse(/^results (.*)$/m.exec(app.output())![1]!);
});
after(async () => {
  await stopAll();
  await fp.close();
  receiver?.close();
});

/** The spans of scenario `name`: its `invoke_agent` span's trace. */
function trace(name: string): ExportedSpan[] {
  const root = receiver.spans.find((s) => s.name === `invoke_agent ${name}`);
  assert.ok(root, `no invoke_agent span for ${name}`);
  return receiver.spans.filter((s) => s.traceId === root.traceId);
}
const role = (spans: ExportedSpan[], r: string) => spans.filter((s) => spanAttr(s, 'breakwater.role') === r);
const requests = (model: string) => fp.count({ route: 'openai.chat', model });

it('a ReAct agent’s model calls and tools are operation spans under the agent; a tool’s error goes back to the model', () => {
  assert.deepEqual(results.agent, [
    'human:weather in Lisbon',
    'ai:',
    'tool:sunny in weather in Lisbon',
    'ai:Tool result: sunny in weather in Lisbon',
  ]);
  const spans = trace('agent');
  const root = spans.find((s) => s.name === 'invoke_agent agent')!;
  const operations = role(spans, 'operation');
  assert.deepEqual(operations.map((s) => s.name).sort(), [
    'chat gpt-lg',
    'chat gpt-lg',
    'execute_tool get_weather',
  ]);
  // LangGraph's nodes run in the agent's context: each operation is the agent span's child.
  for (const op of operations) assert.equal(op.parentSpanId, root.spanId, op.name);
  const [first, second] = operations.filter((s) => s.name === 'chat gpt-lg');
  assert.equal(spanAttr(first!, 'gen_ai.usage.input_tokens'), 3);
  assert.equal(spanAttr(second!, 'gen_ai.usage.input_tokens'), 8);
  assert.equal(
    spanAttr(operations.find((s) => s.name.startsWith('execute_tool'))!, 'breakwater.dependency'),
    'tool/get_weather',
  );
  assert.equal(role(spans, 'attempt').length, 3);

  // ToolNode hands a tool's error to the model as the tool's answer; the tool span says tool_error.
  assert.deepEqual(
    (results['tool-error'] as string[])[2],
    'tool:Error: no quote for stock for ACME\n Please fix your mistakes.',
  );
  const [stock] = role(trace('tool-error'), 'operation').filter((s) => s.name === 'execute_tool get_stock');
  assert.equal(spanAttr(stock!, 'breakwater.error.category'), 'tool_error');

  // The tool's open breaker refuses the next call (no attempt): the model is told the same way.
  assert.equal(
    (results['tool-refused'] as string[])[2],
    'tool:Error: circuit open for tool/get_stock (local decision)\n Please fix your mistakes.',
  );
  const refusedTrace = trace('tool-refused');
  const [refused] = role(refusedTrace, 'operation').filter((s) => s.name === 'execute_tool get_stock');
  assert.equal(spanAttr(refused!, 'breakwater.error.category'), 'circuit_open');
  assert.equal(role(refusedTrace, 'attempt').filter((s) => s.name === 'execute_tool get_stock').length, 0);

  // langchain's createAgent runs the same loop.
  assert.equal((results['create-agent'] as string[]).at(-1), 'ai:Tool result: sunny in weather in Porto');
  assert.equal(role(trace('create-agent'), 'operation').length, 3);
});

it('a node retryPolicy multiplies Breakwater’s attempts on an outage; without one the provider sees 3 requests', () => {
  assert.deepEqual(results['no-retry-policy'], { error: '503' });
  assert.equal(requests('gpt-lg-503'), 3);
  assert.equal(role(trace('no-retry-policy'), 'operation').length, 1);
  // LangGraph's retry (its default retryOn, 3 node attempts) runs the model call 3 times, each
  // with Breakwater's attempts, until the retry budget stops them: 3 + 2 + 1 requests.
  assert.deepEqual(results['retry-policy'], { error: '503', refusal: 'BudgetExhaustedError' });
  assert.equal(requests('gpt-lg-503-retried'), 6);
  const retried = role(trace('retry-policy'), 'operation');
  assert.deepEqual(
    retried.map((s) => spanAttr(s, 'breakwater.error.category')),
    ['overloaded', 'budget_exhausted', 'budget_exhausted'],
  );
});

it('an open breaker’s refusal is not retried by LangChain’s loops; LangGraph’s retryPolicy needs a retryOn for it', () => {
  // The breaker opened on the first call's two failures; nothing else reached the provider.
  assert.deepEqual(results.opens, { error: '503', refusal: 'CircuitOpenError' });
  assert.equal(requests('gpt-lg-breaker'), 2);
  const refusals = (name: string) => {
    const ops = role(trace(name), 'operation');
    for (const op of ops) assert.equal(spanAttr(op, 'breakwater.error.category'), 'circuit_open', name);
    return ops.length;
  };
  // LangGraph's default retryOn reads statuses and abort names only: each node attempt is refused.
  assert.deepEqual(results['refused-retry-policy'], { error: 'Error', refusal: 'CircuitOpenError' });
  assert.equal(refusals('refused-retry-policy'), 3);
  // With the README's retryOn, which leaves refusals to Breakwater, the refusal ends the node at once.
  assert.deepEqual(results['refused-retry-on'], { error: 'Error', refusal: 'CircuitOpenError' });
  assert.equal(refusals('refused-retry-on'), 1);
  // A chat model's own maxRetries and createAgent's modelRetryMiddleware read LangChain's
  // retryability mark, which a refusal carries (false): one refused call, no back-off.
  assert.deepEqual(results['refused-langchain-retries'], { error: 'Error', refusal: 'CircuitOpenError' });
  assert.equal(refusals('refused-langchain-retries'), 1);
  assert.equal(refusals('refused-retry-middleware'), 1);
  assert.equal(requests('gpt-lg-breaker'), 2);
});

it('a fallback answers the graph’s plain model call, not one streamMode "messages" streams (unless streaming is off)', () => {
  assert.deepEqual(results['fallback-invoke'], ['human:hi', 'ai:degraded answer']);
  const [answered] = role(trace('fallback-invoke'), 'operation');
  assert.equal(spanAttr(answered!, 'breakwater.fallback'), 'degraded');
  // streamMode "messages" makes LangChain stream the model's call: fallbacks cover plain calls.
  assert.deepEqual(results['fallback-messages'], { error: '503', refusal: 'BudgetExhaustedError' });
  assert.equal(spanAttr(role(trace('fallback-messages'), 'operation')[0]!, 'breakwater.fallback'), undefined);
  // disableStreaming: true on the model: a plain call, whose fallback answer comes as one message.
  assert.deepEqual(results['fallback-messages-unstreamed'], ['degraded answer']);
});

it('streamMode "messages": streamed model calls keep their usage, and a stream broken mid-way fails classified', () => {
  assert.equal(results.messages, 'sunny in weather in FaroTool result: sunny in weather in Faro');
  const streamed = role(trace('messages'), 'operation').filter((s) => s.name === 'chat gpt-lg-stream');
  assert.equal(streamed.length, 2);
  assert.deepEqual(
    streamed.map((s) => [
      spanAttr(s, 'gen_ai.usage.input_tokens'),
      spanAttr(s, 'gen_ai.usage.output_tokens'),
    ]),
    [
      [3, 4],
      [8, 7],
    ],
  );
  assert.deepEqual(results['messages-broken'], { error: 'Error' });
  assert.equal(requests('gpt-lg-stream-broken'), 1);
  const [broken] = role(trace('messages-broken'), 'operation');
  assert.equal(spanAttr(broken!, 'breakwater.error.category'), 'server_error');
});

it('a run that failed is resumed from its checkpoint at the failed node; an aborted run’s call is cancelled', () => {
  assert.deepEqual(results.checkpoint, {
    failed: '503',
    pending: ['agent'],
    resumed: [
      'human:weather in Braga',
      'ai:',
      'tool:sunny in weather in Braga',
      'ai:Tool result: sunny in weather in Braga',
    ],
  });
  // The first answer and the tool's result were kept: only the failed call was made again.
  assert.equal(requests('gpt-lg-checkpoint'), 5);
  assert.equal(
    role(trace('checkpoint'), 'operation').filter((s) => s.name.startsWith('execute_tool')).length,
    1,
  );

  assert.deepEqual(results.abort, { error: 'TimeoutError' });
  const [aborted] = role(trace('abort'), 'operation');
  assert.equal(spanAttr(aborted!, 'breakwater.error.category'), 'cancelled');
});
