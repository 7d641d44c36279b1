import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { DEFAULT_CAPTURE_MAX_BYTES } from '@breakwater/instrumentation';
import { trace } from '@opentelemetry/api';
import { type Breakwater, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

// Spans that carry captured content (here each at the default bound) make a default batch of 512
// far larger than a collector takes in one JSON request (here one that takes 4 MiB, answering 413,
// and the exporter then drops the whole batch). The SDK sends such a batch as several requests.
const LIMIT = 4 * 1024 * 1024;
const receiver = recordingReceiver(LIMIT);
let bw: Breakwater | undefined;
after(async () => {
  await bw?.shutdown();
  receiver.close();
});

it('a batch of spans with large captured content reaches the collector whole, in requests under its limit', async () => {
  const endpoint = await receiver.listen();
  bw = start({
    serviceName: 'sized-export',
    endpoint,
    control: false,
    handleSignals: false,
    logger: (m) => assert.fail(`unexpected log: ${m}`),
  });
  // Captured input at the default bound: a message list with quotes and newlines to escape.
  const turn = (i: number) => ({
    role: 'user',
    parts: [{ type: 'text', content: `${i}: ${'lorem "ipsum"\n'.repeat(40)}` }],
  });
  const history = [];
  for (let i = 0; JSON.stringify([...history, turn(i)]).length <= DEFAULT_CAPTURE_MAX_BYTES; i++)
    history.push(turn(i));
  const input = JSON.stringify(history);
  const tracer = trace.getTracer('sized-export-test');
  const SPANS = 300;
  for (let i = 0; i < SPANS; i++) {
    const span = tracer.startSpan(`chat m-${i}`);
    span.setAttribute('gen_ai.input.messages', input);
    span.end();
  }
  await bw.forceFlush();
  const traces = receiver.received.filter((r) => r.path === '/v1/traces');
  assert.ok(traces.length > 1, `${traces.length} requests`);
  for (const r of traces) {
    assert.equal(r.status, 200);
    assert.ok(Buffer.byteLength(r.body) <= LIMIT);
  }
  const names = new Set(
    traces.flatMap((r) =>
      (
        JSON.parse(r.body) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] }
      ).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))),
    ),
  );
  assert.equal(names.size, SPANS, 'every span arrived');
});
