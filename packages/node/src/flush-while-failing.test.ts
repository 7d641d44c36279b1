import assert from 'node:assert/strict';
import { it } from 'node:test';
import { logs, metrics, trace } from '@opentelemetry/api';
import { start } from './index.ts';
import { startHangingCollector } from './testing/hanging-collector.ts';
import { until } from './testing/until.ts';

// One start() per file. A short batch delay: once the collector recovers, the background export
// (not a flush) is what sends the spans a skipped flush left queued.
process.env.OTEL_BSP_SCHEDULE_DELAY = '50';

it('forceFlush does not wait out the export timeout again while the collector fails every export', async (t) => {
  const collector = await startHangingCollector();
  t.after(() => collector.close());
  const lines: string[] = [];
  const exportTimeoutMs = 1_000;
  const bw = start({
    serviceName: 'flush-failing-test',
    endpoint: collector.url,
    control: false,
    handleSignals: false,
    exportTimeoutMs,
    metricIntervalMs: 600_000,
    logger: (line) => lines.push(line),
  });
  t.after(() => bw.shutdown());
  const tracer = trace.getTracer('t');
  const counter = metrics.getMeter('m').createCounter('invocations');
  const invocation = (name: string): void => {
    tracer.startSpan(name).end();
    counter.add(1);
    logs.getLogger('l').emit({ body: name });
  };

  // The first invocation's flush learns that the collector fails: it waits out the export timeout.
  invocation('first');
  let started = performance.now();
  await bw.forceFlush();
  assert.ok(performance.now() - started >= exportTimeoutMs * 0.9, 'the first flush waited for the export');
  // The processor's own timeout may end that flush just before the exporter reports its failure.
  for (const signal of ['span', 'metric', 'log']) {
    await until(() => lines.some((line) => line.startsWith(`${signal} export failed`)), `${signal} failure`);
  }
  const traceRequests = collector.taken('/v1/traces');
  const metricRequests = collector.taken('/v1/metrics');
  const logRequests = collector.taken('/v1/logs');

  // Every later invocation's flush returns at once, sending nothing: waiting would cost each
  // invocation the export timeout while the collector is down, to lose the data all the same.
  for (const name of ['second', 'third']) {
    invocation(name);
    started = performance.now();
    await bw.forceFlush();
    const tookMs = performance.now() - started;
    assert.ok(tookMs < exportTimeoutMs / 2, `flush of ${name} took ${Math.round(tookMs)} ms`);
  }
  assert.equal(collector.taken('/v1/metrics'), metricRequests, 'no metric export was flushed');
  assert.equal(collector.taken('/v1/logs'), logRequests, 'no log export was flushed');
  const flushLines = lines.filter((line) => line.startsWith('flush failed'));
  assert.ok(flushLines.length <= 1, `the flush failure told once at most: ${flushLines.join('\n')}`);

  // The collector recovers: the spans the skipped flushes left queued go out with the background
  // export, and flushes wait for their exports again.
  collector.release();
  await until(
    () => collector.bodies('/v1/traces').some((body) => body.includes('"third"')),
    'the queued spans exported once the collector answers',
  );
  // The collector has the body before the exporter has its answer: wait for the exporter's side.
  await until(() => lines.includes('span export recovered'), 'the span export recovered');
  assert.ok(collector.taken('/v1/traces') > traceRequests);
  invocation('after-recovery');
  await bw.forceFlush();
  assert.ok(collector.bodies('/v1/traces').some((body) => body.includes('"after-recovery"')));
});
