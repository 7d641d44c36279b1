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
  // Resolves although the collector never answers, at about the export timeout (the bound is
  // loose for a loaded machine; an unbounded wait would take the runner's timeout).
  const started = performance.now();
  await bw.shutdown();
  const tookMs = performance.now() - started;
  assert.ok(tookMs < 3_000, `shutdown took ${Math.round(tookMs)} ms with exportTimeoutMs 200`);
  assert.equal(collector.taken('/v1/traces'), 1, 'the span export reached the collector');
  await collector.close();
});
