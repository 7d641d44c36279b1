import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveOptions, start } from './index.ts';
import { freePort } from './testing/free-port.ts';

// OTEL_SDK_DISABLED=true: NodeSDK registers no meter provider, so a Prometheus endpoint would
// serve only "MetricReader is not bound" to every scrape (a 200 that Prometheus counts as up).

function resolved(env: NodeJS.ProcessEnv, options: Record<string, unknown> = {}) {
  const logged: string[] = [];
  const o = resolveOptions({ ...options, logger: (m: string) => logged.push(m) }, env);
  return { o, logged };
}

describe('OTEL_SDK_DISABLED', () => {
  it('true (any case): no Prometheus endpoint, said once, whichever setting asked for it', () => {
    const env = resolved({ OTEL_SDK_DISABLED: 'TRUE', BREAKWATER_PROMETHEUS_PORT: '9464' });
    assert.equal(env.o.prometheusPort, undefined);
    assert.deepEqual(env.logged, [
      'OTEL_SDK_DISABLED=TRUE: telemetry is off, so the Prometheus endpoint (port 9464) is not served; Breakwater policies and the fleet control client still run',
    ]);
    const option = resolved({ OTEL_SDK_DISABLED: 'true' }, { prometheusPort: 9500 });
    assert.equal(option.o.prometheusPort, undefined);
    assert.equal(option.logged.length, 1);
    assert.deepEqual(resolved({ OTEL_SDK_DISABLED: 'true' }).logged, [], 'nothing asked for, nothing said');
  });

  it('with the control client off, the line does not say it still runs', () => {
    const env = { OTEL_SDK_DISABLED: 'true', BREAKWATER_PROMETHEUS_PORT: '9464' };
    const expected =
      'OTEL_SDK_DISABLED=true: telemetry is off, so the Prometheus endpoint (port 9464) is not served; Breakwater policies still run';
    assert.deepEqual(resolved(env, { control: false }).logged, [expected]);
    assert.deepEqual(resolved({ ...env, BREAKWATER_CONTROL: 'off' }).logged, [expected]);
  });

  it('a value OpenTelemetry does not read as true or false is logged: telemetry stays on', () => {
    const { o, logged } = resolved({ OTEL_SDK_DISABLED: '1', BREAKWATER_PROMETHEUS_PORT: '9464' });
    assert.equal(o.prometheusPort, 9464);
    assert.deepEqual(logged, [
      'OTEL_SDK_DISABLED=1: not true or false; ignored, telemetry stays on (OpenTelemetry takes only true to switch it off)',
    ]);
    assert.deepEqual(resolved({ OTEL_SDK_DISABLED: 'false' }).logged, []);
  });

  it('start() listens on no Prometheus port', async () => {
    const port = await freePort();
    const saved = { ...process.env };
    process.env.OTEL_SDK_DISABLED = 'true';
    process.env.BREAKWATER_PROMETHEUS_PORT = String(port);
    try {
      const logged: string[] = [];
      const bw = start({ control: false, handleSignals: false, logger: (m) => logged.push(m) });
      // The exporter would start listening in the background: give it the time it takes.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'nothing listens');
      assert.equal(logged.length, 1, logged.join('\n'));
      await bw.shutdown();
    } finally {
      process.env = saved;
    }
  });
});
