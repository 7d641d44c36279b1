import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { DEFAULT_POLICIES } from '@breakwater/instrumentation';
import { type Breakwater, type StartOptions, start } from './index.ts';

let bw: Breakwater | undefined;
after(() => bw?.shutdown());

it('start() logs each bad or unknown option once and starts with the rest, their defaults in their place', () => {
  const logged: string[] = [];
  bw = start({
    serviceName: 'bad-options',
    endpoint: 'http://127.0.0.1:9', // never reached: nothing is exported in this test
    control: false,
    handleSignals: false,
    logger: (m: string) => logged.push(m),
    metricIntervalMs: '15s',
    servicename: 'x',
    policies: { 'openai/*': { timeoutMs: 5_000 } },
  } as unknown as StartOptions);
  assert.deepEqual(logged, [
    'metricIntervalMs: must be a number of milliseconds, at least 1 (got "15s"); ignored (OTEL_METRIC_EXPORT_INTERVAL or 15 s applies)',
    'servicename: unknown option (did you mean serviceName?); ignored',
    'policies refused, running with the default policies: invalid Breakwater policy:\n' +
      '  policies: must be a list of { match: \'<glob>\', policy: { … } } rules (got {"openai/*":{"timeoutMs":5000}})',
  ]);
  assert.equal(bw.options.metricIntervalMs, 15_000, 'not NaN: no export every millisecond');
  assert.equal(bw.options.serviceName, 'bad-options');
  assert.deepEqual(bw.runtime?.policies.resolve('openai/gpt-4o'), DEFAULT_POLICIES.openai);
});
