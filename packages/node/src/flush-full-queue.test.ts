import assert from 'node:assert/strict';
import { it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

it('shutdown exports a full queue: every batch at once, beside the one already being sent', async () => {
  const receiver = recordingReceiver();
  const endpoint = await receiver.listen();
  // Ten batches of ten; the first is sent as soon as it is full, the rest wait in the queue.
  process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE = '10';
  process.env.OTEL_METRICS_EXPORTER = 'none';
  const logged: string[] = [];
  const bw = start({
    serviceName: 'flush-test',
    endpoint,
    control: false,
    handleSignals: false,
    maxQueueSize: 100,
    logger: (m) => logged.push(m),
  });
  const tracer = trace.getTracer('t');
  for (let i = 0; i < 100; i++) tracer.startSpan(`queued-${String(i).padStart(3, '0')}`).end();
  await bw.shutdown();
  receiver.close();
  assert.deepEqual(logged, []);
  // Span names travel as plain UTF-8 in the protobuf body.
  const names = new Set(
    receiver.received
      .filter((r) => r.path === '/v1/traces')
      .flatMap((r) => r.body.match(/queued-\d{3}/g) ?? []),
  );
  assert.equal(names.size, 100, 'every queued span reached the collector');
});
