import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { metrics, trace } from '@opentelemetry/api';
import { type Breakwater, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

// Explicit start() options win over the OTEL_* environment, which wins over defaults; what is
// exported over real OTLP/HTTP is what `bw.options` says. Set before start(), as a deployment
// would (this file runs in its own process).
process.env.OTEL_SERVICE_NAME = 'name-from-env';
process.env.OTEL_RESOURCE_ATTRIBUTES =
  'service.version=0.0.0-env,service.instance.id=instance-from-env,deployment.environment.name=staging';

const receiver = recordingReceiver();
const { received } = receiver;

let bw: Breakwater;

before(async () => {
  const endpoint = await receiver.listen();
  bw = start({
    serviceName: 'name-from-option',
    serviceVersion: '9.9.9',
    serviceInstanceId: 'instance-from-option',
    endpoint,
    control: false,
    handleSignals: false,
    metricIntervalMs: 60_000,
  });
});

after(async () => {
  await bw.shutdown();
  receiver.close();
});

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}

/** Resource attributes of every resource in the exports to `path`, as plain records. */
function exportedResources(path: string): Record<string, string | undefined>[] {
  return received
    .filter((r) => r.path === path)
    .flatMap((r) => {
      const body = JSON.parse(r.body) as Record<string, { resource: { attributes: OtlpAttribute[] } }[]>;
      const list = body.resourceSpans ?? body.resourceMetrics ?? [];
      return list.map((x) =>
        Object.fromEntries(x.resource.attributes.map((a) => [a.key, a.value.stringValue])),
      );
    });
}

it('exports the explicit options, not the environment or the SDK detectors, as the resource', async () => {
  assert.equal(bw.options.serviceName, 'name-from-option');
  assert.equal(bw.options.serviceVersion, '9.9.9');
  assert.equal(bw.options.serviceInstanceId, 'instance-from-option');
  trace.getTracer('resource-test').startSpan('probe').end();
  metrics.getMeter('resource-test').createCounter('probe').add(1);
  await bw.forceFlush();
  const resources = [...exportedResources('/v1/traces'), ...exportedResources('/v1/metrics')];
  assert.ok(exportedResources('/v1/traces').length > 0, 'a trace export arrived');
  assert.ok(exportedResources('/v1/metrics').length > 0, 'a metric export arrived');
  for (const r of resources) {
    assert.equal(r['service.name'], bw.options.serviceName);
    assert.equal(r['service.version'], bw.options.serviceVersion);
    assert.equal(r['service.instance.id'], bw.options.serviceInstanceId);
    // The environment still adds what the options do not set, and the detectors still run.
    assert.equal(r['deployment.environment.name'], 'staging');
    assert.equal(r['telemetry.sdk.language'], 'nodejs');
  }
});
