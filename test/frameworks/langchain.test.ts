/**
 * LangChain.js chat models under `--import @breakwater/node/register`, in a real app process
 * against the fault provider. `@langchain/anthropic` 1.x brings its own `@anthropic-ai/sdk` 0.x,
 * and calls its `beta.messages.create` for a request with any beta (given or added for a tool);
 * LangChain retries each call itself (AsyncCaller, `maxRetries` 6) above the client, so the
 * README asks for `maxRetries: 0` on the chat model: then the provider sees exactly Breakwater's
 * attempts.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { startNode, stopAll } from '../harness/process.ts';
import { type SpanReceiver, spanAttr, startSpanReceiver } from '../harness/span-receiver.ts';

let receiver: SpanReceiver;
let fp: FaultProvider;

before(async () => {
  receiver = await startSpanReceiver();
  fp = await startFaultProvider();
});
after(async () => {
  await stopAll();
  await fp.close();
  receiver?.close();
});

/** The operation spans of calls naming `model`. */
const operations = (model: string) =>
  receiver.spans.filter(
    (s) => spanAttr(s, 'breakwater.role') === 'operation' && spanAttr(s, 'gen_ai.request.model') === model,
  );

it('ChatAnthropic (with betas too) and ChatOpenAI are instrumented; with maxRetries: 0 the provider sees Breakwater’s attempts only', async () => {
  fp.script({
    route: 'anthropic.messages',
    model: 'claude-lc',
    steps: [{ fault: 'error', status: 529, count: 2 }],
  });
  fp.script({
    route: 'anthropic.messages',
    model: 'claude-lc-betas',
    steps: [{ fault: 'error', status: 529, count: 2 }],
  });
  fp.script({
    route: 'anthropic.messages',
    model: 'claude-lc-tool',
    steps: [{ fault: 'error', status: 503, count: 1 }],
  });
  fp.script({ route: 'openai.chat', model: 'gpt-lc', steps: [{ fault: 'error', status: 503, count: 3 }] });
  fp.script({
    route: 'openai.chat',
    model: 'gpt-lc-default',
    steps: [{ fault: 'error', status: 503, count: 3 }],
  });
  const app = await startNode(
    ['--import', '@breakwater/node/register', fileURLToPath(new URL('langchain-app.mjs', import.meta.url))],
    {
      env: {
        FAULT_URL: fp.url,
        OTEL_SERVICE_NAME: 'langchain-app',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        BREAKWATER_CONTROL: 'false',
      },
      readyLine: /^results /m,
      timeoutMs: 60_000,
      name: 'langchain-app',
    },
  );
  assert.equal(await app.exited, 0, app.output());
  const results = JSON.parse(/^results (.*)$/m.exec(app.output())![1]!) as Record<string, string>;
  assert.doesNotMatch(app.output(), /BREAKWATER_UNSUPPORTED_CLIENT/, 'the 0.x client is supported');

  // The nested @anthropic-ai/sdk 0.x: two 529s, then an answer, all within Breakwater's 3 attempts.
  assert.equal(results.anthropic, 'You said: hi');
  assert.equal(fp.count({ route: 'anthropic.messages', model: 'claude-lc' }), 3);
  const [claude, ...moreClaude] = operations('claude-lc');
  assert.equal(moreClaude.length, 0);
  assert.equal(spanAttr(claude!, 'gen_ai.provider.name'), 'anthropic');
  assert.equal(spanAttr(claude!, 'breakwater.retry.attempts'), 3);

  // A model given betas calls beta.messages.create: instrumented the same, Breakwater's 3 attempts.
  assert.equal(results['anthropic-betas'], 'You said: hi');
  assert.equal(fp.count({ route: 'anthropic.messages', model: 'claude-lc-betas' }), 3);
  const [betas, ...moreBetas] = operations('claude-lc-betas');
  assert.equal(moreBetas.length, 0);
  assert.equal(spanAttr(betas!, 'gen_ai.operation.name'), 'chat');
  assert.equal(spanAttr(betas!, 'breakwater.retry.attempts'), 3);
  // So does one offered a built-in tool type (ChatAnthropic adds its beta): a 503, then the answer
  // (the fault provider calls client tools only).
  assert.equal(results['anthropic-tool'], 'You said: hi');
  assert.equal(fp.count({ route: 'anthropic.messages', model: 'claude-lc-tool' }), 2);
  assert.equal(operations('claude-lc-tool').length, 1);
  assert.equal(spanAttr(operations('claude-lc-tool')[0]!, 'breakwater.retry.attempts'), 2);

  // openai with maxRetries: 0: three 503s are Breakwater's three attempts; the call fails.
  assert.equal(results.openai, 'error 503');
  assert.equal(fp.count({ route: 'openai.chat', model: 'gpt-lc' }), 3);
  assert.equal(operations('gpt-lc').length, 1);

  // LangChain's default retries sit above the client: a 4th request, a second operation.
  assert.equal(results['openai-default'], 'You said: hi');
  assert.equal(fp.count({ route: 'openai.chat', model: 'gpt-lc-default' }), 4);
  assert.equal(operations('gpt-lc-default').length, 2);
});
