import assert from 'node:assert/strict';
import { it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { start } from './index.ts';
import { startHangingCollector } from './testing/hanging-collector.ts';

it('shutdown ends at the export timeout when the collector never answers', async () => {
  const collector = await startHangingCollector();
  const bw = start({
    serviceName: 'hang-shutdown-test',
    endpoint: collector.url,
    control: false,
    handleSignals: false,
    exportTimeoutMs: 200,
    metricIntervalMs: 60_000,
    logger: () => {},
  });
  trace.getTracer('t').startSpan('held').end();
  // Resolves although the collector never answers (else the test runner's timeout fails it).
  await bw.shutdown();
  assert.equal(collector.taken('/v1/traces'), 1, 'the span export reached the collector');
  await collector.close();
});
