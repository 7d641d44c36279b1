import assert from 'node:assert/strict';
import { it } from 'node:test';
import { METRIC } from '@breakwater/protocol';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createRuntime } from './runtime.ts';
import { tool } from './tool.ts';

class OnDemand extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

// Regression: `meter` was accepted and ignored; the metrics went to the global provider only.
it('the meter given to createRuntime receives the breakwater.* metrics, gauges included', async () => {
  const reader = new OnDemand();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const runtime = createRuntime({ meter: meterProvider.getMeter('app') });
  const probe = tool('probe_tool', async () => 1, { runtime });
  await probe();
  const { resourceMetrics } = await reader.collect();
  const names = new Set(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)));
  for (const name of [METRIC.CALLS, METRIC.RETRY_ATTEMPTS, METRIC.BREAKER_STATE]) {
    assert.ok(names.has(name), `${name} missing from ${[...names].join(', ')}`);
  }
  await meterProvider.shutdown();
});
