import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type OpenAIType from 'openai';
import { type Breakwater, resolveOptions, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

// `OTEL_TRACES_EXPORTER=none` / `OTEL_METRICS_EXPORTER=none` keep telemetry in the process, while
// the app's own span processors still see every span (set before start(), for this file's process).

const require = createRequire(import.meta.url);
const receiver = recordingReceiver();
const spans = new InMemorySpanExporter();
let fp: FaultProvider;
let bw: Breakwater;

before(async () => {
  const endpoint = await receiver.listen();
  fp = await startFaultProvider();
  process.env.OTEL_TRACES_EXPORTER = 'none';
  process.env.OTEL_METRICS_EXPORTER = 'none';
  bw = start({
    serviceName: 'exporters-test',
    endpoint,
    control: false,
    handleSignals: false,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
});

after(async () => {
  await fp.close();
  receiver.close();
});

it('with the exporters set to none, spans reach the app’s processors and nothing is sent', async () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl });
  fp.script({ model: 'gpt-none', steps: [{ fault: 'error', status: 503, count: 1 }] });
  await client.chat.completions.create({ model: 'gpt-none', messages: [{ role: 'user', content: 'hi' }] });
  const roles = spans.getFinishedSpans().map((s) => s.attributes['breakwater.role']);
  assert.deepEqual(roles.sort(), ['attempt', 'attempt', 'operation']);
  await bw.forceFlush();
  await bw.shutdown();
  assert.deepEqual(
    receiver.received.map((r) => r.path),
    [],
  );
});

describe('OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER', () => {
  const choices = (env: NodeJS.ProcessEnv) => {
    const logged: string[] = [];
    const o = resolveOptions({ logger: (m) => logged.push(m) }, env);
    return { traces: o.tracesExporter, metrics: o.metricsExporter, logged };
  };

  it('default to otlp; none turns a signal off', () => {
    assert.deepEqual(choices({}), { traces: 'otlp', metrics: 'otlp', logged: [] });
    assert.deepEqual(choices({ OTEL_TRACES_EXPORTER: ' None ', OTEL_METRICS_EXPORTER: 'otlp' }), {
      traces: 'none',
      metrics: 'otlp',
      logged: [],
    });
  });

  it('an exporter that is not built in is reported, and OTLP is used rather than nothing', () => {
    const { traces, logged } = choices({ OTEL_TRACES_EXPORTER: 'console,otlp' });
    assert.equal(traces, 'otlp');
    assert.deepEqual(logged, [
      'OTEL_TRACES_EXPORTER=console,otlp: only otlp and none are supported; exporting with otlp',
    ]);
  });
});
