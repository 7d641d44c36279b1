import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import type OpenAIType from 'openai';
import { type Breakwater, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

const require = createRequire(import.meta.url);

const receiver = recordingReceiver();
const { received } = receiver;

let fp: FaultProvider;
let bw: Breakwater;

before(async () => {
  const endpoint = await receiver.listen();
  fp = await startFaultProvider();
  bw = start({
    serviceName: 'start-test',
    serviceVersion: '1.2.3',
    endpoint,
    control: false,
    handleSignals: false,
    metricIntervalMs: 60_000,
    policies: [{ match: '*', policy: { retry: { baseDelayMs: 1, maxDelayMs: 2 } } }],
    limits: { maxDependencies: 50, idleMs: 0 },
  });
});

after(async () => {
  await bw.shutdown();
  await fp.close();
  receiver.close();
});

it('exports an instrumented call end to end over real OTLP/HTTP', async () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl });
  fp.script({ route: 'openai.chat', model: 'gpt-e2e', steps: [{ fault: 'error', status: 500, count: 1 }] });
  await client.chat.completions.create({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(fp.count({ route: 'openai.chat', model: 'gpt-e2e' }), 2);
  await bw.forceFlush();
  const traces = received.filter((r) => r.path === '/v1/traces');
  assert.ok(traces.length > 0, 'a trace export arrived');
  const body = traces.map((t) => t.body).join('\n');
  assert.match(body, /chat gpt-e2e/);
  assert.match(body, /breakwater\.dependency/);
  assert.match(body, /start-test/);
  assert.match(body, /service\.instance\.id/);
  assert.equal(bw.options.serviceVersion, '1.2.3');
  assert.ok(bw.runtime, 'runtime configured');
});

it("start()'s limits bound the dependencies its runtime keeps", async () => {
  const { runtime } = bw;
  assert.ok(runtime, 'runtime configured');
  for (let i = 0; i < 120; i++) {
    const dependency = `tool/limits_${i}`;
    await runtime.guard
      .pipeline(dependency, runtime.policies.resolve(dependency), 'pipeline')
      .execute(async () => i);
  }
  assert.ok(runtime.guard.breakers.size <= 50, `${runtime.guard.breakers.size} breakers kept`);
});

it('start() twice returns the same instance and never throws', () => {
  assert.equal(start({ serviceName: 'other', logger: () => {} }), bw);
});

it('a later start() says which of its options are ignored and why, once; options in effect already are quiet', () => {
  const logged: string[] = [];
  const logger = (m: string) => logged.push(m);
  const policies = [{ match: '*', policy: { retry: { baseDelayMs: 1, maxDelayMs: 2 } } }];
  start({
    serviceName: 'start-test',
    serviceVersion: '1.2.3',
    metricIntervalMs: 60_000,
    control: false,
    policies,
    logger,
  });
  assert.deepEqual(logged, [], 'the same as the first call');
  const other = {
    serviceName: 'support-agent',
    policies: [{ match: 'tool/*', policy: { timeoutMs: 5_000 } }],
    logger,
  };
  start(other);
  start(other);
  assert.deepEqual(logged, [
    'start() options ignored: serviceName, policies (Breakwater was already started by an earlier start() call, and starts once per process): give them to that first call',
  ]);
  assert.equal(bw.options.serviceName, 'start-test');
});

it('start() after shutdown() returns the shut-down instance and logs why', async () => {
  await bw.shutdown();
  const logged: string[] = [];
  assert.equal(start({ serviceName: 'again', logger: (m) => logged.push(m) }), bw);
  assert.deepEqual(logged, [
    'start() after shutdown(): Breakwater starts once per process and stays shut down',
  ]);
});
