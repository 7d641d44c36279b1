import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { agent, tool } from '@breakwater/instrumentation';
import { type Breakwater, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

// The histograms of tool() and agent() reach the collector over real OTLP/HTTP once start() has
// run: they follow the meter provider start() registers, under @breakwater/instrumentation.

const receiver = recordingReceiver();
let bw: Breakwater;

before(async () => {
  const endpoint = await receiver.listen();
  bw = start({
    serviceName: 'tool-metrics',
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

interface OtlpMetric {
  name: string;
  histogram?: {
    dataPoints: { count: string | number; attributes: { key: string; value: { stringValue?: string } }[] }[];
  };
}

/** Exported metrics by name, with the scope each came under. */
function exported(): Map<string, { scope: string; metric: OtlpMetric }> {
  const out = new Map<string, { scope: string; metric: OtlpMetric }>();
  for (const request of receiver.received.filter((r) => r.path === '/v1/metrics')) {
    const body = JSON.parse(request.body) as {
      resourceMetrics: { scopeMetrics: { scope: { name: string }; metrics: OtlpMetric[] }[] }[];
    };
    for (const rm of body.resourceMetrics)
      for (const sm of rm.scopeMetrics)
        for (const metric of sm.metrics) out.set(metric.name, { scope: sm.scope.name, metric });
  }
  return out;
}

it('exports gen_ai.execute_tool.duration and gen_ai.invoke_agent.duration for the calls made', async () => {
  const lookup = tool('lookup_order', async (id: string) => ({ id, status: 'shipped' }));
  const support = agent('Support Bot', async (id: string) => lookup(id));
  assert.deepEqual(await support('A-1'), { id: 'A-1', status: 'shipped' });
  await bw.forceFlush();
  const metrics = exported();
  for (const name of ['gen_ai.execute_tool.duration', 'gen_ai.invoke_agent.duration']) {
    const found = metrics.get(name);
    assert.ok(found, `${name} exported (got ${[...metrics.keys()].join(', ')})`);
    assert.equal(found.scope, '@breakwater/instrumentation');
    const [point] = found.metric.histogram?.dataPoints ?? [];
    assert.equal(Number(point?.count), 1);
    const agentName = point?.attributes.find((a) => a.key === 'gen_ai.agent.name')?.value.stringValue;
    assert.equal(agentName, 'Support Bot', `${name} names the agent`);
  }
});
