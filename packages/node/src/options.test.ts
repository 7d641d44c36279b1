import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveOptions } from './options.ts';

const quiet = { logger: () => {} };

describe('resolveOptions: the environment', () => {
  it('treats blank variables as unset, as OpenTelemetry does', () => {
    const o = resolveOptions(quiet, {
      OTEL_SERVICE_NAME: '',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=checkout',
      BREAKWATER_COLLECTOR_URL: ' ',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.internal:4318',
      BREAKWATER_SUBSCRIBE_TOKEN: '',
    });
    assert.equal(o.serviceName, 'checkout');
    assert.deepEqual(o.control, { url: 'http://collector.internal:4318', token: undefined });
  });

  it('reads the standard export timeouts and batch sizes, each falling back to ours', () => {
    const o = resolveOptions(quiet, {
      OTEL_EXPORTER_OTLP_TIMEOUT: '20000',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '7000',
      OTEL_BSP_EXPORT_TIMEOUT: '30000',
      OTEL_BSP_MAX_QUEUE_SIZE: '10',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50',
    });
    assert.deepEqual(o.limits, {
      tracesTimeoutMs: 20_000,
      metricsTimeoutMs: 7_000,
      spanBatchTimeoutMs: 30_000,
      metricReaderTimeoutMs: 5_000,
      maxExportBatchSize: 10, // at most the queue
      spanDelayMs: 1_000,
    });
    assert.equal(o.maxQueueSize, 10);
    assert.equal(o.exportTimeoutMs, 30_000, 'the longest step bounds the flush on a signal');
  });

  it('explicit options win over the environment', () => {
    const o = resolveOptions(
      { ...quiet, exportTimeoutMs: 1_000, maxQueueSize: 100, serviceName: 'mine' },
      { OTEL_EXPORTER_OTLP_TIMEOUT: '20000', OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_SERVICE_NAME: 'env' },
    );
    assert.equal(o.limits.tracesTimeoutMs, 1_000);
    assert.equal(o.limits.spanBatchTimeoutMs, 1_000);
    assert.equal(o.maxQueueSize, 100);
    assert.equal(o.serviceName, 'mine');
  });
});
